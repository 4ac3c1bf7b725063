import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, call, createImage, patch } from "../helpers/api";
import { activeImage, deployment, dropObjects, entryOf, rowOf } from "../helpers/cache-api";
import { digest } from "../helpers/image-data";

// The cache management API (/v2/cache): bookkeeping from real fills and hits of the Cache API, and
// prefetches queued with PUT /v2/cache/{id}.

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
