import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, sinkEvents } from "../helpers/api";
import {
  MiB,
  OCTET,
  bytes,
  controlledBody,
  digest,
  download,
  fetchWithEnv,
  objectsOf,
  rowOf,
  show,
  streamOf,
  upload,
  waitStatus,
  withConfig,
} from "../helpers/image-data";

const expectQueuedAndEmpty = async (id: string) => {
  const row = await rowOf(id);
  expect(row).toMatchObject({ status: "queued", size: null, checksum: null, os_hash_value: null, virtual_size: null });
  await vi.waitFor(async () => expect(await objectsOf(id)).toEqual([]), { timeout: 5_000 });
};

describe("PUT /v2/images/{id}/file", () => {
  it("round trip is byte-exact; checksum, multihash, size, virtual_size recorded (known length)", async () => {
    const img = await createImage();
    const data = bytes(3 * MiB + 123);
    expect((await upload(img.id, data)).status).toBe(204);
    const md5 = await digest("MD5", data);
    const sha512 = await digest("SHA-512", data);
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", size: data.length, virtual_size: data.length, checksum: md5, os_hash_algo: "sha512", os_hash_value: sha512, stores: "store1" });

    const d = await download(img.id);
    expect(d.status).toBe(200);
    expect(d.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(d.headers.get("Content-Length")).toBe(String(data.length));
    expect(d.headers.get("Content-MD5")).toBe(md5);
    const got = await d.arrayBuffer();
    expect(got.byteLength).toBe(data.length);
    expect(await digest("SHA-512", got)).toBe(sha512);
    expect(await digest("MD5", got)).toBe(md5);
    expect(await objectsOf(img.id)).toHaveLength(1);
  });

  it("a chunked body (no length) larger than one part goes up in parts, byte-exact", async () => {
    const img = await createImage({ disk_format: "qcow2", container_format: "ovf" });
    const data = bytes(37 * MiB + 5, 7);
    expect((await upload(img.id, streamOf(data))).status).toBe(204);
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", size: data.length, checksum: await digest("MD5", data), os_hash_value: await digest("SHA-512", data) });
    expect(after.virtual_size).toBeNull(); // only data in a bare container is inspected
    const got = await (await download(img.id)).arrayBuffer();
    expect(await digest("SHA-512", got)).toBe(after.os_hash_value);
  });

  it("a small chunked body and an empty body both work", async () => {
    const small = await createImage();
    const data = bytes(1000);
    expect((await upload(small.id, streamOf(data, 100))).status).toBe(204);
    expect((await show(small.id)).checksum).toBe(await digest("MD5", data));
    const empty = await createImage();
    expect((await upload(empty.id, new Uint8Array(0))).status).toBe(204);
    expect(await show(empty.id)).toMatchObject({ status: "active", size: 0, checksum: "d41d8cd98f00b204e9800998ecf8427e" });
    expect((await download(empty.id)).status).toBe(200);
  });

  it("a chunked body with x-openstack-image-size: the size is what arrived (the header is a hint; see header-hints.test.ts)", async () => {
    const img = await createImage();
    const data = bytes(300_000);
    expect((await upload(img.id, streamOf(data), { headers: { "x-openstack-image-size": String(data.length) } })).status).toBe(204);
    expect((await show(img.id)).size).toBe(data.length);
  });

  it("400 when disk_format/container_format are unset; the image stays queued", async () => {
    const img = await createImage({ disk_format: null, container_format: null });
    const r = await upload(img.id, bytes(10));
    expect(r.status).toBe(400);
    expect((await json(r)).message).toContain("disk_format, container_format must be set");
    await expectQueuedAndEmpty(img.id);
  });

  it("409 when the image already has data, or is deactivated", async () => {
    const img = await createImage();
    const data = bytes(1000);
    expect((await upload(img.id, data)).status).toBe(204);
    const again = await upload(img.id, bytes(10));
    expect(again.status).toBe(409);
    expect((await show(img.id)).checksum).toBe(await digest("MD5", data));
    expect((await call("POST", `/v2/images/${img.id}/actions/deactivate`)).status).toBe(204);
    expect((await upload(img.id, bytes(10))).status).toBe(409);
  });

  it("415 unless the body is application/octet-stream", async () => {
    const img = await createImage();
    const r = await call("PUT", `/v2/images/${img.id}/file`, { raw: bytes(10), headers: { "Content-Type": "text/plain" } });
    expect(r.status).toBe(415);
    expect((await json(r)).message).toContain("Invalid content type text/plain");
    expect((await call("PUT", `/v2/images/${img.id}/file`, { raw: bytes(10) })).status).toBe(415);
    expect((await call("PUT", `/v2/images/${img.id}/file`, { raw: bytes(10), headers: { "Content-Type": "application/octet-stream; x=y" } })).status).toBe(204);
  });

  it("400 for an unknown X-Image-Meta-Store; store2 is honoured", async () => {
    const img = await createImage();
    expect((await upload(img.id, bytes(10), { headers: { "X-Image-Meta-Store": "nope" } })).status).toBe(400);
    expect((await upload(img.id, bytes(10), { headers: { "X-Image-Meta-Store": "store2" } })).status).toBe(204);
    expect((await show(img.id)).stores).toBe("store2");
    expect(await objectsOf(img.id, env.STORE2)).toHaveLength(1);
    expect((await download(img.id)).status).toBe(200);
  });

  it("413 over image_size_cap, declared or streamed; the image goes back to queued with no data", async () => {
    const cfg = withConfig({ image_size_cap: 1000 });
    const img = await createImage();
    const path = `/v2/images/${img.id}/file`;
    const declared = await fetchWithEnv(cfg, "PUT", path, { body: bytes(2000), headers: OCTET });
    expect(declared.status).toBe(413);
    expect((await json(declared)).message).toContain("The incoming image is too large");
    await expectQueuedAndEmpty(img.id);
    const streamed = await fetchWithEnv(cfg, "PUT", path, { body: streamOf(bytes(2000), 300), headers: OCTET });
    expect(streamed.status).toBe(413);
    await expectQueuedAndEmpty(img.id);
    expect((await fetchWithEnv(cfg, "PUT", path, { body: bytes(1000), headers: OCTET })).status).toBe(204);
  });

  it("413 over user_storage_quota (size x locations of the owner's other images)", async () => {
    const token = `quota${crypto.randomUUID().slice(0, 8)}:member,reader`;
    const cfg = withConfig({ user_storage_quota: 1500 });
    const first = await createImage({}, token);
    expect((await fetchWithEnv(cfg, "PUT", `/v2/images/${first.id}/file`, { token, body: bytes(1000), headers: OCTET })).status).toBe(204);
    const second = await createImage({}, token);
    const path = `/v2/images/${second.id}/file`;
    const declared = await fetchWithEnv(cfg, "PUT", path, { token, body: bytes(600), headers: OCTET });
    expect(declared.status).toBe(413);
    expect((await json(declared)).message).toContain("Image exceeds the storage quota");
    await expectQueuedAndEmpty(second.id);
    expect((await fetchWithEnv(cfg, "PUT", path, { token, body: streamOf(bytes(600), 100), headers: OCTET })).status).toBe(413);
    await expectQueuedAndEmpty(second.id);
    expect((await fetchWithEnv(cfg, "PUT", path, { token, body: bytes(500), headers: OCTET })).status).toBe(204);
  });

  it("20 concurrent uploads to one image: exactly one 204, the rest 409, one object", async () => {
    const img = await createImage();
    const bodies = Array.from({ length: 20 }, (_, i) => bytes(64 * 1024, i));
    const codes = await Promise.all(bodies.map(async (b) => (await upload(img.id, b)).status));
    expect(codes.filter((c) => c === 204)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    const winner = bodies[codes.indexOf(204)];
    expect((await show(img.id)).os_hash_value).toBe(await digest("SHA-512", winner));
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toHaveLength(1));
    expect(await digest("SHA-512", await (await download(img.id)).arrayBuffer())).toBe(await digest("SHA-512", winner));
  });

  it("delete during the upload: the upload ends 410 and no object is left", async () => {
    const img = await createImage();
    const { stream, ctl } = controlledBody();
    ctl.enqueue(bytes(MiB));
    const pending = upload(img.id, stream);
    await waitStatus(img.id, "saving");
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    ctl.enqueue(bytes(MiB));
    ctl.close();
    const r = await pending;
    expect(r.status).toBe(410);
    expect((await json(r)).message).toContain("deleted during the upload");
    expect((await rowOf(img.id)).status).toBe("deleted");
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]), { timeout: 5_000 });
  });

  it("a body that breaks mid-stream (client gone): image back to queued, no object", async () => {
    const img = await createImage();
    const { stream, ctl } = controlledBody();
    ctl.enqueue(bytes(2 * MiB));
    // (announced with Content-Length: in this harness a stream that errors reaches the Worker as an end)
    const pending = upload(img.id, stream, { headers: { "Content-Length": String(8 * MiB) } });
    await waitStatus(img.id, "saving");
    ctl.error(new Error("connection reset"));
    // The client is gone: its request fails or is answered 400; the state below is what matters.
    const outcome = await pending.then((r) => r.status, () => "failed");
    expect([400, "failed"]).toContain(outcome);
    await waitStatus(img.id, "queued");
    await expectQueuedAndEmpty(img.id);
    // and the image takes a fresh upload afterwards
    expect((await upload(img.id, bytes(100))).status).toBe(204);
  });

  it("a store that fails mid-stream: 503, image back to queued, nothing left", async () => {
    const failing = {
      ...env.STORE1,
      async put(_key: string, value: ReadableStream) {
        const reader = value.getReader();
        await reader.read();
        await reader.cancel();
        throw new Error("R2 internal error");
      },
      delete: (keys: string | string[]) => env.STORE1.delete(keys),
    } as unknown as R2Bucket;
    const img = await createImage();
    const r = await fetchWithEnv({ STORE1: failing }, "PUT", `/v2/images/${img.id}/file`, { body: bytes(3 * MiB), headers: OCTET });
    expect(r.status).toBe(503);
    await expectQueuedAndEmpty(img.id);
    expect((await upload(img.id, bytes(100))).status).toBe(204);
  });

  it("another project cannot upload: 404 when it cannot see the image, 403 when it can; readers get 403", async () => {
    const priv = await createImage({ visibility: "private" });
    expect((await upload(priv.id, bytes(10), { token: OTHER })).status).toBe(404);
    const community = await createImage({ visibility: "community" });
    expect((await upload(community.id, bytes(10), { token: OTHER })).status).toBe(403);
    expect((await upload(priv.id, bytes(10), { token: READER })).status).toBe(403);
    for (const id of [priv.id, community.id]) expect((await rowOf(id)).status).toBe("queued");
    expect((await upload(priv.id, bytes(10), { token: ADMIN })).status).toBe(204);
  });

  it("404 for an unknown image", async () => {
    expect((await upload(crypto.randomUUID(), bytes(10))).status).toBe(404);
  });

  it("notifies image.prepare, image.upload, image.activate, and image.send on download", async () => {
    const img = await createImage();
    const data = bytes(5000);
    expect((await upload(img.id, data)).status).toBe(204);
    await (await download(img.id)).arrayBuffer();
    const of = async (type: string) => (await sinkEvents(type)).filter((e) => (e.payload?.id ?? e.payload?.image_id) === img.id);
    await vi.waitFor(async () => {
      expect(await of("image.prepare")).toHaveLength(1);
      expect(await of("image.upload")).toHaveLength(1);
      expect(await of("image.activate")).toHaveLength(1);
      expect(await of("image.send")).toHaveLength(1);
    }, { timeout: 10_000, interval: 100 });
    const [prepare] = await of("image.prepare");
    expect(prepare.payload).toMatchObject({ status: "saving", backend: "store1", os_glance_importing_to_stores: [], os_glance_failed_import: [] });
    const [uploaded] = await of("image.upload");
    expect(uploaded.payload).toMatchObject({ status: "active", size: 5000, checksum: await digest("MD5", data) });
    const [send] = await of("image.send");
    expect(send.priority).toBe("INFO");
    expect(send.payload).toEqual({ bytes_sent: 5000, image_id: img.id, owner_id: "projA", receiver_tenant_id: "projA", receiver_user_id: "user-projA" });
  });
});

describe("DELETE removes the data", () => {
  it("the stored object goes with the image", async () => {
    const img = await createImage();
    expect((await upload(img.id, bytes(1000))).status).toBe(204);
    expect(await objectsOf(img.id)).toHaveLength(1);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect(await objectsOf(img.id)).toEqual([]);
    expect((await rowOf(img.id)).status).toBe("deleted");
  });

  it("delayed_delete: pending_delete keeps the data until the scrubber runs", async () => {
    const cfg = withConfig({ delayed_delete: true });
    const img = await createImage();
    expect((await upload(img.id, bytes(1000))).status).toBe(204);
    expect((await fetchWithEnv(cfg, "DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect((await rowOf(img.id)).status).toBe("pending_delete");
    expect(await objectsOf(img.id)).toHaveLength(1);
    expect((await call("GET", `/v2/images/${img.id}`, { token: ADMIN })).status).toBe(404);
    // what the queued scrub_image message does when it comes due
    await env.IMAGE_DO.getByName(img.id).scrub(img.id);
    expect(await objectsOf(img.id)).toEqual([]);
    expect((await rowOf(img.id)).status).toBe("deleted");
  });
});
