import { describe, expect, it } from "vitest";
import { OTHER, OWNER, READER, json } from "../helpers/api";
import { FULL, create, md, message, uniq } from "../helpers/metadefs";

// /v2/metadefs/namespaces[/{ns}]: create with embedded parts, and show.

describe("metadef namespaces: create", () => {
  it("creates a namespace with embedded parts (201, Location, Glance's echo)", async () => {
    const name = uniq();
    const r = await md("POST", "/namespaces", { body: { namespace: name, ...FULL } });
    expect(r.status).toBe(201);
    expect(r.headers.get("Location")).toBe(`http://localhost/v2/metadefs/namespaces/${name}`);
    const ns = await json(r);
    expect(Object.keys(ns)).toEqual([
      "namespace", "display_name", "description", "visibility", "protected", "owner", "created_at", "updated_at",
      "resource_type_associations", "properties", "objects", "tags", "self", "schema",
    ]);
    expect(ns).toMatchObject({ namespace: name, visibility: "private", protected: false, owner: "admin", self: `/v2/metadefs/namespaces/${name}`, schema: "/v2/schemas/metadefs/namespace" });
    expect(ns.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(ns.resource_type_associations).toEqual([
      { name: "OS::Glance::Image", prefix: "hw_" },
      { name: "OS::Nova::Flavor", prefix: "hw:", properties_target: "flavor" },
    ]);
    // wsme's PropertyType: fixed field order, default as a string.
    expect(ns.properties.threads).toEqual({ type: "integer", title: "Threads", default: "2", minimum: 1, maximum: 8 });
    expect(Object.keys(ns.properties.cpu_policy)).toEqual(["type", "title", "default", "enum"]);
    expect(ns.objects).toEqual([{ name: "Obj", required: ["x"], description: "o", properties: { x: { type: "boolean", title: "X" } } }]);
    expect(ns.tags).toEqual([{ name: "t1" }, { name: "t2" }]);
  });

  it("a minimal namespace defaults to private, unprotected, owned by the caller's project", async () => {
    const ns = await create({ namespace: uniq() });
    expect(ns).toMatchObject({ visibility: "private", protected: false, owner: "admin" });
    expect(ns).not.toHaveProperty("display_name");
    expect(ns).not.toHaveProperty("properties");
  });

  it("409 on a duplicate name, and nothing of a failed create remains", async () => {
    const name = uniq();
    await create({ namespace: name });
    const dup = await md("POST", "/namespaces", { body: { namespace: name } });
    expect(dup.status).toBe(409);
    expect(await message(dup)).toContain(`The metadata definition namespace=${name} already exists.`);
    const other = uniq();
    const bad = await md("POST", "/namespaces", { body: { namespace: other, tags: [{ name: "a" }, { name: "a" }] } });
    expect(bad.status).toBe(409);
    expect(await message(bad)).toContain(`A metadata tag with name=a already exists in namespace=${other}.`);
    expect((await md("GET", `/namespaces/${other}`)).status).toBe(404);
  });

  it("400 for schema violations, 403 for read-only attributes, 400 without a body", async () => {
    const cases: [unknown, string][] = [
      [{ display_name: "x" }, "Provided object does not match schema 'namespace': 'namespace' is a required property"],
      [{ namespace: uniq(), bogus: 1 }, "Additional properties are not allowed ('bogus' was unexpected)"],
      [{ namespace: uniq(), visibility: "shared" }, "'shared' is not one of ['public', 'private']"],
      [{ namespace: "x".repeat(81) }, "is too long"],
      [{ namespace: uniq(), properties: { p: { type: "string" } } }, "'title' is a required property"],
      [{ namespace: uniq(), properties: { p: { title: "P", type: "strin" } } }, "'strin' is not one of ['array', 'boolean', 'integer', 'number', 'object', 'string', None]"],
      [{ namespace: uniq(), properties: { p: { title: "P", type: "string", bogus: 1 } } }, "('bogus' was unexpected)"],
      [{ namespace: uniq(), resource_type_associations: [{ prefix: "a" }] }, "'name' is a required property"],
      [[], "[] is not of type 'object'"],
    ];
    for (const [body, msg] of cases) {
      const r = await md("POST", "/namespaces", { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await message(r)).toContain(msg);
    }
    const ro = await md("POST", "/namespaces", { body: { namespace: uniq(), self: "x" } });
    expect(ro.status).toBe(403);
    expect(await message(ro)).toContain("Attribute 'self' is read-only.");
    const empty = await md("POST", "/namespaces", { raw: "", headers: { "Content-Type": "application/json" } });
    expect(empty.status).toBe(400);
    expect(await message(empty)).toContain("Body expected in request.");
  });

  it("only admins create: a reader gets 403, a caller without reader 404 (Glance masking)", async () => {
    const r = await md("POST", "/namespaces", { body: { namespace: uniq() }, token: OWNER });
    expect(r.status).toBe(403);
    expect(await message(r)).toContain("You are not authorized to complete add_metadef_namespace action.");
    expect((await md("POST", "/namespaces", { body: { namespace: uniq() }, token: "projA:member" })).status).toBe(404);
  });
});

describe("metadef namespaces: show and visibility", () => {
  it("shows everything; ?resource_type= prefixes property names and object properties", async () => {
    const name = uniq();
    await create({ namespace: name, ...FULL });
    const ns = await json(await md("GET", `/namespaces/${name}`));
    expect(Object.keys(ns.properties)).toEqual(["cpu_policy", "threads"]);
    expect(ns.resource_type_associations[0]).toMatchObject({ name: "OS::Glance::Image", prefix: "hw_" });
    expect(ns.resource_type_associations[0].created_at).toMatch(/Z$/);
    expect(ns.objects[0]).toMatchObject({ name: "Obj", required: ["x"], self: `/v2/metadefs/namespaces/${name}/objects/Obj`, schema: "/v2/schemas/metadefs/object" });
    expect(ns.tags.map((t: any) => t.name).sort()).toEqual(["t1", "t2"]);
    const flavor = await json(await md("GET", `/namespaces/${name}?resource_type=OS::Nova::Flavor`));
    expect(Object.keys(flavor.properties)).toEqual(["hw:cpu_policy", "hw:threads"]);
    expect(flavor.objects[0].required).toEqual(["hw:x"]);
    expect(Object.keys(flavor.objects[0].properties)).toEqual(["hw:x"]);
    const unknown = await json(await md("GET", `/namespaces/${name}?resource_type=Nope`));
    expect(Object.keys(unknown.properties)).toEqual(["cpu_policy", "threads"]);
  });

  it("a private namespace is 404 to other projects, visible to its owner's readers; public ones to all", async () => {
    const priv = uniq();
    const pub = uniq();
    await create({ namespace: priv, owner: "projA" });
    await create({ namespace: pub, owner: "projA", visibility: "public" });
    expect((await md("GET", `/namespaces/${priv}`, { token: OWNER })).status).toBe(200);
    expect((await md("GET", `/namespaces/${priv}`, { token: READER })).status).toBe(200);
    const hidden = await md("GET", `/namespaces/${priv}`, { token: OTHER });
    expect(hidden.status).toBe(404);
    expect(await message(hidden)).toContain("The resource could not be found.");
    expect((await md("GET", `/namespaces/${pub}`, { token: OTHER })).status).toBe(200);
    const missing = await md("GET", `/namespaces/${uniq()}`);
    expect(missing.status).toBe(404);
    expect(await message(missing)).toContain("was not found.");
  });
});
