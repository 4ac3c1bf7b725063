// Fault injection: R2 fails in the middle of a multipart upload (a part, or the completion) under
// PUT /file with a chunked body (16 MiB parts) and under an upload session's part. The client gets
// 503; the multipart upload is aborted; no object, no location; the image back to queued (or the
// session still open), and the same upload succeeds afterwards.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OWNER, call, createImage, json } from "../helpers/api";
import { failingMultipart, locations, noOrphans } from "../helpers/faults";
import { MiB, OCTET, bytes, digest, fetchWithEnv, objectsOf, rowOf, show, streamOf, upload, waitStatus } from "../helpers/image-data";

const chunkedPut = (id: string, bucket: R2Bucket, data: Uint8Array) =>
  fetchWithEnv({ STORE1: bucket }, "PUT", `/v2/images/${id}/file`, { body: streamOf(data, MiB), headers: OCTET });

async function expectQueuedNothingLeft(id: string) {
  expect(await rowOf(id)).toMatchObject({ status: "queued", size: null, checksum: null, os_hash_value: null });
  expect(await locations(id)).toEqual([]);
  expect(await objectsOf(id)).toEqual([]);
  await noOrphans(id);
}

describe("R2 failing mid-multipart", () => {
  const data = bytes(40 * MiB + 17, 31); // three parts

  for (const [name, fault] of [
    ["the first part", { failPartAt: 1 }],
    ["the second part (one already stored)", { failPartAt: 2 }],
    ["the last part", { failPartAt: 3 }],
    ["the completion (every part stored)", { failComplete: true }],
  ] as const) {
    it(`PUT /file, ${name} fails: 503, the upload aborted, the image queued with nothing stored; the retry works`, async () => {
      const img = await createImage();
      const { bucket, seen } = failingMultipart(env.STORE1, fault);
      const r = await chunkedPut(img.id, bucket, data);
      expect(r.status).toBe(503);
      expect((await json(r)).message).toContain("store1");
      expect(seen.created).toHaveLength(1);
      expect(seen.aborted).toEqual(seen.created);
      expect(seen.completed).toEqual([]);
      await expectQueuedNothingLeft(img.id);
      // nothing stuck
      expect((await chunkedPut(img.id, env.STORE1, data)).status).toBe(204);
      expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, os_hash_value: await digest("SHA-512", data) });
      expect(await objectsOf(img.id)).toHaveLength(1);
      await noOrphans(img.id);
    });
  }

  it("an upload session's part fails in R2: 503, the part not recorded, the session open; resent, it completes", async () => {
    const img = await createImage();
    const PART = 5 * MiB;
    const body = bytes(PART + 1000, 32);
    const s = await json(await call("POST", `/v2/images/${img.id}/upload-sessions`, { body: { size: body.length, part_size: PART } }));
    const part = (n: number, bucket: R2Bucket) =>
      fetchWithEnv({ STORE1: bucket }, "PUT", `/v2/images/${img.id}/upload-sessions/${s.id}/parts/${n}`, {
        body: body.slice((n - 1) * PART, n * PART),
        headers: OCTET,
      });
    expect((await part(1, env.STORE1)).status).toBe(200);
    const { bucket } = failingMultipart(env.STORE1, { failPartAt: 1 });
    const failed = await part(2, bucket);
    expect(failed.status).toBe(503);
    const seen = await json(await call("GET", `/v2/images/${img.id}/upload-sessions/${s.id}`));
    expect(seen).toMatchObject({ status: "uploading" });
    expect(seen.parts.map((p: any) => p.part_number)).toEqual([1]);
    expect((await rowOf(img.id)).status).toBe("saving");
    expect((await part(2, env.STORE1)).status).toBe(200);
    expect((await call("POST", `/v2/images/${img.id}/upload-sessions/${s.id}/complete`)).status).toBe(202);
    await waitStatus(img.id, "active");
    expect(await show(img.id, OWNER)).toMatchObject({ size: body.length, os_hash_value: await digest("SHA-512", body) });
    await noOrphans(img.id);
    expect(await objectsOf(img.id)).toHaveLength(1);
  });

  it("a single put that fails (known length): 503, queued, nothing stored", async () => {
    const img = await createImage();
    const broken = new Proxy(env.STORE1, {
      get(t, p) {
        if (p === "put") return () => Promise.reject(new Error("R2 put: fault injected by the test"));
        const v = Reflect.get(t, p);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    const r = await fetchWithEnv({ STORE1: broken }, "PUT", `/v2/images/${img.id}/file`, { body: bytes(3 * MiB, 33), headers: OCTET });
    expect(r.status).toBe(503);
    await expectQueuedNothingLeft(img.id);
    expect((await upload(img.id, bytes(100))).status).toBe(204);
  });
});
