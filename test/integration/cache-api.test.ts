import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app, handleQueue } from "../../src/wiring";
import { ADMIN, OTHER, OWNER, READER, call, createImage, patch } from "../helpers/api";
import { bytes, digest, download, upload } from "../helpers/image-data";

// The cache management API (/v2/cache, Image API 2.14-2.18) over the edge cache of downloads, in a
// deployment with image_cache_enabled. Bookkeeping comes from real fills and hits of the Cache API.
const SERVICE = "svcproj:service";
const config = (extra: Record<string, unknown> = {}) => JSON.stringify({ notification_sink: true, image_cache_enabled: true, ...extra });

/** A deployment with the cache API on; cache_image messages are captured when `capture` is set. */
function deployment(extra: Record<string, unknown> = {}, capture = false) {
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
async function activeImage(size: number, visibility = "public") {
  const img = await createImage({ visibility }, ADMIN);
  const data = bytes(size, size % 251);
  expect((await upload(img.id, data, { token: ADMIN })).status).toBe(204);
  return { id: img.id as string, data };
}

const entryOf = async (d: ReturnType<typeof deployment>, id: string) => (await d.state()).cached_images.find((e) => e.image_id === id);
const rowOf = (id: string) => env.DB.prepare("SELECT * FROM image_cache WHERE image_id = ?").bind(id).first<any>();
const dropObjects = async (id: string) => env.STORE1.delete((await env.STORE1.list({ prefix: `images/${id}/` })).objects.map((o) => o.key));

describe("the version document follows the cache API", () => {
  it("off (the default): CURRENT v2.17, no 2.14/2.16/2.18, and those prefixes get the 300 document", async () => {
    const doc = await (await call("GET", "/versions")).json<any>();
    const ids = doc.versions.map((v: any) => v.id);
    expect(doc.versions[0]).toMatchObject({ id: "v2.17", status: "CURRENT" });
    expect(ids).toEqual(["v2.17", "v2.15", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]);
    for (const v of ["v2.14", "v2.16", "v2.18"]) expect((await call("GET", `/${v}/images`)).status).toBe(300);
    expect((await call("GET", "/v2.17/images")).status).toBe(200);
  });

  it("on: CURRENT v2.18 with 2.14 and 2.16 SUPPORTED; /v2.18/cache answers", async () => {
    const d = deployment();
    const doc = await (await d.fetch("GET", "/versions")).json<any>();
    expect(doc.versions.filter((v: any) => v.status === "CURRENT")).toEqual([{ id: "v2.18", status: "CURRENT", links: [{ rel: "self", href: "http://localhost/v2/" }] }]);
    expect(doc.versions.map((v: any) => v.id)).toEqual(["v2.18", "v2.17", "v2.16", "v2.15", "v2.14", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]);
    for (const v of ["v2.14", "v2.16", "v2.18"]) expect((await d.fetch("GET", `/${v}/cache`)).status).toBe(200);
    expect((await d.fetch("GET", "/v2.19/cache")).status).toBe(300);
  });
});

describe("policies (admin only) are checked before the cache API's 404", () => {
  const routes = (id: string): [string, string, Record<string, string>?][] => [
    ["GET", "/v2/cache"],
    ["PUT", `/v2/cache/${id}`],
    ["DELETE", `/v2/cache/${id}`],
    ["DELETE", "/v2/cache", { "x-image-cache-clear-target": "cache" }],
    ["POST", "/v2/cache/clean"],
    ["POST", "/v2/cache/prune"],
    ["GET", `/v2/cache/nodes/${id}`],
  ];

  it("off: 403 for members, readers, services and other projects; 404 'not supported' for admins", async () => {
    const { id } = await activeImage(100);
    for (const [method, path, headers] of routes(id)) {
      for (const token of [OWNER, READER, OTHER, SERVICE]) {
        const r = await call(method, path, { token, headers });
        expect(r.status, `${method} ${path} ${token}`).toBe(403);
      }
      const r = await call(method, path, { token: ADMIN, headers });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect((await r.json<any>()).message).toContain("Caching via API is not supported at this site.");
    }
  });

  it("on: 403 for every caller but an admin, and nothing changes", async () => {
    const d = deployment({}, true);
    const { id } = await activeImage(100);
    for (const [method, path, headers] of routes(id)) {
      for (const token of [OWNER, READER, OTHER, SERVICE]) {
        const r = await d.fetch(method, path, { token, headers });
        expect(r.status, `${method} ${path} ${token}`).toBe(403);
        expect((await r.json<any>()).message).toContain("Access was denied to this resource.");
      }
    }
    expect(d.captured).toEqual([]);
    expect(await rowOf(id)).toBeNull();
  });
});

describe("bookkeeping from real downloads", () => {
  it("the first download fills the edge cache (size, hits 0); later ones, ranges too, are hits", async () => {
    const d = deployment();
    const { id, data } = await activeImage(150_000);
    const first = await d.download(id);
    expect(first.status).toBe(200);
    expect(await digest("SHA-512", first.body!)).toBe(await digest("SHA-512", data));
    const filled = await entryOf(d, id);
    expect(filled).toMatchObject({ image_id: id, hits: 0, size: 150_000 });
    expect(filled.last_modified).toBeCloseTo(Date.now() / 1000, -2);
    expect(filled.last_accessed).toBe(filled.last_modified);
    expect(await (await d.fetch("GET", `/v2/cache/nodes/${id}`)).json()).toEqual(["local"]);

    // With the R2 object gone, only the edge cache can answer: it does, and each answer counts.
    await dropObjects(id);
    expect((await d.download(id)).body).toEqual(data);
    const ranged = await d.download(id, OTHER, { Range: "bytes=100-199" });
    expect(ranged.status).toBe(206);
    expect(ranged.body).toEqual(data.slice(100, 200));
    const hit = await entryOf(d, id);
    expect(hit).toMatchObject({ hits: 2, size: 150_000, last_modified: filled.last_modified });
    expect(hit.last_accessed).toBeGreaterThanOrEqual(filled.last_accessed);

    // Private data never goes to the edge cache, so it has no entry.
    const priv = await activeImage(1000, "private");
    expect((await d.download(priv.id, ADMIN)).status).toBe(200);
    expect(await rowOf(priv.id)).toBeNull();
  });

  it("an image deleted, deactivated or made private is never served from the cache again, and leaves the list", async () => {
    const d = deployment();
    const images = await Promise.all([activeImage(2000), activeImage(3000), activeImage(4000)]);
    for (const { id } of images) {
      expect((await d.download(id)).status).toBe(200);
      await dropObjects(id); // from here on, a 200 can only come from the cache
      expect((await d.download(id)).status).toBe(200);
    }
    const [gone, deactivated, privatized] = images.map((i) => i.id);
    expect((await call("DELETE", `/v2/images/${gone}`, { token: ADMIN })).status).toBe(204);
    expect((await call("POST", `/v2/images/${deactivated}/actions/deactivate`, { token: ADMIN })).status).toBe(204);
    expect((await patch(privatized, [{ op: "replace", path: "/visibility", value: "private" }], ADMIN)).status).toBe(200);

    expect((await d.download(gone, ADMIN)).status).toBe(404);
    expect((await d.download(deactivated)).status).toBe(403);
    expect((await d.download(deactivated, ADMIN)).status).toBe(204); // the store, which has no data left
    expect((await d.download(privatized, ADMIN)).status).toBe(204);
    const listed = (await d.state()).cached_images.map((e) => e.image_id);
    for (const id of [gone, deactivated, privatized]) expect(listed).not.toContain(id);

    // clean removes their entries.
    expect((await d.fetch("POST", "/v2/cache/clean")).status).toBe(200);
    for (const id of [gone, deactivated, privatized]) expect(await rowOf(id)).toBeNull();
  });
});

describe("PUT /v2/cache/{id}: queued, then prefetched by a queue job", () => {
  it("202; listed as queued until the job fills the edge cache (node 'queue'); the download that follows is a hit", async () => {
    const d = deployment({}, true);
    const { id, data } = await activeImage(70_000);
    const r = await d.fetch("PUT", `/v2/cache/${id}`);
    expect(r.status).toBe(202);
    expect(await r.text()).toBe("");
    expect(await d.state()).toMatchObject({ queued_images: expect.arrayContaining([id]) });
    expect(await entryOf(d, id)).toBeUndefined();
    expect(d.captured).toEqual([{ type: "cache_image", image_id: id }]);
    const result = await d.runQueue();
    expect(result.explicitAcks).toHaveLength(1);
    const state = await d.state();
    expect(state.queued_images).not.toContain(id);
    expect(state.cached_images.find((e) => e.image_id === id)).toMatchObject({ hits: 0, size: 70_000 });
    expect(await (await d.fetch("GET", `/v2/cache/nodes/${id}`)).json()).toEqual(["queue"]);
    await dropObjects(id);
    expect((await d.download(id)).body).toEqual(data);
    expect(await entryOf(d, id)).toMatchObject({ hits: 1 });
  });

  it("through the real queue", async () => {
    const d = deployment();
    const { id } = await activeImage(5000);
    expect((await d.fetch("PUT", `/v2/cache/${id}`)).status).toBe(202);
    await vi.waitFor(async () => expect(await entryOf(d, id)).toMatchObject({ size: 5000, hits: 0 }), { timeout: 20_000, interval: 100 });
    expect((await d.state()).queued_images).not.toContain(id);
  });

  it("400 unless active (and, here, public or community); 404 for unknown images and images the caller cannot see", async () => {
    const d = deployment({}, true);
    const queued = await createImage({ visibility: "public" }, ADMIN);
    const r = await d.fetch("PUT", `/v2/cache/${queued.id}`);
    expect(r.status).toBe(400);
    expect((await r.json<any>()).message).toContain("Only images with status active can be targeted for queueing");
    const priv = await activeImage(100, "private");
    const p = await d.fetch("PUT", `/v2/cache/${priv.id}`);
    expect(p.status).toBe(400);
    expect((await p.json<any>()).message).toContain("only public and community images are kept in the edge cache");
    const missing = await d.fetch("PUT", `/v2/cache/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    // another project's private image: not found for a member (before the policy), as Glance's repo answers
    const theirs = await createImage({}, OTHER);
    expect((await d.fetch("PUT", `/v2/cache/${theirs.id}`, { token: OWNER })).status).toBe(404);
    expect(d.captured).toEqual([]);
    for (const id of [queued.id, priv.id]) expect(await rowOf(id)).toBeNull();
  });
});

describe("purges", () => {
  it("DELETE /v2/cache/{id}: 204; no location serves the old copy again; 404 when neither image nor entry exists", async () => {
    const d = deployment();
    const { id, data } = await activeImage(9000);
    await d.download(id);
    await dropObjects(id);
    expect((await d.download(id)).body).toEqual(data);
    const r = await d.fetch("DELETE", `/v2/cache/${id}`);
    expect(r.status).toBe(204);
    expect(await entryOf(d, id)).toBeUndefined();
    expect(await rowOf(id)).toBeNull();
    // The key carried the retired generation: the next download misses (and the store is empty).
    expect((await d.download(id)).status).toBe(204);
    expect((await d.fetch("DELETE", `/v2/cache/${crypto.randomUUID()}`)).status).toBe(404);
    // an image with no entry: 204 (nothing to do), as Glance
    expect((await d.fetch("DELETE", `/v2/cache/${id}`)).status).toBe(204);
  });

  it("DELETE /v2/cache with x-image-cache-clear-target: cache, queue, empty (both); anything else 400", async () => {
    const d = deployment({}, true);
    const [a, b, c] = await Promise.all([activeImage(1100), activeImage(1200), activeImage(1300)]);
    await d.download(a.id);
    expect((await d.fetch("PUT", `/v2/cache/${b.id}`)).status).toBe(202);
    const bad = await d.fetch("DELETE", "/v2/cache", { headers: { "x-image-cache-clear-target": "everything" } });
    expect(bad.status).toBe(400);
    expect((await bad.json<any>()).message).toContain("If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.");

    expect((await d.fetch("DELETE", "/v2/cache", { headers: { "x-image-cache-clear-target": "queue" } })).status).toBe(204);
    let state = await d.state();
    expect(state.queued_images).toEqual([]);
    expect(state.cached_images.map((e) => e.image_id)).toContain(a.id);

    expect((await d.fetch("PUT", `/v2/cache/${c.id}`)).status).toBe(202);
    expect((await d.fetch("DELETE", "/v2/cache", { headers: { "x-image-cache-clear-target": "CACHE" } })).status).toBe(204);
    state = await d.state();
    expect(state.cached_images).toEqual([]);
    expect(state.queued_images).toEqual([c.id]);

    await d.download(a.id);
    expect((await d.fetch("DELETE", "/v2/cache")).status).toBe(204);
    expect(await d.state()).toEqual({ cached_images: [], queued_images: [] });
    // the prefetch of a dequeued image does nothing
    await d.runQueue();
    expect(await d.state()).toEqual({ cached_images: [], queued_images: [] });
  });

  it("POST /v2/cache/prune: least recently used first, down to image_cache_max_size", async () => {
    const d = deployment({ image_cache_max_size: 250_000 });
    expect((await d.fetch("DELETE", "/v2/cache")).status).toBe(204);
    const [a, b, c] = await Promise.all([activeImage(100_000), activeImage(100_001), activeImage(100_002)]);
    for (const { id } of [a, b, c]) await d.download(id);
    await d.download(a.id); // a hit: a is now the most recently used
    const r = await d.fetch("POST", "/v2/cache/prune");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ total_files_pruned: 1, total_bytes_pruned: 100_001 });
    expect((await d.state()).cached_images.map((e) => e.image_id).sort()).toEqual([a.id, c.id].sort());
    expect(await (await d.fetch("POST", "/v2/cache/prune")).json()).toEqual({ total_files_pruned: 0, total_bytes_pruned: 0 });
  });

  it("POST /v2/cache/clean drops prefetches queued longer than image_cache_stall_time", async () => {
    const d = deployment({ image_cache_stall_time: 60 }, true);
    const [fresh, stalled] = await Promise.all([activeImage(500), activeImage(600)]);
    expect((await d.fetch("PUT", `/v2/cache/${fresh.id}`)).status).toBe(202);
    await env.DB.prepare("INSERT INTO image_cache (image_id, generation, hits, queued_at) VALUES (?, 'g0', 0, ?)").bind(stalled.id, Date.now() - 120_000).run();
    expect((await d.state()).queued_images).toEqual(expect.arrayContaining([fresh.id, stalled.id]));
    expect((await d.fetch("POST", "/v2/cache/clean")).status).toBe(200);
    const queued = (await d.state()).queued_images;
    expect(queued).toContain(fresh.id);
    expect(queued).not.toContain(stalled.id);
  });
});

describe("GET /v2/cache/nodes/{id}", () => {
  it("the locations holding the current copy; [] when none; 404 for unknown images", async () => {
    const d = deployment();
    const { id } = await activeImage(800);
    expect(await (await d.fetch("GET", `/v2/cache/nodes/${id}`)).json()).toEqual([]);
    await d.download(id);
    expect(await (await d.fetch("GET", `/v2/cache/nodes/${id}`)).json()).toEqual(["local"]);
    expect((await d.fetch("GET", `/v2/cache/nodes/${crypto.randomUUID()}`)).status).toBe(404);
    // the download path without the cache API keeps its plain key and writes no bookkeeping
    const plain = await activeImage(900);
    expect((await download(plain.id, { token: OTHER })).status).toBe(200);
    expect(await rowOf(plain.id)).toBeNull();
  });
});
