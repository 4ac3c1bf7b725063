import { describe, expect, it, vi } from "vitest";
import { ADMIN, call, sinkEvents } from "../helpers/api";

// metadef_* notifications go through the Queue to the sink with glance/notifier.py's payloads.
const uniq = (p = "ev") => `${p}-${crypto.randomUUID().slice(0, 8)}`;
const md = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(method, `/v2/metadefs${path}`, { token: ADMIN, body, headers });

async function events(type: string, ns: string, atLeast = 1): Promise<any[]> {
  let found: any[] = [];
  await vi.waitFor(
    async () => {
      found = (await sinkEvents(type)).filter((e) => e.payload?.namespace === ns);
      if (found.length < atLeast) throw new Error(`waiting for ${atLeast} ${type} of ${ns}`);
    },
    { timeout: 15_000, interval: 100 },
  );
  return found;
}

describe("metadef notifications", () => {
  it("namespace create emits one event per embedded part, with Glance's payload fields", async () => {
    const ns = uniq();
    const r = await md("POST", "/namespaces", {
      namespace: ns,
      display_name: "D",
      resource_type_associations: [{ name: "OS::Glance::Image", prefix: "p_" }],
      properties: { a: { title: "A", type: "integer", default: 3 } },
      objects: [{ name: "o", properties: { x: { title: "X", type: "string", readonly: false } } }],
      tags: [{ name: "t1" }, { name: "t2" }],
    });
    expect(r.status).toBe(201);
    const [created] = await events("metadef_namespace.create", ns);
    expect(created).toMatchObject({ type: "notification", priority: "INFO", publisher_id: "image.localhost" });
    expect(Object.keys(created.payload).sort()).toEqual(
      ["created_at", "deleted", "deleted_at", "description", "display_name", "namespace", "namespace_old", "owner", "protected", "updated_at", "visibility"].sort(),
    );
    expect(created.payload).toMatchObject({ namespace: ns, namespace_old: ns, display_name: "D", visibility: "private", protected: false, owner: "admin", deleted: false, deleted_at: null });
    const [rt] = await events("metadef_resource_type.create", ns);
    expect(rt.payload).toMatchObject({ name: "OS::Glance::Image", name_old: "OS::Glance::Image", prefix: "p_", properties_target: null, deleted: false });
    const [prop] = await events("metadef_property.create", ns);
    expect(prop.payload).toMatchObject({ name: "a", type: "integer", title: "A", default: "3", minimum: null, enum: null, deleted: false });
    expect(prop.payload).not.toHaveProperty("created_at");
    const [obj] = await events("metadef_object.create", ns);
    expect(obj.payload).toMatchObject({ name: "o", required: [], description: null });
    expect(obj.payload.properties).toEqual([
      expect.objectContaining({ name: "x", type: "string", title: "X", description: null, default: null, confidential: null }),
    ]);
    const tags = await events("metadef_tag.create", ns, 2);
    expect(tags.map((e) => e.payload.name).sort()).toEqual(["t1", "t2"]);
  });

  it("updates carry the old name; deletes set deleted and deleted_at; bulk operations are reported", async () => {
    const ns = uniq();
    await md("POST", "/namespaces", { namespace: ns, objects: [{ name: "o" }], properties: { p: { title: "P", type: "string" } }, tags: [{ name: "t" }] });
    await md("PUT", `/namespaces/${ns}/objects/o`, { name: "o2" });
    await md("PUT", `/namespaces/${ns}/properties/p`, { name: "p2", title: "P", type: "string" });
    await md("PUT", `/namespaces/${ns}/tags/t`, { name: "t2" });
    await md("POST", `/namespaces/${ns}/resource_types`, { name: "OS::Nova::Flavor", prefix: "f:" });
    await md("DELETE", `/namespaces/${ns}/resource_types/OS::Nova::Flavor`);
    await md("DELETE", `/namespaces/${ns}/objects/o2`);
    await md("DELETE", `/namespaces/${ns}/properties/p2`);
    await md("DELETE", `/namespaces/${ns}/tags/t2`);
    await md("POST", `/namespaces/${ns}/tags`, { tags: [{ name: "b1" }, { name: "b2" }] }, { "X-Openstack-Append": "true" });
    for (const what of ["objects", "properties", "tags"]) await md("DELETE", `/namespaces/${ns}/${what}`);
    const renamed = uniq();
    await md("PUT", `/namespaces/${ns}`, { namespace: renamed });
    await md("DELETE", `/namespaces/${renamed}`);

    expect((await events("metadef_object.update", ns))[0].payload).toMatchObject({ name: "o2", name_old: "o" });
    expect((await events("metadef_property.update", ns))[0].payload).toMatchObject({ name: "p2", name_old: "p" });
    expect((await events("metadef_tag.update", ns))[0].payload).toMatchObject({ name: "t2", name_old: "t" });
    expect((await events("metadef_resource_type.create", ns))[0].payload).toMatchObject({ name: "OS::Nova::Flavor", prefix: "f:" });
    for (const [type, name] of [
      ["metadef_resource_type.delete", "OS::Nova::Flavor"],
      ["metadef_object.delete", "o2"],
      ["metadef_property.delete", "p2"],
      ["metadef_tag.delete", "t2"],
    ]) {
      const [e] = await events(type, ns);
      expect(e.payload, type).toMatchObject({ name, deleted: true });
      expect(e.payload.deleted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect((await events("metadef_tag.create", ns, 3)).map((e) => e.payload.name).sort()).toEqual(["b1", "b2", "t"]);
    for (const what of ["objects", "properties", "tags"]) {
      expect((await events(`metadef_namespace.delete_${what}`, ns))[0].payload).toMatchObject({ namespace: ns, deleted: false });
    }
    expect((await events("metadef_namespace.update", renamed))[0].payload).toMatchObject({ namespace: renamed, namespace_old: ns });
    const [gone] = await events("metadef_namespace.delete", renamed);
    expect(gone.payload).toMatchObject({ deleted: true });
    expect(gone.payload.deleted_at).toMatch(/Z$/);
  });

  it("a refused write sends nothing", async () => {
    const ns = uniq();
    await md("POST", "/namespaces", { namespace: ns, protected: true, tags: [{ name: "t" }] });
    await events("metadef_namespace.create", ns);
    expect((await md("DELETE", `/namespaces/${ns}`)).status).toBe(403);
    expect((await md("POST", `/namespaces/${ns}/tags/t`)).status).toBe(409);
    expect((await md("POST", `/namespaces/${ns}/objects`, { name: "o" }, undefined)).status).toBe(201);
    await events("metadef_object.create", ns);
    expect((await sinkEvents("metadef_namespace.delete")).some((e) => e.payload.namespace === ns)).toBe(false);
    expect((await sinkEvents("metadef_tag.create")).filter((e) => e.payload.namespace === ns)).toHaveLength(1);
  });
});
