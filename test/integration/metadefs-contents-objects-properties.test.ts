import { describe, expect, it } from "vitest";
import { OTHER, OWNER, json } from "../helpers/api";
import { fixtures, md, message, uniq } from "../helpers/metadefs";

// Objects and properties inside a namespace.

describe("metadef objects", () => {
  it("create (201), list, show, update (rename) and delete (204)", async () => {
    const { priv, names } = await fixtures();
    const body = { name: "web", description: "d", required: ["port"], properties: { port: { title: "Port", type: "integer", minimum: 1, default: 80 } } };
    const c = await md("POST", `${priv}/objects`, { body });
    expect(c.status).toBe(201);
    const obj = await json(c);
    expect(Object.keys(obj)).toEqual(["name", "required", "description", "properties", "created_at", "updated_at", "self", "schema"]);
    expect(obj).toMatchObject({ name: "web", required: ["port"], self: `/v2/metadefs/namespaces/${names.priv}/objects/web`, schema: "/v2/schemas/metadefs/object" });
    expect(obj.properties.port).toEqual({ type: "integer", title: "Port", default: "80", minimum: 1 });
    const list = await json(await md("GET", `${priv}/objects`, { token: OWNER }));
    expect(list.schema).toBe("/v2/schemas/metadefs/objects");
    expect(list.objects.map((o: any) => o.name)).toEqual(["o", "web"]);
    expect((await json(await md("GET", `${priv}/objects/web`, { token: OWNER }))).description).toBe("d");
    const u = await md("PUT", `${priv}/objects/web`, { body: { name: "web2", properties: { p: { title: "P", type: "string" } } } });
    expect(u.status).toBe(200);
    const updated = await json(u);
    expect(updated).toMatchObject({ name: "web2", required: [], properties: { p: { type: "string", title: "P" } } });
    expect(updated).not.toHaveProperty("description");
    expect((await md("GET", `${priv}/objects/web`)).status).toBe(404);
    expect((await md("DELETE", `${priv}/objects/web2`)).status).toBe(204);
    expect((await md("GET", `${priv}/objects/web2`)).status).toBe(404);
  });

  it("409 duplicate, 400 bad body, 404 unknown object, 403 protected namespace", async () => {
    const { priv, prot } = await fixtures();
    const dup = await md("POST", `${priv}/objects`, { body: { name: "o" } });
    expect(dup.status).toBe(409);
    expect(await message(dup)).toContain("A metadata definition object with name=o already exists in namespace=");
    await md("POST", `${priv}/objects`, { body: { name: "o2" } });
    expect((await md("PUT", `${priv}/objects/o2`, { body: { name: "o" } })).status).toBe(409);
    const bad = await md("POST", `${priv}/objects`, { body: { name: "b", properties: { a: { title: "A", type: "string", confidential: true } } } });
    expect(bad.status).toBe(400);
    expect(await message(bad)).toContain("Provided object does not match schema 'property': Additional properties are not allowed ('confidential' was unexpected)");
    expect((await md("POST", `${priv}/objects`, { body: { description: "x" } })).status).toBe(400);
    expect((await md("POST", `${priv}/objects`, { body: { name: "c", created_at: "x" } })).status).toBe(403);
    const missing = await md("GET", `${priv}/objects/nope`);
    expect(missing.status).toBe(404);
    expect(await message(missing)).toContain("Could not find metadata object nope");
    expect((await md("DELETE", `${priv}/objects/nope`)).status).toBe(404);
    const p = await md("DELETE", `${prot}/objects/o`);
    expect(p.status).toBe(403);
    expect(await message(p)).toContain("Metadata definition object o is protected and cannot be deleted.");
  });

  it("visibility: another project gets 404, a visible non-admin 403 on writes", async () => {
    const { priv, pub } = await fixtures();
    for (const [m, path, body] of [
      ["GET", `${priv}/objects`],
      ["GET", `${priv}/objects/o`],
      ["POST", `${priv}/objects`, { name: "n" }],
      ["PUT", `${priv}/objects/o`, { name: "o" }],
      ["DELETE", `${priv}/objects/o`],
    ] as [string, string, unknown?][]) {
      const r = await md(m, path, { token: OTHER, body });
      expect(r.status, `${m} ${path}`).toBe(404);
      expect(await message(r)).toContain("Namespace priv-");
    }
    expect((await md("GET", `${pub}/objects/o`, { token: OTHER })).status).toBe(200);
    for (const [m, path, body, rule] of [
      ["POST", `${pub}/objects`, { name: "n" }, "add_metadef_object"],
      ["PUT", `${pub}/objects/o`, { name: "o" }, "modify_metadef_object"],
      ["DELETE", `${pub}/objects/o`, undefined, "delete_metadef_object"],
    ] as [string, string, unknown, string][]) {
      const r = await md(m, path, { token: OTHER, body });
      expect(r.status, `${m} ${path}`).toBe(403);
      expect(await message(r)).toContain(`You are not authorized to complete ${rule} action.`);
    }
    expect((await md("GET", `/namespaces/${uniq()}/objects`)).status).toBe(404);
  });
});

