import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app, handleQueue } from "../../src/wiring";
import { ADMIN, OTHER, createImage } from "./api";
import { bytes, upload } from "./image-data";

// Shared by the cache-api-*.test.ts files: the cache management API (/v2/cache, Image API
// 2.14-2.18) over the edge cache of downloads, in a deployment with image_cache_enabled.
const config = (extra: Record<string, unknown> = {}) => JSON.stringify({ notification_sink: true, image_cache_enabled: true, ...extra });

/** A deployment with the cache API on; cache_image messages are captured when `capture` is set. */
export function deployment(extra: Record<string, unknown> = {}, capture = false) {
  const captured: unknown[] = [];
  const events = {
    async send(body: any, opts?: QueueSendOptions) {
      if (capture && body?.type === "cache_image") captured.push(body);
      else await env.EVENTS.send(body, opts);
    },
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      for (const m of messages) await events.send(m.body, m);
    },
  };
  const full = { ...env, EVENTS: events, GLANCE_CONFIG: config(extra) } as unknown as Env;
  return {
    captured,
    /** One request; `settled()` waits for its background work (cache fills and their bookkeeping). */
    async fetch(method: string, path: string, o: { token?: string; headers?: Record<string, string> } = {}) {
      const headers = new Headers({ Accept: "application/json", "X-Auth-Token": o.token ?? ADMIN, ...o.headers });
      const ctx = createExecutionContext();
      const res = await app.fetch(negotiateVersion(new Request(`http://localhost${path}`, { method, headers }), full), full, ctx);
      return Object.assign(res, { settled: () => waitOnExecutionContext(ctx) });
    },
    /** A download read to its end, with its cache fill and bookkeeping done. */
    async download(id: string, token = OTHER, headers: Record<string, string> = {}) {
      const r = await this.fetch("GET", `/v2/images/${id}/file`, { token, headers });
      const body = r.status === 200 || r.status === 206 ? new Uint8Array(await r.arrayBuffer()) : null;
      await r.settled();
      return { status: r.status, body };
    },
    /** Hands the captured prefetch jobs to the queue consumer. */
    async runQueue() {
      const batch = createMessageBatch(
        "glance-events",
        captured.splice(0).map((body, i) => ({ id: `c${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
      );
      const ctx = createExecutionContext();
      await handleQueue(batch, full);
      return getQueueResult(batch, ctx);
    },
    async state() {
      return (await this.fetch("GET", "/v2/cache")).json<{ cached_images: any[]; queued_images: string[] }>();
    },
  };
}

/** A public (or other visibility) active image of `size` bytes, owned by the admin project. */
export async function activeImage(size: number, visibility = "public") {
  const img = await createImage({ visibility }, ADMIN);
  const data = bytes(size, size % 251);
  expect((await upload(img.id, data, { token: ADMIN })).status).toBe(204);
  return { id: img.id as string, data };
}

export const entryOf = async (d: ReturnType<typeof deployment>, id: string) => (await d.state()).cached_images.find((e) => e.image_id === id);
export const rowOf = (id: string) => env.DB.prepare("SELECT * FROM image_cache WHERE image_id = ?").bind(id).first<any>();
export const dropObjects = async (id: string) => env.STORE1.delete((await env.STORE1.list({ prefix: `images/${id}/` })).objects.map((o) => o.key));
