import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, queueDrained, sinkEvents } from "../helpers/api";
import { MiB, OCTET, bytes, controlledBody, digest, download, fetchWithEnv, objectsOf, rowOf, show, upload, waitStatus, withConfig } from "../helpers/image-data";

// Resumable multi-part uploads: POST/GET/DELETE /v2/images/{id}/upload-sessions[/{sid}],
// PUT .../parts/{n}, POST .../complete. Parts are 5 MiB (R2's minimum) plus a shorter last one.

const PART = 5 * MiB;
const base = (id: string) => `/v2/images/${id}/upload-sessions`;

async function startSession(id: string, body: Record<string, unknown>, token = OWNER) {
  const r = await call("POST", base(id), { token, body });
  expect(r.status, await r.clone().text()).toBe(201);
  return json(r);
}

const putPart = (id: string, sid: string, n: number, data: BodyInit, token = OWNER, headers: Record<string, string> = {}) =>
  call("PUT", `${base(id)}/${sid}/parts/${n}`, { token, raw: data, headers: { ...OCTET, ...headers } });

const complete = (id: string, sid: string, body?: unknown, token = OWNER) => call("POST", `${base(id)}/${sid}/complete`, { token, body });

const getSession = async (id: string, sid: string, token = OWNER) => call("GET", `${base(id)}/${sid}`, { token });

/** Part n (1-based) of `data` cut in PART-sized pieces. */
const slice = (data: Uint8Array, n: number) => data.subarray((n - 1) * PART, Math.min(n * PART, data.length));

