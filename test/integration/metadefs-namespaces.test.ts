import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, json } from "../helpers/api";

// /v2/metadefs/namespaces[/{ns}]: create with embedded parts, list, show, update, delete.
const uniq = (p = "ns") => `${p}-${crypto.randomUUID().slice(0, 8)}`;
const md = (method: string, path: string, o: Parameters<typeof call>[2] = {}) => call(method, `/v2/metadefs${path}`, { token: ADMIN, ...o });
const create = async (body: Record<string, unknown>, token = ADMIN) => {
  const r = await md("POST", "/namespaces", { body, token });
  if (r.status !== 201) throw new Error(`create ${r.status}: ${await r.text()}`);
  return r.json() as Promise<any>;
};
const message = async (r: Response) => (await json(r)).message as string;

const FULL = {
  display_name: "Full",
  description: "everything",
  resource_type_associations: [
    { name: "OS::Glance::Image", prefix: "hw_" },
    { name: "OS::Nova::Flavor", prefix: "hw:", properties_target: "flavor" },
  ],
  properties: {
    cpu_policy: { title: "CPU policy", type: "string", enum: ["dedicated", "shared"], default: "shared" },
    threads: { title: "Threads", type: "integer", minimum: 1, maximum: 8, default: 2 },
  },
  objects: [{ name: "Obj", description: "o", required: ["x"], properties: { x: { title: "X", type: "boolean" } } }],
  tags: [{ name: "t1" }, { name: "t2" }],
};

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

