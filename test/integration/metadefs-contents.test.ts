import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, call, json } from "../helpers/api";

// Objects, properties, tags and resource type associations inside a namespace.
const uniq = (p = "ns") => `${p}-${crypto.randomUUID().slice(0, 8)}`;
const md = (method: string, path: string, o: Parameters<typeof call>[2] = {}) => call(method, `/v2/metadefs${path}`, { token: ADMIN, ...o });
const message = async (r: Response) => (await json(r)).message as string;

/** A private namespace of projA, a public one of projA and a protected one; returns their paths. */
async function fixtures() {
  const priv = uniq("priv");
  const pub = uniq("pub");
  const prot = uniq("prot");
  const content = {
    objects: [{ name: "o" }],
    properties: { p: { title: "P", type: "string" } },
    tags: [{ name: "x" }],
    resource_type_associations: [{ name: "OS::Glance::Image", prefix: "img_" }],
  };
  for (const body of [
    { namespace: priv, owner: "projA", ...content },
    { namespace: pub, owner: "projA", visibility: "public", ...content },
    { namespace: prot, owner: "projA", protected: true, ...content },
  ]) {
    const r = await md("POST", "/namespaces", { body });
    if (r.status !== 201) throw new Error(await r.text());
  }
  return { priv: `/namespaces/${priv}`, pub: `/namespaces/${pub}`, prot: `/namespaces/${prot}`, names: { priv, pub, prot } };
}

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