describe("upload sessions", () => {
  it("parts out of order and repeated assemble byte-exact; checksum, os_hash_value, size as PUT /file", async () => {
    const img = await createImage();
    const data = bytes(3 * PART + 1234567, 3);
    const s = await startSession(img.id, { size: data.length, part_size: PART });
    expect(s).toMatchObject({ image_id: img.id, status: "uploading", size: data.length, part_size: PART, part_count: 4, parts: [], direct_upload: false, store: "store1" });
    expect(s.self).toBe(`${base(img.id)}/${s.id}`);
    expect((await rowOf(img.id)).status).toBe("saving");

    // out of order, part 2 first with wrong bytes then again with the right ones
    for (const [n, chunk] of [
      [4, slice(data, 4)],
      [2, bytes(PART, 99)],
      [1, slice(data, 1)],
      [2, slice(data, 2)],
      [3, slice(data, 3)],
    ] as const) {
      const r = await putPart(img.id, s.id, n, chunk);
      expect(r.status, await r.clone().text()).toBe(200);
      expect(await json(r)).toMatchObject({ part_number: n, size: chunk.length, etag: expect.any(String) });
    }
    const mid = await json(await getSession(img.id, s.id));
    expect(mid.parts.map((p: any) => [p.part_number, p.size])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART],
      [4, 1234567],
    ]);

    const done = await complete(img.id, s.id);
    expect(done.status).toBe(202);
    expect(await json(done)).toMatchObject({ status: "verifying", parts: [], expires_at: null });
    await waitStatus(img.id, "active");

    const md5 = await digest("MD5", data);
    const sha512 = await digest("SHA-512", data);
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, virtual_size: data.length, checksum: md5, os_hash_algo: "sha512", os_hash_value: sha512, stores: "store1" });
    const got = await (await download(img.id)).arrayBuffer();
    expect(got.byteLength).toBe(data.length);
    expect(await digest("SHA-512", got)).toBe(sha512);
    expect(await objectsOf(img.id)).toHaveLength(1);
    expect(await json(await getSession(img.id, s.id))).toMatchObject({ status: "completed", parts: [] });
    // the image has data now: no new session, no PUT /file
    expect((await call("POST", base(img.id), { body: { size: 10 } })).status).toBe(409);
  });

  it("resume after a disconnect: the broken part is not recorded, GET shows the done parts, the rest completes", async () => {
    const img = await createImage({ disk_format: "qcow2", container_format: "ovf" });
    const data = bytes(2 * PART + 1000, 5);
    const sha512 = await digest("SHA-512", data);
    const s = await startSession(img.id, { size: data.length, part_size: PART, sha512 });
    expect((await putPart(img.id, s.id, 1, slice(data, 1))).status).toBe(200);
    // part 2 breaks mid-stream (the client vanished)
    const { stream, ctl } = controlledBody();
    ctl.enqueue(slice(data, 2).slice(0, MiB));
    const pending = putPart(img.id, s.id, 2, stream);
    await new Promise((r) => setTimeout(r, 50));
    ctl.error(new Error("connection reset"));
    // The client is gone: its request fails or is answered 400, never recorded.
    const broken = await pending.then((r) => r.status, () => "failed");
    expect([400, "failed"]).toContain(broken);

    const seen = await json(await getSession(img.id, s.id));
    expect(seen).toMatchObject({ status: "uploading", sha512 });
    expect(seen.parts.map((p: any) => p.part_number)).toEqual([1]);
    expect((await complete(img.id, s.id)).status).toBe(409); // parts 2 and 3 missing

    expect((await putPart(img.id, s.id, 3, slice(data, 3))).status).toBe(200);
    expect((await putPart(img.id, s.id, 2, slice(data, 2))).status).toBe(200);
    expect((await complete(img.id, s.id)).status).toBe(202);
    await waitStatus(img.id, "active");
    expect(await show(img.id)).toMatchObject({ size: data.length, os_hash_value: sha512, checksum: await digest("MD5", data), virtual_size: null });
  });

  it("a single short part (size below part_size) works", async () => {
    const img = await createImage();
    const data = bytes(300_000, 8);
    const s = await startSession(img.id, { size: data.length });
    expect(s).toMatchObject({ part_count: 1, part_size: 64 * MiB });
    expect((await putPart(img.id, s.id, 1, data)).status).toBe(200);
    expect((await complete(img.id, s.id, { sha512: await digest("SHA-512", data) })).status).toBe(202);
    await waitStatus(img.id, "active");
    expect((await show(img.id)).checksum).toBe(await digest("MD5", data));
  });

  it("a sha512 that does not match: the session fails, the image is queued with no data and takes a new session", async () => {
    const img = await createImage();
    const data = bytes(1000);
    const s = await startSession(img.id, { size: 1000, sha512: "ab".repeat(64) });
    expect((await putPart(img.id, s.id, 1, data)).status).toBe(200);
    expect((await complete(img.id, s.id)).status).toBe(202);
    await waitStatus(img.id, "queued");
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null, checksum: null, os_hash_value: null });
    const failed = await json(await getSession(img.id, s.id));
    expect(failed).toMatchObject({ status: "failed", message: expect.stringContaining("does not match") });
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    // a different sha512 at complete than at create is refused up front
    const again = await startSession(img.id, { size: 1000, sha512: await digest("SHA-512", data) });
    expect((await putPart(img.id, again.id, 1, data)).status).toBe(200);
    expect((await complete(img.id, again.id, { sha512: "cd".repeat(64) })).status).toBe(400);
    expect((await complete(img.id, again.id, { sha512: await digest("SHA-512", data) })).status).toBe(202);
    await waitStatus(img.id, "active");
  });

  it("abort: 204, the image queued with no data, the parts dropped, the session gone", async () => {
    const img = await createImage();
    const s = await startSession(img.id, { size: PART + 10, part_size: PART });
    expect((await putPart(img.id, s.id, 1, bytes(PART))).status).toBe(200);
    expect((await call("DELETE", `${base(img.id)}/${s.id}`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `${base(img.id)}/${s.id}`)).status).toBe(204);
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null });
    expect((await getSession(img.id, s.id)).status).toBe(404);
    expect((await putPart(img.id, s.id, 2, bytes(10))).status).toBe(404);
    expect((await call("DELETE", `${base(img.id)}/${s.id}`)).status).toBe(404);
    expect(await objectsOf(img.id)).toEqual([]);
    // PUT /file works again
    expect((await upload(img.id, bytes(100))).status).toBe(204);
  });

  it("two sessions on one image: exactly one wins; PUT /file during a session is 409 and vice versa", async () => {
    const img = await createImage();
    const rs = await Promise.all(Array.from({ length: 8 }, () => call("POST", base(img.id), { body: { size: 100 } })));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await upload(img.id, bytes(100))).status).toBe(409);
    expect((await rowOf(img.id)).status).toBe("saving");

    const other = await createImage();
    const { stream, ctl } = controlledBody();
    ctl.enqueue(bytes(1000));
    const pending = upload(other.id, stream, { headers: { "x-openstack-image-size": "2000" } });
    await waitStatus(other.id, "saving");
    expect((await call("POST", base(other.id), { body: { size: 2000 } })).status).toBe(409);
    ctl.enqueue(bytes(1000));
    ctl.close();
    expect((await pending).status).toBe(204);
  });

  it("deleting the image during a session drops the session and leaves no object", async () => {
    const img = await createImage();
    const s = await startSession(img.id, { size: PART + 10, part_size: PART });
    expect((await putPart(img.id, s.id, 1, bytes(PART))).status).toBe(200);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect((await putPart(img.id, s.id, 2, bytes(10))).status).toBe(404);
    expect((await rowOf(img.id)).status).toBe("deleted");
    expect(await objectsOf(img.id)).toEqual([]);
  });

  it("another project gets 404 on every route; a reader gets 403; an admin may", async () => {
    const img = await createImage();
    const s = await startSession(img.id, { size: 100 });
    const p = `${base(img.id)}/${s.id}`;
    const shared = { token: OTHER };
    expect((await call("POST", base(img.id), { ...shared, body: { size: 100 } })).status).toBe(404);
    expect((await call("GET", base(img.id), shared)).status).toBe(404);
    expect((await call("GET", p, shared)).status).toBe(404);
    expect((await putPart(img.id, s.id, 1, bytes(100), OTHER)).status).toBe(404);
    expect((await call("POST", `${p}/parts/1/url`, shared)).status).toBe(404);
    expect((await complete(img.id, s.id, undefined, OTHER)).status).toBe(404);
    expect((await call("DELETE", p, shared)).status).toBe(404);
    expect((await putPart(img.id, s.id, 1, bytes(100), READER)).status).toBe(403);
    expect((await call("GET", p, { token: READER })).status).toBe(403);
    // the session is untouched by all that
    expect(await json(await getSession(img.id, s.id))).toMatchObject({ status: "uploading", parts: [] });
    expect((await putPart(img.id, s.id, 1, bytes(100), ADMIN)).status).toBe(200);
    const list = await json(await call("GET", base(img.id)));
    expect(list.upload_sessions.map((x: any) => x.id)).toEqual([s.id]);
  });

  it("bad requests: 400 for sizes, part numbers and lengths; 415 media type; 413 over the size cap", async () => {
    const img = await createImage();
    for (const body of [{}, { size: 0 }, { size: "10" }, { size: 10, part_size: MiB }, { size: 10, sha512: "xyz" }, { size: 10, extra: 1 }, { size: 100 * 1024 ** 3, part_size: PART }]) {
      expect((await call("POST", base(img.id), { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await call("POST", base(img.id), { body: { size: 10, store: "nope" } })).status).toBe(400);
    const noFormats = await createImage({ disk_format: null });
    expect((await call("POST", base(noFormats.id), { body: { size: 10 } })).status).toBe(400);
    expect((await rowOf(noFormats.id)).status).toBe("queued");
    const capped = await fetchWithEnv(withConfig({ image_size_cap: 1000 }), "POST", base(img.id), { body: JSON.stringify({ size: 1001 }), headers: { "Content-Type": "application/json" } });
    expect(capped.status).toBe(413);
    expect((await rowOf(img.id)).status).toBe("queued");

    const s = await startSession(img.id, { size: PART + 10, part_size: PART });
    expect((await putPart(img.id, s.id, 0, bytes(10))).status).toBe(400);
    expect((await putPart(img.id, s.id, 3, bytes(10))).status).toBe(400);
    expect((await putPart(img.id, s.id, 2, bytes(11))).status).toBe(400); // the last part is 10 bytes
    expect((await putPart(img.id, s.id, 2, bytes(10), OWNER, { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await putPart(img.id, s.id, 2, bytes(10))).status).toBe(200);
    const missing = await complete(img.id, s.id);
    expect(missing.status).toBe(409);
    expect((await json(missing)).message).toContain("missing 1 of 2 parts: 1");
    expect((await call("POST", `${base(img.id)}/${s.id}/parts/1/url`)).status).toBe(400); // no S3 credentials here
    expect((await call("PUT", `${base(img.id)}/${s.id}/parts/1`, { body: { etag: "abc" } })).status).toBe(400);
    expect((await getSession(img.id, crypto.randomUUID())).status).toBe(404);
  });

  it("/v2/schemas/upload-session(s) describe exactly what the API returns", async () => {
    const img = await createImage();
    const s = await startSession(img.id, { size: 100 });
    const doc = await json(await call("GET", "/v2/schemas/upload-session"));
    expect(Object.keys(doc.properties).sort()).toEqual(Object.keys(s).sort());
    expect(doc.properties.status.enum).toContain(s.status);
    const list = await json(await call("GET", "/v2/schemas/upload-sessions"));
    expect(Object.keys(list.properties)).toEqual(["upload_sessions", "schema"]);
    expect(Object.keys(await json(await call("GET", base(img.id))))).toEqual(["upload_sessions", "schema"]);
  });

  it("notifies image.prepare at the start and image.upload/image.activate once, when the checksum job activates", async () => {
    const img = await createImage();
    const data = bytes(4000);
    const s = await startSession(img.id, { size: 4000 });
    expect((await putPart(img.id, s.id, 1, data)).status).toBe(200);
    expect((await complete(img.id, s.id)).status).toBe(202);
    await waitStatus(img.id, "active");
    const of = async (type: string) => (await sinkEvents(type)).filter((e) => e.payload?.id === img.id);
    await vi.waitFor(async () => {
      expect(await of("image.prepare")).toHaveLength(1);
      expect(await of("image.upload")).toHaveLength(1);
      expect(await of("image.activate")).toHaveLength(1);
    }, { timeout: 10_000, interval: 100 });
    expect((await of("image.upload"))[0].payload).toMatchObject({ status: "active", size: 4000, checksum: await digest("MD5", data) });
    // a redelivered checksum job changes nothing and notifies nothing
    await env.EVENTS.send({ type: "verify_upload", image_id: img.id, session_id: s.id }, { contentType: "json" });
    await queueDrained();
    expect(await of("image.activate")).toHaveLength(1);
    expect((await show(img.id)).status).toBe("active");
  });
});