describe("metadef namespaces: list", () => {
  it("lists own and public namespaces for a project, all for an admin, with first/next links", async () => {
    const mine = uniq("lst");
    const theirs = uniq("lst");
    const pub = uniq("lst");
    await create({ namespace: mine, owner: "projA", resource_type_associations: [{ name: "OS::Glance::Image", prefix: "p_" }] });
    await create({ namespace: theirs, owner: "projB" });
    await create({ namespace: pub, owner: "projB", visibility: "public" });
    const a = await json(await md("GET", "/namespaces?limit=1000", { token: OWNER }));
    const names = a.namespaces.map((n: any) => n.namespace);
    expect(names).toContain(mine);
    expect(names).toContain(pub);
    expect(names).not.toContain(theirs);
    expect(a.schema).toBe("/v2/schemas/metadefs/namespaces");
    expect(a.first).toBe("/v2/metadefs/namespaces?limit=1000");
    const entry = a.namespaces.find((n: any) => n.namespace === mine);
    expect(entry.resource_type_associations).toEqual([expect.objectContaining({ name: "OS::Glance::Image", prefix: "p_" })]);
    expect(entry).not.toHaveProperty("properties");
    const admin = (await json(await md("GET", "/namespaces?limit=1000"))).namespaces.map((n: any) => n.namespace);
    expect(admin).toEqual(expect.arrayContaining([mine, theirs, pub]));
    const priv = (await json(await md("GET", "/namespaces?visibility=private&limit=1000", { token: OWNER }))).namespaces;
    expect(priv.every((n: any) => n.visibility === "private" && n.owner === "projA")).toBe(true);
  });

  it("pages with limit and marker in the requested order", async () => {
    const prefix = uniq("pg");
    for (const s of ["a", "b", "c"]) await create({ namespace: `${prefix}-${s}`, owner: "projPage" });
    const token = "projPage:reader";
    // Private only: other tests' public namespaces are visible to every project.
    const p1 = await json(await md("GET", "/namespaces?visibility=private&sort_key=namespace&sort_dir=asc&limit=2", { token }));
    expect(p1.namespaces.map((n: any) => n.namespace)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(p1.next).toBe(`/v2/metadefs/namespaces?visibility=private&sort_key=namespace&sort_dir=asc&limit=2&marker=${prefix}-b`);
    const p2 = await json(await md("GET", p1.next.replace("/v2/metadefs", ""), { token }));
    expect(p2.namespaces.map((n: any) => n.namespace)).toEqual([`${prefix}-c`]);
    expect(p2).not.toHaveProperty("next");
    const desc = await json(await md("GET", "/namespaces?visibility=private", { token }));
    expect(desc.namespaces.map((n: any) => n.namespace)).toEqual([`${prefix}-c`, `${prefix}-b`, `${prefix}-a`]);
  });

  it("filters by resource types", async () => {
    const rt = uniq("RT");
    const a = uniq();
    await create({ namespace: a, resource_type_associations: [{ name: rt }] });
    await create({ namespace: uniq() });
    const r = await json(await md("GET", `/namespaces?resource_types=${rt},Other::Type`));
    expect(r.namespaces.map((n: any) => n.namespace)).toEqual([a]);
    expect((await json(await md("GET", "/namespaces?resource_types="))).namespaces).toEqual([]);
  });

  it("400 for bad paging parameters, 404 for an unknown marker", async () => {
    const bad: [string, string][] = [
      ["sort_dir=up", "Invalid sort direction: up"],
      ["visibility=shared", "Invalid visibility value: shared"],
      ["limit=-1", "limit param must be positive"],
      ["limit=x", "limit param must be an integer"],
      ["sort_key=bogus", "Invalid sort key: bogus"],
    ];
    for (const [q, msg] of bad) {
      const r = await md("GET", `/namespaces?${q}`);
      expect(r.status, q).toBe(400);
      expect(await message(r)).toContain(msg);
    }
    expect((await md("GET", `/namespaces?marker=${uniq()}`)).status).toBe(404);
    expect((await json(await md("GET", "/namespaces?limit=0"))).namespaces).toEqual([]);
  });

  it("a caller without the reader role cannot list (404, Glance's masking)", async () => {
    expect((await md("GET", "/namespaces", { token: "projA:member" })).status).toBe(404);
  });
});

describe("metadef namespaces: update", () => {
  it("replaces the namespace attributes; omitted ones fall back to defaults", async () => {
    const name = uniq();
    await create({ namespace: name, display_name: "D", description: "x", visibility: "public", protected: true, ...{ tags: [{ name: "keep" }] } });
    const renamed = uniq();
    const r = await md("PUT", `/namespaces/${name}`, { body: { namespace: renamed, owner: "projA" } });
    expect(r.status).toBe(200);
    const ns = await json(r);
    expect(ns).toMatchObject({ namespace: renamed, visibility: "private", protected: false, owner: "projA" });
    expect(ns).not.toHaveProperty("display_name");
    expect(ns.updated_at).toMatch(/Z$/);
    expect((await md("GET", `/namespaces/${name}`)).status).toBe(404);
    const shown = await json(await md("GET", `/namespaces/${renamed}`));
    expect(shown.tags).toEqual([{ name: "keep" }]);
  });

  it("accepts back what GET returned (embedded parts with their timestamps), as glanceclient sends it", async () => {
    const name = uniq();
    await create({ namespace: name, ...FULL });
    const { created_at, updated_at, self, schema, ...shown } = await json(await md("GET", `/namespaces/${name}`));
    const r = await md("PUT", `/namespaces/${name}`, { body: { ...shown, display_name: "again" } });
    expect(r.status).toBe(200);
    expect((await json(r)).display_name).toBe("again");
    expect((await md("PUT", `/namespaces/${name}`, { body: { ...shown, created_at } })).status).toBe(403);
  });

  it("409 on a rename clash, 404 for unknown or invisible, 403 for visible non-admins", async () => {
    const a = uniq();
    const b = uniq();
    await create({ namespace: a, owner: "projA", visibility: "public" });
    await create({ namespace: b });
    const clash = await md("PUT", `/namespaces/${a}`, { body: { namespace: b } });
    expect(clash.status).toBe(409);
    expect(await message(clash)).toContain(`duplicate metadata definition namespace with the same name of ${b}`);
    expect((await md("PUT", `/namespaces/${uniq()}`, { body: { namespace: "x" } })).status).toBe(404);
    expect((await md("PUT", `/namespaces/${b}`, { body: { namespace: b }, token: OTHER })).status).toBe(404);
    const denied = await md("PUT", `/namespaces/${a}`, { body: { namespace: a }, token: OWNER });
    expect(denied.status).toBe(403);
    expect(await message(denied)).toContain("modify_metadef_namespace");
    expect((await md("PUT", `/namespaces/${a}`, { body: { display_name: "x" } })).status).toBe(400);
  });
});

describe("metadef namespaces: delete", () => {
  it("deletes a namespace and its content (204), then 404", async () => {
    const name = uniq();
    await create({ namespace: name, ...FULL });
    expect((await md("DELETE", `/namespaces/${name}`)).status).toBe(204);
    expect((await md("GET", `/namespaces/${name}`)).status).toBe(404);
    // The name is free again, with nothing left over.
    const again = await create({ namespace: name });
    expect(again).not.toHaveProperty("tags");
    expect((await json(await md("GET", `/namespaces/${name}/objects`))).objects).toEqual([]);
  });

  it("403 when protected, 403 for a visible non-admin, 404 for another project's private namespace", async () => {
    const prot = uniq();
    await create({ namespace: prot, protected: true, owner: "projA" });
    const r = await md("DELETE", `/namespaces/${prot}`);
    expect(r.status).toBe(403);
    expect(await message(r)).toContain(`Metadata definition namespace ${prot} is protected and cannot be deleted.`);
    const own = await md("DELETE", `/namespaces/${prot}`, { token: OWNER });
    expect(own.status).toBe(403);
    expect(await message(own)).toContain("delete_metadef_namespace");
    const other = await md("DELETE", `/namespaces/${prot}`, { token: OTHER });
    expect(other.status).toBe(404);
    expect(await message(other)).toContain(`Namespace ${prot} not found`);
  });

  it("bulk deletes objects, properties and tags; 403 when protected or not admin", async () => {
    const name = uniq();
    await create({ namespace: name, owner: "projA", ...FULL });
    for (const what of ["objects", "properties", "tags"]) {
      expect((await md("DELETE", `/namespaces/${name}/${what}`, { token: OWNER })).status).toBe(403);
      expect((await md("DELETE", `/namespaces/${name}/${what}`, { token: OTHER })).status).toBe(404);
      expect((await md("DELETE", `/namespaces/${name}/${what}`)).status).toBe(204);
    }
    const ns = await json(await md("GET", `/namespaces/${name}`));
    expect(ns).not.toHaveProperty("objects");
    expect(ns).not.toHaveProperty("properties");
    expect(ns).not.toHaveProperty("tags");
    expect(ns.resource_type_associations).toHaveLength(2);
    const prot = uniq();
    await create({ namespace: prot, protected: true, tags: [{ name: "t" }] });
    const r = await md("DELETE", `/namespaces/${prot}/tags`);
    expect(r.status).toBe(403);
    expect(await message(r)).toContain("is protected and cannot be deleted.");
    expect((await md("DELETE", `/namespaces/${uniq()}/objects`)).status).toBe(404);
  });

  it("405 with Allow for an unknown method on a known path", async () => {
    const r = await md("PATCH", `/namespaces/${uniq()}`);
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toContain("PUT");
  });
});