describe("metadef tags", () => {
  it("creates one tag (201), shows, renames and deletes it", async () => {
    const { priv } = await fixtures();
    const c = await md("POST", `${priv}/tags/Blue`);
    expect(c.status).toBe(201);
    const tag = await json(c);
    expect(Object.keys(tag)).toEqual(["name", "created_at", "updated_at"]);
    expect(tag.name).toBe("Blue");
    expect((await json(await md("GET", `${priv}/tags/Blue`, { token: OWNER }))).name).toBe("Blue");
    const u = await md("PUT", `${priv}/tags/Blue`, { body: { name: "Green" } });
    expect(u.status).toBe(200);
    expect((await json(u)).name).toBe("Green");
    expect((await md("GET", `${priv}/tags/Blue`)).status).toBe(404);
    expect((await md("DELETE", `${priv}/tags/Green`)).status).toBe(204);
    expect((await md("GET", `${priv}/tags/Green`)).status).toBe(404);
  });

  it("bulk create replaces every tag, or appends with X-Openstack-Append: true", async () => {
    const { priv } = await fixtures();
    const r = await md("POST", `${priv}/tags`, { body: { tags: [{ name: "a" }, { name: "b" }] } });
    expect(r.status).toBe(201);
    expect(await json(r)).toEqual({ tags: [{ name: "a" }, { name: "b" }] });
    expect((await json(await md("GET", `${priv}/tags?sort_key=name&sort_dir=asc`))).tags).toEqual([{ name: "a" }, { name: "b" }]);
    const app = await md("POST", `${priv}/tags`, { body: { tags: [{ name: "c" }] }, headers: { "X-Openstack-Append": "True" } });
    expect(app.status).toBe(201);
    expect(await json(app)).toEqual({ tags: [{ name: "c" }] });
    expect((await json(await md("GET", `${priv}/tags?sort_key=name&sort_dir=asc`))).tags.map((t: any) => t.name)).toEqual(["a", "b", "c"]);
    // A clash with an existing tag changes nothing (all or nothing).
    const clash = await md("POST", `${priv}/tags`, { body: { tags: [{ name: "d" }, { name: "a" }] }, headers: { "X-Openstack-Append": "true" } });
    expect(clash.status).toBe(409);
    expect(await message(clash)).toContain("A metadata tag with name=a already exists in namespace=");
    const dupInBody = await md("POST", `${priv}/tags`, { body: { tags: [{ name: "e" }, { name: "e" }] } });
    expect(dupInBody.status).toBe(409);
    expect((await json(await md("GET", `${priv}/tags?sort_key=name&sort_dir=asc`))).tags.map((t: any) => t.name)).toEqual(["a", "b", "c"]);
    // An empty list is a no-op, as in Glance.
    expect(await json(await md("POST", `${priv}/tags`, { body: { tags: [] } }))).toEqual({ tags: [] });
    expect((await json(await md("GET", `${priv}/tags`))).tags).toHaveLength(3);
  });

  it("lists sorted and paged by marker", async () => {
    const { priv } = await fixtures();
    await md("POST", `${priv}/tags`, { body: { tags: [{ name: "m1" }, { name: "m2" }, { name: "m3" }] } });
    expect((await json(await md("GET", `${priv}/tags`))).tags.map((t: any) => t.name)).toEqual(["m3", "m2", "m1"]);
    expect((await json(await md("GET", `${priv}/tags?sort_key=name&sort_dir=asc&limit=2`))).tags.map((t: any) => t.name)).toEqual(["m1", "m2"]);
    expect((await json(await md("GET", `${priv}/tags?sort_key=name&sort_dir=asc&marker=m1`))).tags.map((t: any) => t.name)).toEqual(["m2", "m3"]);
    const badMarker = await md("GET", `${priv}/tags?marker=zz`);
    expect(badMarker.status).toBe(404);
    expect(await message(badMarker)).toContain("Could not find metadata tag zz");
    expect((await md("GET", `${priv}/tags?sort_dir=x`)).status).toBe(400);
    expect((await md("GET", `${priv}/tags?sort_key=x`)).status).toBe(400);
  });

  it("409 duplicate, 400 bad names and bodies, 403 protected", async () => {
    const { priv, prot } = await fixtures();
    const dup = await md("POST", `${priv}/tags/x`);
    expect(dup.status).toBe(409);
    expect(await message(dup)).toContain("A metadata tag with name=x already exists");
    expect((await md("POST", `${priv}/tags/${"y".repeat(81)}`)).status).toBe(400);
    await md("POST", `${priv}/tags/y`);
    expect((await md("PUT", `${priv}/tags/y`, { body: { name: "x" } })).status).toBe(409);
    expect((await md("PUT", `${priv}/tags/y`, { body: { nam: "x" } })).status).toBe(400);
    expect((await md("POST", `${priv}/tags`, { body: { tags: [{ name: "z", x: 1 }] } })).status).toBe(400);
    expect((await md("POST", `${priv}/tags`, { body: { tags: [{ name: "z" }], created_at: "x" } })).status).toBe(403);
    expect((await md("POST", `${priv}/tags/z`, { body: { name: "z" } })).status).toBe(400);
    const p = await md("DELETE", `${prot}/tags/x`);
    expect(p.status).toBe(403);
    expect(await message(p)).toContain("Metadata definition tag x is protected and cannot be deleted.");
  });

  it("visibility: another project gets 404, a visible non-admin 403 on writes", async () => {
    const { priv, pub } = await fixtures();
    for (const [m, path, body] of [
      ["GET", `${priv}/tags`],
      ["GET", `${priv}/tags/x`],
      ["POST", `${priv}/tags/n`],
      ["POST", `${priv}/tags`, { tags: [] }],
      ["PUT", `${priv}/tags/x`, { name: "y" }],
      ["DELETE", `${priv}/tags/x`],
    ] as [string, string, unknown?][]) {
      expect((await md(m, path, { token: OTHER, body })).status, `${m} ${path}`).toBe(404);
    }
    expect((await md("GET", `${pub}/tags`, { token: OTHER })).status).toBe(200);
    for (const [m, path, body, rule] of [
      ["POST", `${pub}/tags/n`, undefined, "add_metadef_tag"],
      ["POST", `${pub}/tags`, { tags: [{ name: "n" }] }, "add_metadef_tags"],
      ["PUT", `${pub}/tags/x`, { name: "y" }, "modify_metadef_tag"],
      ["DELETE", `${pub}/tags/x`, undefined, "delete_metadef_tag"],
    ] as [string, string, unknown, string][]) {
      const r = await md(m, path, { token: OTHER, body });
      expect(r.status, `${m} ${path}`).toBe(403);
      expect(await message(r)).toContain(rule);
    }
  });
});

