import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, call, createImage, json, patch, queueDrained, sinkEvents } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";

async function eventsFor(id: string, type: string, atLeast = 1): Promise<any[]> {
  let found: any[] = [];
  await vi.waitFor(
    async () => {
      found = (await sinkEvents(type)).filter((e) => e.payload?.id === id);
      if (found.length < atLeast) throw new Error(`waiting for ${type}`);
    },
    { timeout: 15_000, interval: 100 },
  );
  return found;
}

describe("notifications through the Queue", () => {
  it("image.create, image.update and image.delete carry Glance's image payload", async () => {
    const img = await createImage({ color: "red", tags: ["t"] });
    await patch(img.id, [{ op: "replace", path: "/name", value: "n2" }]);
    await call("DELETE", `/v2/images/${img.id}`);
    const [created] = await eventsFor(img.id, "image.create");
    expect(created).toMatchObject({ type: "notification", priority: "INFO", publisher_id: "image.localhost", event_type: "image.create" });
    expect(Object.keys(created.payload).sort()).toEqual(
      [
        "checksum", "container_format", "created_at", "deleted", "deleted_at", "disk_format", "id", "is_public", "min_disk",
        "min_ram", "name", "owner", "properties", "protected", "size", "status", "tags", "updated_at", "virtual_size", "visibility",
      ].sort(),
    );
    expect(created.payload).toMatchObject({ properties: { color: "red" }, tags: ["t"], is_public: false, deleted: false });
    const [updated] = await eventsFor(img.id, "image.update");
    expect(updated.payload.name).toBe("n2");
    const [deleted] = await eventsFor(img.id, "image.delete");
    expect(deleted.payload).toMatchObject({ deleted: true, status: "deleted" });
    expect(deleted.payload.deleted_at).toMatch(/Z$/);
  });

  it("a failed write sends nothing", async () => {
    const img = await createImage();
    const before = (await sinkEvents("image.update")).filter((e) => e.payload.id === img.id).length;
    expect((await patch(img.id, [{ op: "replace", path: "/status", value: "active" }])).status).toBe(403);
    await queueDrained();
    expect((await sinkEvents("image.update")).filter((e) => e.payload.id === img.id).length).toBe(before);
  });

  it("the consumer ignores duplicates (redelivery) and malformed messages", async () => {
    const { createMessageBatch, createExecutionContext, getQueueResult } = await import("cloudflare:test");
    const worker = (await import("../../src/index")).default;
    const body = {
      type: "notification",
      message_id: crypto.randomUUID(),
      event_type: "image.update",
      priority: "INFO",
      publisher_id: "image.localhost",
      timestamp: "2026-01-01 00:00:00",
      request_id: null,
      payload: { id: "dup-test" },
    };
    const batch = createMessageBatch<unknown>("glance-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body },
      { id: "m2", timestamp: new Date(), attempts: 2, body },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { type: "nonsense" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM notification_sink WHERE message_id = ?").bind(body.message_id).first<any>();
    expect(rows.n).toBe(1);
  });

  it("disabled_notifications drops an exact type or a whole group", async () => {
    const vars = { GLANCE_CONFIG: JSON.stringify({ notification_sink: true, disabled_notifications: ["image.create"] }) };
    const r = await fetchWith(vars, new Request("http://localhost/v2/images", { method: "POST", body: "{}", headers: { "X-Auth-Token": "nq:member,reader" } }));
    const img = await r.json<any>();
    const r2 = await fetchWith(
      { GLANCE_CONFIG: JSON.stringify({ notification_sink: true, disabled_notifications: ["image"] }) },
      new Request(`http://localhost/v2/images/${img.id}`, { method: "DELETE", headers: { "X-Auth-Token": "nq:member,reader" } }),
    );
    expect(r2.status).toBe(204);
    // A later enabled event proves the queue was drained past these requests.
    const marker = await createImage();
    await eventsFor(marker.id, "image.create");
    expect((await sinkEvents("image.create")).some((e) => e.payload.id === img.id)).toBe(false);
    expect((await sinkEvents("image.delete")).some((e) => e.payload.id === img.id)).toBe(false);
  });
});

describe("quotas → 413", () => {
  const quotaVars = { GLANCE_CONFIG: JSON.stringify({ image_property_quota: 2, image_tag_quota: 2, image_count_total: 2 }) };
  const post = (token: string, body: unknown) =>
    fetchWith(quotaVars, new Request("http://localhost/v2/images", { method: "POST", body: JSON.stringify(body), headers: { "X-Auth-Token": token, Accept: "application/json" } }));
  const patchWith = (token: string, id: string, ops: unknown) =>
    fetchWith(
      quotaVars,
      new Request(`http://localhost/v2/images/${id}`, {
        method: "PATCH",
        body: JSON.stringify(ops),
        headers: { "X-Auth-Token": token, "Content-Type": "application/openstack-images-v2.1-json-patch" },
      }),
    );

  it("image_property_quota on create and patch (os_glance_* not counted)", async () => {
    const first = await post("q1:member,reader", { a: "1", b: "2", c: "3" });
    expect(first.status, await first.clone().text()).toBe(413);
    const r = await post("q1:member,reader", { a: "1", b: "2" });
    expect(r.status).toBe(201);
    const img = await r.json<any>();
    expect((await patchWith("q1:member,reader", img.id, [{ op: "add", path: "/c", value: "3" }])).status).toBe(413);
    expect((await patchWith("q1:member,reader", img.id, [{ op: "replace", path: "/a", value: "x" }])).status).toBe(200);
  });

  it("image_tag_quota on create, patch and PUT tag", async () => {
    expect((await post("q2:member,reader", { tags: ["a", "b", "c"] })).status).toBe(413);
    const img = await (await post("q2:member,reader", { tags: ["a", "b"] })).json<any>();
    expect((await patchWith("q2:member,reader", img.id, [{ op: "replace", path: "/tags", value: ["a", "b", "c"] }])).status).toBe(413);
    const put = await fetchWith(quotaVars, new Request(`http://localhost/v2/images/${img.id}/tags/c`, { method: "PUT", headers: { "X-Auth-Token": "q2:member,reader" } }));
    expect(put.status).toBe(413);
  });

  it("image_count_total per project; deleted images free the slot", async () => {
    const a = await (await post("q3:member,reader", {})).json<any>();
    expect((await post("q3:member,reader", {})).status).toBe(201);
    const third = await post("q3:member,reader", {});
    expect(third.status).toBe(413);
    expect((await post("q3other:member,reader", {})).status).toBe(201);
    await call("DELETE", `/v2/images/${a.id}`, { token: "q3:member,reader" });
    expect((await post("q3:member,reader", {})).status).toBe(201);
  });

  it("is unlimited by default", async () => {
    for (let i = 0; i < 3; i++) await createImage({}, ADMIN);
    expect((await json(await call("GET", "/v2/images", { token: ADMIN }))).images.length).toBeGreaterThan(2);
  });
});
