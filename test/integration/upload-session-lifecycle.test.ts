import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ImageObject } from "../../src/durable-objects/image-object";
import { SESSION_TTL_MS, type SessionRecord, VERIFY_RETRY_MS } from "../../src/domain/images/upload-session-rules";
import { OWNER, call, createImage, json, queueDrained } from "../helpers/api";
import { MiB, OCTET, bytes, digest, fetchWithEnv, objectsOf, rowOf, show, waitStatus } from "../helpers/image-data";

// Expiry (the alarm), what is left in R2 after abort/expiry, the direct (presigned) path, and the
// Durable Object's own answers.

const PART = 5 * MiB;
const stub = (id: string) => env.IMAGE_DO.getByName(id);
const base = (id: string) => `/v2/images/${id}/upload-sessions`;
const record = (id: string) => runInDurableObject(stub(id), (_o: ImageObject, state) => state.storage.kv.get<SessionRecord>("upload-session")!);

async function startWithParts(id: string, parts: number) {
  const r = await call("POST", base(id), { body: { size: parts * PART + 10, part_size: PART } });
  expect(r.status).toBe(201);
  const s = await json(r);
  const etags: { partNumber: number; etag: string }[] = [];
  for (let n = 1; n <= parts; n++) {
    const p = await call("PUT", `${base(id)}/${s.id}/parts/${n}`, { raw: bytes(PART, n), headers: OCTET });
    expect(p.status).toBe(200);
    etags.push({ partNumber: n, etag: (await json(p)).etag });
  }
  return { s, etags, rec: await record(id) };
}

/** R2 refuses to assemble an aborted multipart upload: nothing of it is left. */
async function expectNoMultipart(rec: SessionRecord, parts: { partNumber: number; etag: string }[]) {
  await expect(env.STORE1.resumeMultipartUpload(rec.key, rec.multipartId).complete(parts)).rejects.toThrow();
  expect(await env.STORE1.head(rec.key)).toBeNull();
}

const age = (id: string, fields: Partial<SessionRecord>) =>
  runInDurableObject(stub(id), (_o: ImageObject, state) => {
    state.storage.kv.put("upload-session", { ...state.storage.kv.get<SessionRecord>("upload-session")!, ...fields });
  });