describe("metadef resource types", () => {
  it("lists resource types; associates (201, creating the type) and dissociates (204)", async () => {
    const { priv } = await fixtures();
    const rt = uniq("H8::Type");
    const c = await md("POST", `${priv}/resource_types`, { body: { name: rt, prefix: "t:", properties_target: "image" } });
    expect(c.status).toBe(201);
    const assoc = await json(c);
    expect(Object.keys(assoc)).toEqual(["name", "prefix", "properties_target", "created_at", "updated_at"]);
    const list = await json(await md("GET", `${priv}/resource_types`, { token: OWNER }));
    expect(list.resource_type_associations.map((a: any) => a.name)).toEqual(["OS::Glance::Image", rt]);
    const types = await json(await md("GET", "/resource_types", { token: OTHER }));
    expect(types.resource_types.map((t: any) => t.name)).toEqual(expect.arrayContaining(["OS::Glance::Image", rt]));
    expect(Object.keys(types.resource_types[0])).toEqual(expect.arrayContaining(["name", "created_at"]));
    expect((await md("DELETE", `${priv}/resource_types/${rt}`)).status).toBe(204);
    expect((await json(await md("GET", `${priv}/resource_types`))).resource_type_associations.map((a: any) => a.name)).toEqual(["OS::Glance::Image"]);
    // The resource type itself stays.
    expect((await json(await md("GET", "/resource_types"))).resource_types.map((t: any) => t.name)).toContain(rt);
  });

  it("409 duplicate, 400 bad body, 404 unknown association, 403 protected", async () => {
    const { priv, prot } = await fixtures();
    const dup = await md("POST", `${priv}/resource_types`, { body: { name: "OS::Glance::Image" } });
    expect(dup.status).toBe(409);
    expect(await message(dup)).toContain("The metadata definition resource-type association of resource-type=OS::Glance::Image to namespace=");
    expect((await md("POST", `${priv}/resource_types`, { body: { prefix: "x" } })).status).toBe(400);
    expect((await md("POST", `${priv}/resource_types`, { body: { name: "A", bogus: 1 } })).status).toBe(400);
    expect((await md("POST", `${priv}/resource_types`, { body: { name: "A", created_at: "x" } })).status).toBe(403);
    const missing = await md("DELETE", `${priv}/resource_types/OS::Nova::Flavor`);
    expect(missing.status).toBe(404);
    expect(await message(missing)).toContain("Failed to find resource type OS::Nova::Flavor to delete");
    const p = await md("DELETE", `${prot}/resource_types/OS::Glance::Image`);
    expect(p.status).toBe(403);
    expect(await message(p)).toContain("Metadata definition resource-type-association OS::Glance::Image is protected and cannot be deleted.");
    const r = await md("DELETE", `${priv}/resource_types`);
    expect(r.status).toBe(405);
  });

  it("visibility: another project gets 404, a visible non-admin 403 on writes", async () => {
    const { priv, pub } = await fixtures();
    expect((await md("GET", `${priv}/resource_types`, { token: OTHER })).status).toBe(404);
    expect((await md("POST", `${priv}/resource_types`, { token: OTHER, body: { name: "X" } })).status).toBe(404);
    expect((await md("DELETE", `${priv}/resource_types/OS::Glance::Image`, { token: OTHER })).status).toBe(404);
    expect((await md("GET", `${pub}/resource_types`, { token: OTHER })).status).toBe(200);
    const w = await md("POST", `${pub}/resource_types`, { token: OTHER, body: { name: "X" } });
    expect(w.status).toBe(403);
    expect(await message(w)).toContain("add_metadef_resource_type_association");
    const d = await md("DELETE", `${pub}/resource_types/OS::Glance::Image`, { token: OTHER });
    expect(d.status).toBe(403);
    expect(await message(d)).toContain("remove_metadef_resource_type_association");
    expect((await md("GET", "/resource_types", { token: "projA:member" })).status).toBe(404);
  });
});
