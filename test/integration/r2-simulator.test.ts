// The local R2 simulator under the service's byte path: scripts/patch-miniflare.mjs changes how it
// reads an object's bytes (1 MiB reads instead of the runtime's 4 KiB chunks). Whatever way the
// bytes come, they, the etag (MD5) and checksums.md5 must be exactly R2's: checked here at sizes
// around every chunk boundary, for single puts fed in odd-sized writes, multipart parts, and a put
// whose body breaks (no object left). `node scripts/patch-miniflare.mjs --check` tells whether the
// patch is in; these hold either way.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MiB, bytes, digest } from "../helpers/image-data";

const bucket = (env as unknown as { STORE1: R2Bucket }).STORE1;
const hex = (b: ArrayBuffer | undefined) => (b ? [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("") : undefined);

/** A FixedLengthStream fed in writes of `step` bytes (not a multiple of anything the simulator reads in). */
function fed(data: Uint8Array, step: number): ReadableStream<Uint8Array> {
  const fixed = new FixedLengthStream(data.byteLength);
  const w = fixed.writable.getWriter();
  void (async () => {
    for (let at = 0; at < data.byteLength; at += step) await w.write(data.slice(at, Math.min(at + step, data.byteLength)));
    await w.close();
  })();
  return fixed.readable;
}

async function stored(key: string): Promise<Uint8Array | null> {
  const o = await bucket.get(key);
  return o ? new Uint8Array(await o.arrayBuffer()) : null;
}

describe("local R2: bytes and etags through the simulator", () => {
  const sizes = [0, 1, 4095, 4096, 4097, MiB - 1, MiB, MiB + 1, 3 * MiB + 7];
  for (const n of sizes) {
    it(`single put of ${n} bytes: same bytes, etag and checksums.md5 = MD5`, async () => {
      const data = bytes(n, n);
      const md5 = await digest("MD5", data);
      const sha512 = await digest("SHA-512", data);
      for (const [how, body] of [
        ["stream", fed(data, 65536 + 3)],
        ["buffer", data],
      ] as const) {
        const key = `sim/${n}/${how}`;
        const put = await bucket.put(key, body);
        expect(put?.size).toBe(n);
        expect(put?.etag).toBe(md5);
        expect(hex(put?.checksums.md5)).toBe(md5);
        const back = await stored(key);
        expect(back?.byteLength).toBe(n);
        expect(await digest("SHA-512", back!)).toBe(sha512);
        await bucket.delete(key);
      }
    });
  }

  it("multipart: parts stream in, the object reads back byte for byte", async () => {
    const part = 5 * MiB;
    const data = bytes(2 * part + 3, 7);
    const key = "sim/multipart";
    const mpu = await bucket.createMultipartUpload(key);
    const parts: R2UploadedPart[] = [];
    for (let i = 0, at = 0; at < data.byteLength; i++, at += part) {
      const chunk = data.subarray(at, Math.min(at + part, data.byteLength));
      parts.push(await mpu.uploadPart(i + 1, fed(chunk, 100_003)));
    }
    const obj = await mpu.complete(parts);
    expect(obj.size).toBe(data.byteLength);
    expect(obj.etag).toMatch(/-3$/);
    const back = await stored(key);
    expect(await digest("SHA-512", back!)).toBe(await digest("SHA-512", data));
    await bucket.delete(key);
  });

  it("a body that breaks mid-way fails the put and leaves no object", async () => {
    const key = "sim/broken";
    const fixed = new FixedLengthStream(4 * MiB);
    const w = fixed.writable.getWriter();
    const put = bucket.put(key, fixed.readable);
    await w.write(bytes(MiB + 5));
    await w.abort(new Error("client went away"));
    await expect(put).rejects.toThrow();
    expect(await bucket.head(key)).toBeNull();
  });
});
