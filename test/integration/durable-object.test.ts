import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEASE_TTL_MS, type ImageObject, type Lease } from "../../src/durable-objects/image-object";
import { createImage } from "../helpers/api";
import { objectsOf, rowOf } from "../helpers/image-data";

const stub = (id: string) => env.IMAGE_DO.getByName(id);
const DATA = { size: 3, checksum: "c", osHashAlgo: "sha512", osHashValue: "h", virtualSize: 3 };

async function begin(id: string) {
  const r = await stub(id).beginUpload(id, "store1");
  if (!r.ok) throw new Error(`begin: ${r.reason} ${r.message}`);
  return r;
}

describe("ImageObject upload leases", () => {
  it("one lease at a time: a second begin is a conflict until the first ends", async () => {
    const img = await createImage();
    const first = await begin(img.id);
    expect((await rowOf(img.id)).status).toBe("saving");
    const second = await stub(img.id).beginUpload(img.id, "store1");
    expect(second).toMatchObject({ ok: false, reason: "conflict" });
    await env.STORE1.put(first.key, "abc");
    const done = await stub(img.id).finishUpload(img.id, first.uploadId, DATA);
    expect(done.ok).toBe(true);
    expect(await rowOf(img.id)).toMatchObject({ status: "active", size: 3, checksum: "c" });
    expect(await stub(img.id).beginUpload(img.id, "store1")).toMatchObject({ ok: false, reason: "conflict" });
    // a finished lease cannot finish twice
    expect(await stub(img.id).finishUpload(img.id, first.uploadId, DATA)).toMatchObject({ ok: false, reason: "lost" });
  });

  it("begin refuses an image without formats (bad_request) and an unknown one (not_found)", async () => {
    const img = await createImage({ disk_format: null });
    expect(await stub(img.id).beginUpload(img.id, "store1")).toMatchObject({ ok: false, reason: "bad_request" });
    const id = crypto.randomUUID();
    expect(await stub(id).beginUpload(id, "store1")).toMatchObject({ ok: false, reason: "not_found" });
    // neither left a lease behind
    await runInDurableObject(stub(img.id), (o: ImageObject, state) => expect(state.storage.kv.get("lease")).toBeUndefined());
  });

  it("abort: object removed, saving → queued, fields cleared, the image takes a new upload", async () => {
    const img = await createImage();
    const a = await begin(img.id);
    await env.STORE1.put(a.key, "partial");
    await stub(img.id).abortUpload(img.id, a.uploadId);
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null, checksum: null });
    expect(await objectsOf(img.id)).toEqual([]);
    await begin(img.id);
  });

  it("delete during an upload cancels it: finish answers gone and the object is removed", async () => {
    const img = await createImage();
    const a = await begin(img.id);
    expect(await stub(img.id).deleteImage(img.id, false)).toMatchObject({ status: "deleted" });
    expect(await stub(img.id).renewUpload(img.id, a.uploadId)).toBe("cancelled");
    await env.STORE1.put(a.key, "late writer");
    expect(await stub(img.id).finishUpload(img.id, a.uploadId, DATA)).toMatchObject({ ok: false, reason: "gone" });
    expect(await objectsOf(img.id)).toEqual([]);
    expect((await rowOf(img.id)).status).toBe("deleted");
  });

  it("a writer that stops renewing is expired by the alarm: queued again, its object removed", async () => {
    const img = await createImage();
    const a = await begin(img.id);
    await env.STORE1.put(a.key, "half");
    expect(await stub(img.id).renewUpload(img.id, a.uploadId)).toBe("ok");
    // age the lease past its TTL, as if the Worker had died mid-stream
    await runInDurableObject(stub(img.id), (_o: ImageObject, state) => {
      const lease = state.storage.kv.get<Lease>("lease")!;
      state.storage.kv.put("lease", { ...lease, renewedAt: Date.now() - LEASE_TTL_MS - 1 });
    });
    expect(await runDurableObjectAlarm(stub(img.id))).toBe(true);
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null });
    expect(await objectsOf(img.id)).toEqual([]);
    // the late writer finds its lease gone
    expect(await stub(img.id).finishUpload(img.id, a.uploadId, DATA)).toMatchObject({ ok: false, reason: "lost" });
    await begin(img.id);
  });

  it("an expired lease does not block a new begin, and never removes active data", async () => {
    const img = await createImage();
    const a = await begin(img.id);
    await env.STORE1.put(a.key, "abc");
    expect((await stub(img.id).finishUpload(img.id, a.uploadId, DATA)).ok).toBe(true);
    // a stale lease record naming the active object (as if the DO died right after activating)
    await runInDurableObject(stub(img.id), (_o: ImageObject, state) => {
      state.storage.kv.put("lease", { ...(a as unknown as object), imageId: img.id, store: "store1", startedAt: 0, renewedAt: 0, cancelled: false } as Lease);
    });
    await runDurableObjectAlarm(stub(img.id));
    expect((await rowOf(img.id)).status).toBe("active");
    expect(await objectsOf(img.id)).toEqual([a.key]);
  });
});
