import { describe, expect, it } from "vitest";
import { OTHER, OWNER, json } from "../helpers/api";
import { FULL, create, md, message, uniq } from "../helpers/metadefs";

// /v2/metadefs/namespaces[/{ns}]: list, update, delete.

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
