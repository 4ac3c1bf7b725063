import { describe, expect, it } from "vitest";
import { OTHER, OWNER, json } from "../helpers/api";
import { fixtures, md, message, uniq } from "../helpers/metadefs";

// Tags and resource type associations inside a namespace.

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
