import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";
import { ADMIN, OWNER, call, json } from "./api";

export const OCTET = { "Content-Type": "application/octet-stream" };
export const MiB = 1 << 20;

/** Random-looking bytes, cheaply: a random 64 KiB block with a counter stamped every 4 KiB. */
export function bytes(n: number, seed = 0): Uint8Array {
  const block = crypto.getRandomValues(new Uint8Array(65536));
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += block.length) out.set(block.subarray(0, Math.min(block.length, n - at)), at);
  const view = new DataView(out.buffer);
  for (let at = 0; at + 4 <= n; at += 4096) view.setUint32(at, (at / 4096) ^ seed);
  return out;
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
/** Independent digests (WebCrypto), to compare with what the service computed while streaming. */
export const digest = async (algo: "MD5" | "SHA-512", data: BufferSource) => hex(await crypto.subtle.digest(algo, data));

/** A body whose chunks the test releases by hand (no length: a chunked upload). */
export function controlledBody() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { stream, ctl };
}

/** A chunked body (a stream, so no Content-Length) of `data`, in pieces of `piece` bytes. */
export function streamOf(data: Uint8Array, piece = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= data.length) return c.close();
      c.enqueue(data.slice(at, at + piece));
      at += piece;
    },
  });
}

export const upload = (id: string, data: BodyInit, o: { token?: string; headers?: Record<string, string> } = {}) =>
  call("PUT", `/v2/images/${id}/file`, { token: o.token, raw: data, headers: { ...OCTET, ...o.headers } });

export const download = (id: string, o: { token?: string; headers?: Record<string, string> } = {}) =>
  call("GET", `/v2/images/${id}/file`, { token: o.token, headers: o.headers });

export const show = async (id: string, token = ADMIN) => json(await call("GET", `/v2/images/${id}`, { token }));

/** Status straight from D1 (deleted images included). */
export async function rowOf(id: string) {
  return env.DB.prepare("SELECT status, size, checksum, os_hash_value, virtual_size, deleted FROM images WHERE id = ?").bind(id).first<any>();
}

export async function objectsOf(id: string, bucket: R2Bucket = env.STORE1): Promise<string[]> {
  return (await bucket.list({ prefix: `images/${id}/` })).objects.map((o) => o.key);
}

export async function waitStatus(id: string, status: string) {
  await vi.waitFor(async () => expect((await rowOf(id))?.status).toBe(status), { timeout: 10_000, interval: 10 });
}

/** The app under other bindings/vars (a differently configured deployment, or a failing bucket). */
export async function fetchWithEnv(overrides: Record<string, unknown>, method: string, path: string, o: { token?: string; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const headers = new Headers({ Accept: "application/json", "X-Auth-Token": o.token ?? OWNER, ...o.headers });
  const ctx = createExecutionContext();
  const res = await app.fetch(negotiateVersion(new Request(`http://localhost${path}`, { method, headers, body: o.body })), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const withConfig = (config: Record<string, unknown>) => ({ GLANCE_CONFIG: JSON.stringify({ notification_sink: true, ...config }) });