describe("upload session lifecycle", () => {
  it("abort drops the R2 multipart upload with its parts", async () => {
    const img = await createImage();
    const { s, etags, rec } = await startWithParts(img.id, 2);
    expect((await call("DELETE", `${base(img.id)}/${s.id}`)).status).toBe(204);
    await expectNoMultipart(rec, etags);
    expect(await objectsOf(img.id)).toEqual([]);
  });

  it("an idle session expires at the alarm: parts aborted, image queued, session 'expired'; a new one can start", async () => {
    const img = await createImage();
    const { s, etags, rec } = await startWithParts(img.id, 1);
    expect(await runInDurableObject(stub(img.id), (_o: ImageObject, state) => state.storage.getAlarm())).not.toBeNull();
    // not idle yet: the alarm leaves it alone
    await runDurableObjectAlarm(stub(img.id));
    expect((await record(img.id)).status).toBe("uploading");
    await age(img.id, { touchedAt: Date.now() - SESSION_TTL_MS - 1 });
    await runDurableObjectAlarm(stub(img.id));
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null, checksum: null });
    const seen = await json(await call("GET", `${base(img.id)}/${s.id}`));
    expect(seen).toMatchObject({ status: "expired", parts: [], message: expect.stringContaining("expired") });
    expect((await call("PUT", `${base(img.id)}/${s.id}/parts/2`, { raw: bytes(10), headers: OCTET })).status).toBe(409);
    await expectNoMultipart(rec, etags);
    expect((await call("POST", base(img.id), { body: { size: 10 } })).status).toBe(201);
  });

  it("a lost checksum job is queued again by the alarm (and settles once)", async () => {
    const img = await createImage();
    const data = bytes(2000);
    const s = await json(await call("POST", base(img.id), { body: { size: 2000 } }));
    expect((await call("PUT", `${base(img.id)}/${s.id}/parts/1`, { raw: data, headers: OCTET })).status).toBe(200);
    // complete straight on the object, then pretend the message was lost: verifying, never settled
    const r = await stub(img.id).completeSession(img.id, s.id, null);
    expect(r.ok).toBe(true);
    await waitStatus(img.id, "active"); // the first job ran
    expect((await stub(img.id).settleSession(img.id, s.id, null, { format: "raw", virtualSize: 0, unsafe: [], size: 0 })).ok).toBe(false); // stale now: no change
    expect((await rowOf(img.id)).status).toBe("active");

    const other = await createImage();
    const s2 = await json(await call("POST", base(other.id), { body: { size: 2000 } }));
    expect((await call("PUT", `${base(other.id)}/${s2.id}/parts/1`, { raw: data, headers: OCTET })).status).toBe(200);
    await runInDurableObject(stub(other.id), async (o: ImageObject, state) => {
      // as if the send had failed: verifying with no job in the queue
      const real = (o as any).env;
      (o as any).env = { ...real, EVENTS: { send: async () => {} } };
      await o.completeSession(other.id, s2.id, null);
      (o as any).env = real;
      expect(state.storage.kv.get<SessionRecord>("upload-session")!.status).toBe("verifying");
    });
    // No job was queued, so nothing can have activated it.
    expect((await rowOf(other.id)).status).toBe("saving");
    await age(other.id, { queuedAt: Date.now() - VERIFY_RETRY_MS - 1 });
    await runDurableObjectAlarm(stub(other.id));
    await waitStatus(other.id, "active");
    expect(await show(other.id)).toMatchObject({ size: 2000, checksum: await digest("MD5", data), os_hash_value: await digest("SHA-512", data) });
  });

  it("deleting the image while the checksum job runs leaves no object", async () => {
    const img = await createImage();
    const s = await json(await call("POST", base(img.id), { body: { size: 3000 } }));
    expect((await call("PUT", `${base(img.id)}/${s.id}/parts/1`, { raw: bytes(3000), headers: OCTET })).status).toBe(200);
    expect((await call("POST", `${base(img.id)}/${s.id}/complete`)).status).toBe(202);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    await queueDrained(); // the checksum job has run, against a deleted image
    expect((await rowOf(img.id)).status).toBe("deleted");
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]), { timeout: 5_000 });
  });

  it("direct uploads: presigned part URLs when S3 credentials are configured; the same end state", async () => {
    const creds = {
      R2_S3_CREDENTIALS: JSON.stringify({
        account_id: "0123456789abcdef0123456789abcdef",
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: "secret",
        buckets: { store1: "glance-store1" },
      }),
    };
    const send = (method: string, path: string, body?: unknown) =>
      fetchWithEnv(creds, method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    const img = await createImage();
    const data = bytes(PART + 777, 4);
    const created = await send("POST", base(img.id), { size: data.length, part_size: PART });
    expect(created.status).toBe(201);
    const s = await json(created);
    expect(s.direct_upload).toBe(true);

    for (const n of [1, 2]) {
      const u = await send("POST", `${base(img.id)}/${s.id}/parts/${n}/url`);
      expect(u.status).toBe(200);
      const req = await json(u);
      const length = n === 1 ? PART : 777;
      expect(req).toMatchObject({ method: "PUT", headers: { "Content-Length": String(length) }, expires_at: expect.any(String) });
      const url = new URL(req.url);
      expect(url.host).toBe("0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com");
      expect(url.pathname).toMatch(new RegExp(`^/glance-store1/images/${img.id}/${s.id}$`));
      expect(url.searchParams.get("partNumber")).toBe(String(n));
      expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
      expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDEXAMPLE\/\d{8}\/auto\/s3\/aws4_request$/);
      expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
      // what R2 does with that PUT, done here through the binding (no S3 endpoint locally)
      const key = decodeURIComponent(url.pathname.slice("/glance-store1/".length));
      const part = await env.STORE1.resumeMultipartUpload(key, url.searchParams.get("uploadId")!).uploadPart(n, data.slice((n - 1) * PART, n * PART));
      const rec = await send("PUT", `${base(img.id)}/${s.id}/parts/${n}`, { etag: `"${part.etag}"` });
      expect(rec.status).toBe(200);
      expect(await json(rec)).toEqual({ part_number: n, size: length, etag: part.etag });
    }
    expect((await send("POST", `${base(img.id)}/${s.id}/complete`)).status).toBe(202);
    await waitStatus(img.id, "active");
    expect(await show(img.id, OWNER)).toMatchObject({ size: data.length, checksum: await digest("MD5", data), os_hash_value: await digest("SHA-512", data) });
  });

  it("the Durable Object refuses parts of the wrong size and unknown sessions", async () => {
    const img = await createImage();
    const s = await json(await call("POST", base(img.id), { body: { size: PART + 10, part_size: PART } }));
    expect(await stub(img.id).recordSessionPart(img.id, s.id, { partNumber: 1, size: 10, etag: "x" })).toMatchObject({ ok: false, reason: "bad_request" });
    expect(await stub(img.id).recordSessionPart(img.id, "nope", { partNumber: 1, size: PART, etag: "x" })).toMatchObject({ ok: false, reason: "not_found" });
    expect(await stub(img.id).completeSession(img.id, s.id, null)).toMatchObject({ ok: false, reason: "conflict" });
    // PUT /file's lease cannot start either
    expect(await stub(img.id).beginUpload(img.id, "store1")).toMatchObject({ ok: false, reason: "conflict" });
  });
});
