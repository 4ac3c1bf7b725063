import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OTHER } from "../helpers/api";
import { activeImage, deployment, dropObjects, entryOf, rowOf } from "../helpers/cache-api";
import { download } from "../helpers/image-data";

// The cache management API (/v2/cache): purges, prune, clean and the nodes holding a copy.

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
