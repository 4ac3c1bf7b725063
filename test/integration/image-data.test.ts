import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, sinkEvents } from "../helpers/api";

const OCTET = { "Content-Type": "application/octet-stream" };
const MiB = 1 << 20;

/** Random-looking bytes, cheaply: a random 64 KiB block with a counter stamped every 4 KiB. */
function bytes(n: number, seed = 0): Uint8Array {
  const block = crypto.getRandomValues(new Uint8Array(65536));
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += block.length) out.set(block.subarray(0, Math.min(block.length, n - at)), at);
  const view = new DataView(out.buffer);
  for (let at = 0; at + 4 <= n; at += 4096) view.setUint32(at, (at / 4096) ^ seed);
  return out;
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const digest = async (algo: string, data: BufferSource) => hex(await crypto.subtle.digest(algo, data));

/** A body whose chunks the test releases by hand (a chunked upload: no length known). */
function controlledBody() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { stream, ctl };
}

const upload = (id: string, data: BodyInit, o: { token?: string; headers?: Record<string, string> } = {}) =>
  call("PUT", `/v2/images/${id}/file`, { token: o.token, raw: data, headers: { ...OCTET, ...o.headers } });

const show = async (id: string, token = OWNER) => json(await call("GET", `/v2/images/${id}`, { token }));

async function objectsOf(id: string, bucket: R2Bucket = env.STORE1): Promise<string[]> {
  return (await bucket.list({ prefix: `images/${id}/` })).objects.map((o) => o.key);
}

async function waitStatus(id: string, status: string) {
  await vi.waitFor(async () => expect((await show(id, ADMIN)).status).toBe(status), { timeout: 10_000, interval: 20 });
}

describe("PUT /v2/images/{id}/file", () => {
  it("round trip is byte-exact; checksum, multihash, size, virtual_size recorded", async () => {
    const img = await createImage();
    const data = bytes(3 * MiB + 123);
    const r = await upload(img.id, data);
    expect(r.status).toBe(204);
    const md5 = await digest("MD5", data);
    const sha512 = await digest("SHA-512", data);
    const after = await show(img.id);
    expect(after).toMatchObject({ status: "active", size: data.length, virtual_size: data.length, checksum: md5, os_hash_algo: "sha512", os_hash_value: sha512 });
    expect(after.stores).toBe("store1");

    const d = await call("GET", `/v2/images/${img.id}/file`);
    expect(d.status).toBe(200);
    expect(d.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(d.headers.get("Content-Length")).toBe(String(data.length));
    expect(d.headers.get("Content-MD5")).toBe(md5);
    const got = await d.arrayBuffer();
    expect(got.byteLength).toBe(data.length);
    expect(await digest("SHA-512", got)).toBe(sha512);
    expect(await objectsOf(img.id)).toHaveLength(1);
  });
});
