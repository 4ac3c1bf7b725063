import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { STAGE_TTL_MS, type StageLease } from "../../src/durable-objects/staging";
import type { ImageObject } from "../../src/durable-objects/image-object";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, sinkEvents } from "../helpers/api";
import { MiB, OCTET, bytes, controlledBody, rowOf, show, streamOf, upload } from "../helpers/image-data";
import { deployment, stage, withConfig } from "../helpers/imports";

const stagedKeys = async (id: string) => (await env.STORE1.list({ prefix: `staging/${id}/` })).objects.map((o) => o.key);
const expectQueuedAndClean = async (id: string) => {
  expect(await rowOf(id)).toMatchObject({ status: "queued", size: null });
  await vi.waitFor(async () => expect(await stagedKeys(id)).toEqual([]), { timeout: 5_000 });
};

describe("PUT /v2/images/{id}/stage", () => {
  it("stages the data: 204, queued → uploading, size set, data in the default store under staging/", async () => {
    const img = await createImage();
    const data = bytes(MiB + 7);
    expect((await stage(img.id, data)).status).toBe(204);
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "uploading", size: data.length, checksum: null });
    expect(after.stores).toBeUndefined();
    const keys = await stagedKeys(img.id);
    expect(keys).toHaveLength(1);
    expect((await env.STORE1.head(keys[0]))?.size).toBe(data.length);
    // image.update for queued → uploading and for the staged size
    await vi.waitFor(async () => {
      const u = (await sinkEvents("image.update")).filter((e) => e.payload.id === img.id).map((e) => e.payload.status);
      expect(u).toEqual(["uploading", "uploading"]);
    });
  });

  it("a chunked body is staged too; os_glance_stage_host is recorded but never shown", async () => {
    const d = deployment(withConfig({ public_endpoint: "https://images.example.net" }));
    const img = await createImage();
    const r = await d.fetch("PUT", `/v2/images/${img.id}/stage`, { raw: streamOf(bytes(300_000), 7000), headers: OCTET });
    expect(r.status).toBe(204);
    const prop = await env.DB.prepare("SELECT value FROM image_properties WHERE image_id = ? AND name = 'os_glance_stage_host'").bind(img.id).first<any>();
    expect(prop?.value).toBe("https://images.example.net");
    const shown = await show(img.id, OWNER);
    expect(shown.size).toBe(300_000);
    expect(shown).not.toHaveProperty("os_glance_stage_host");
  });

  it("409 when the image is not queued: already staged, active, or being staged", async () => {
    const img = await createImage();
    expect((await stage(img.id, bytes(10))).status).toBe(204);
    expect((await stage(img.id, bytes(10))).status).toBe(409);
    expect(await stagedKeys(img.id)).toHaveLength(1); // the staged data stays

    const active = await createImage();
    expect((await upload(active.id, bytes(10))).status).toBe(204);
    expect((await stage(active.id, bytes(10))).status).toBe(409);

    const busy = await createImage();
    const { stream, ctl } = controlledBody();
    const first = stage(busy.id, stream);
    await vi.waitFor(async () => expect((await rowOf(busy.id)).status).toBe("uploading"));
    expect((await stage(busy.id, bytes(10))).status).toBe(409);
    expect((await upload(busy.id, bytes(10))).status).toBe(409);
    ctl.enqueue(bytes(100));
    ctl.close();
    expect((await first).status).toBe(204);
  });

  it("404 when glance-direct is not enabled (before the media type); 415 for another media type", async () => {
    const img = await createImage();
    const d = deployment(withConfig({ enabled_import_methods: ["web-download"] }));
    const off = await d.fetch("PUT", `/v2/images/${img.id}/stage`, { raw: bytes(10), headers: { "Content-Type": "text/plain" } });
    expect(off.status).toBe(404);
    expect((await json(off)).message).toContain("'glance-direct' method is not available at this site.");
    const r = await call("PUT", `/v2/images/${img.id}/stage`, { raw: bytes(10), headers: { "Content-Type": "application/json" } });
    expect(r.status).toBe(415);
    expect((await rowOf(img.id)).status).toBe("queued");
  });

  it("another project cannot stage: 404 when it cannot see the image, 403 when it can; readers get 403", async () => {
    const priv = await createImage();
    expect((await stage(priv.id, bytes(10), { token: OTHER })).status).toBe(404);
    const community = await createImage({ visibility: "community" });
    expect((await stage(community.id, bytes(10), { token: OTHER })).status).toBe(403);
    expect((await stage(priv.id, bytes(10), { token: READER })).status).toBe(403);
    expect((await stage(crypto.randomUUID(), bytes(10))).status).toBe(404);
    expect((await rowOf(priv.id)).status).toBe("queued");
    expect((await stage(priv.id, bytes(10), { token: ADMIN })).status).toBe(204);
  });

  it("413 over image_size_cap (declared or streamed): the data goes, the image is queued again", async () => {
    const d = deployment(withConfig({ image_size_cap: 1000 }));
    const img = await createImage();
    const path = `/v2/images/${img.id}/stage`;
    expect((await d.fetch("PUT", path, { raw: bytes(2000), headers: OCTET })).status).toBe(413);
    await expectQueuedAndClean(img.id);
    expect((await d.fetch("PUT", path, { raw: streamOf(bytes(2000), 300), headers: OCTET })).status).toBe(413);
    await expectQueuedAndClean(img.id);
    expect((await d.fetch("PUT", path, { raw: bytes(1000), headers: OCTET })).status).toBe(204);
  });

  it("413 over image_stage_total (before anything) and image_count_uploading (after the image counts)", async () => {
    const p = `stg-${crypto.randomUUID().slice(0, 8)}`;
    const token = `${p}:member,reader`;
    const d = deployment(withConfig({ unified_limits: { image_stage_total: 1, image_count_uploading: 1 } }));
    const a = await createImage({}, token);
    expect((await d.fetch("PUT", `/v2/images/${a.id}/stage`, { token, raw: bytes(2 * MiB), headers: OCTET })).status).toBe(204);
    // 2 MiB staged: over the 1 MiB stage limit, so the next stage is refused up front
    const b = await createImage({}, token);
    const over = await d.fetch("PUT", `/v2/images/${b.id}/stage`, { token, raw: bytes(10), headers: OCTET });
    expect(over.status).toBe(413);
    expect((await json(over)).message).toContain("image_stage_total");
    expect((await rowOf(b.id)).status).toBe("queued");

    const q = `stg-${crypto.randomUUID().slice(0, 8)}`;
    const t2 = `${q}:member,reader`;
    const d2 = deployment(withConfig({ unified_limits: { image_count_uploading: 0 } }));
    const c = await createImage({}, t2);
    const r = await d2.fetch("PUT", `/v2/images/${c.id}/stage`, { token: t2, raw: bytes(10), headers: OCTET });
    expect(r.status).toBe(413);
    expect((await json(r)).message).toContain("image_count_uploading");
    await expectQueuedAndClean(c.id);
  });

  it("a body that breaks mid-stream: 400, data removed, queued again", async () => {
    const img = await createImage();
    const { stream, ctl } = controlledBody();
    ctl.enqueue(bytes(5000));
    // (announced with Content-Length: in this harness a stream that errors reaches the Worker as an end)
    const pending = stage(img.id, stream, { headers: { "Content-Length": String(8 * MiB) } });
    await vi.waitFor(async () => expect((await rowOf(img.id)).status).toBe("uploading"));
    ctl.error(new Error("client went away"));
    const r2 = await pending.catch(() => null);
    if (r2) expect(r2.status).toBe(400);
    await expectQueuedAndClean(img.id);
    expect((await stage(img.id, bytes(10))).status).toBe(204);
  });

  it("deleting the image removes staged data; a delete during staging ends it with 410", async () => {
    const img = await createImage();
    expect((await stage(img.id, bytes(5000))).status).toBe(204);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    await vi.waitFor(async () => expect(await stagedKeys(img.id)).toEqual([]));

    const other = await createImage();
    const { stream, ctl } = controlledBody();
    const pending = stage(other.id, stream);
    await vi.waitFor(async () => expect((await rowOf(other.id)).status).toBe("uploading"));
    ctl.enqueue(bytes(1000));
    expect((await call("DELETE", `/v2/images/${other.id}`)).status).toBe(204);
    ctl.close();
    expect((await pending).status).toBe(410);
    await vi.waitFor(async () => expect(await stagedKeys(other.id)).toEqual([]));
  });

  it("a stager that died (lease not renewed) is undone by the image's alarm", async () => {
    const img = await createImage();
    const stub = env.IMAGE_DO.getByName(img.id);
    const begun = await stub.beginStage(img.id, "store1");
    if (!begun.ok) throw new Error(begun.message);
    await env.STORE1.put(begun.key, "partial");
    expect((await rowOf(img.id)).status).toBe("uploading");
    await runInDurableObject(stub, (_o: ImageObject, state) => {
      const lease = state.storage.kv.get<StageLease>("stage")!;
      state.storage.kv.put("stage", { ...lease, renewedAt: Date.now() - STAGE_TTL_MS - 1000 });
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await expectQueuedAndClean(img.id);
    expect(await stub.renewStage(img.id, begun.stageId)).toBe("lost");
  });
});