describe("metadef properties", () => {
  it("create (201), list, show, update (rename) and delete (204)", async () => {
    const { priv } = await fixtures();
    const body = { name: "speed", title: "Speed", type: "number", minimum: 1.5, maximum: 9, readonly: false, default: false, enum: ["1", "2"], items: { type: "string" } };
    const c = await md("POST", `${priv}/properties`, { body });
    expect(c.status).toBe(201);
    const prop = await json(c);
    expect(prop).toEqual({ name: "speed", type: "number", title: "Speed", default: "False", readonly: false, minimum: 1, maximum: 9, enum: ["1", "2"], items: { type: "string" } });
    const list = await json(await md("GET", `${priv}/properties`, { token: OWNER }));
    expect(Object.keys(list.properties)).toEqual(["p", "speed"]);
    expect(list.properties.p).toEqual({ type: "string", title: "P" });
    expect(await json(await md("GET", `${priv}/properties/speed`, { token: OWNER }))).toEqual(prop);
    const u = await md("PUT", `${priv}/properties/speed`, { body: { name: "speed2", title: "S", type: "integer" } });
    expect(u.status).toBe(200);
    expect(await json(u)).toEqual({ name: "speed2", type: "integer", title: "S" });
    expect((await md("GET", `${priv}/properties/speed`)).status).toBe(404);
    expect((await md("DELETE", `${priv}/properties/speed2`)).status).toBe(204);
    expect((await md("GET", `${priv}/properties/speed2`)).status).toBe(404);
  });

  it("shows a prefixed name with ?resource_type=, 404 when the prefix or association does not match", async () => {
    const { priv, names } = await fixtures();
    expect(await json(await md("GET", `${priv}/properties/img_p?resource_type=OS::Glance::Image`))).toEqual({ name: "p", type: "string", title: "P" });
    const wrong = await md("GET", `${priv}/properties/p?resource_type=OS::Glance::Image`);
    expect(wrong.status).toBe(404);
    expect(await message(wrong)).toContain("Property p does not start with the expected resource type association prefix of 'img_'.");
    const unknown = await md("GET", `${priv}/properties/p?resource_type=${uniq("Nope")}`);
    expect(unknown.status).toBe(404);
    expect(await message(unknown)).toContain("The metadata definition resource-type with name=Nope-");
    await md("POST", `${priv}/resource_types`, { body: { name: "H8::Known" } });
    await md("DELETE", `${priv}/resource_types/H8::Known`);
    const noAssoc = await md("GET", `${priv}/properties/p?resource_type=H8::Known`);
    expect(noAssoc.status).toBe(404);
    expect(await message(noAssoc)).toContain(`resource-type=H8::Known to namespace=${names.priv}, was not found.`);
  });

  it("409 duplicate, 400 bad body, 403 read-only attribute and protected namespace", async () => {
    const { priv, prot } = await fixtures();
    const dup = await md("POST", `${priv}/properties`, { body: { name: "p", title: "P", type: "string" } });
    expect(dup.status).toBe(409);
    expect(await message(dup)).toContain("A metadata definition property with name=p already exists in namespace=");
    await md("POST", `${priv}/properties`, { body: { name: "q", title: "Q", type: "string" } });
    expect((await md("PUT", `${priv}/properties/q`, { body: { name: "p", title: "Q", type: "string" } })).status).toBe(409);
    for (const [body, msg] of [
      [{ name: "a", type: "string" }, "'title' is a required property"],
      [{ title: "A", type: "string" }, "'name' is a required property"],
      [{ name: "a", title: "A", type: "str" }, "'str' is not one of"],
      [{ name: "a", title: "A", type: "string", minLength: -1 }, "-1 is less than the minimum of 0"],
      [{ name: "a", title: "A", type: "string", enum: [1] }, "1 is not of type 'string'"],
      [{ name: "a", title: "A", type: null }, "None is not of type 'string'"],
    ] as [unknown, string][]) {
      const r = await md("POST", `${priv}/properties`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await message(r)).toContain(msg);
    }
    expect((await md("POST", `${priv}/properties`, { body: { name: "a", title: "A", type: "string", updated_at: "x" } })).status).toBe(403);
    const p = await md("DELETE", `${prot}/properties/p`);
    expect(p.status).toBe(403);
    expect(await message(p)).toContain("Metadata definition property p is protected and cannot be deleted.");
    expect((await md("DELETE", `${priv}/properties/nope`)).status).toBe(404);
  });

  it("visibility: another project gets 404, a visible non-admin 403 on writes", async () => {
    const { priv, pub } = await fixtures();
    expect((await md("GET", `${priv}/properties`, { token: OTHER })).status).toBe(404);
    expect((await md("GET", `${priv}/properties/p`, { token: OTHER })).status).toBe(404);
    expect((await md("POST", `${priv}/properties`, { token: OTHER, body: { name: "n", title: "N", type: "string" } })).status).toBe(404);
    expect((await md("GET", `${pub}/properties/p`, { token: OTHER })).status).toBe(200);
    const w = await md("POST", `${pub}/properties`, { token: OTHER, body: { name: "n", title: "N", type: "string" } });
    expect(w.status).toBe(403);
    expect(await message(w)).toContain("add_metadef_property");
    expect((await md("PUT", `${pub}/properties/p`, { token: OTHER, body: { name: "p", title: "N", type: "string" } })).status).toBe(403);
    expect((await md("DELETE", `${pub}/properties/p`, { token: OTHER })).status).toBe(403);
  });
});
