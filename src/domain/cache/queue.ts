// PUT /v2/cache/{id} (glance CacheController.queue_image_from_api) and the prefetch that follows
// on the queue (glance's CacheWorker and prefetcher): the image's data is read once through the
// edge cache of the location that runs the job, which fills it.
import type { RequestContext } from "../context";
import { badRequest, serviceUnavailable } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { CacheEvent } from "../ports";
import type { Services } from "../services";
import { authorizeCache, findImage, imageNotCached } from "./access";
import { cacheBookkeeping, edgeCacheKey, isEdgeCacheable, newGeneration } from "./edge-key";

/** Where a prefetch stores its copy: the queue consumer's location (a Worker cannot name its data centre there). */
export const PREFETCH_NODE = "queue";

/**
 * 404 for an image the caller cannot find, cache_image (403), the cache API (404), then only
 * active images (400) and, here, only data anyone may read (400: private and shared data never
 * goes into the shared edge cache). The entry is queued and a prefetch job sent: 202.
 */
export async function queueImage(services: Services, ctx: RequestContext, id: string): Promise<void> {
  assertMutable(ctx);
  const image = await findImage(services, ctx, id);
  if (!image) throw imageNotCached(id);
  authorizeCache(services, ctx, "cache_image", image);
  if (image.status !== "active") throw badRequest("Only images with status active can be targeted for queueing");
  if (!isEdgeCacheable(image)) {
    throw badRequest(`Image ${id} is ${image.visibility}: only public and community images are kept in the edge cache.`);
  }
  await services.imageCache.queue(id, newGeneration(services), services.now().getTime());
  try {
    await services.jobs.cacheImage(id);
  } catch (e) {
    console.error(`image ${id}: queueing its prefetch failed: ${String(e)}`);
    throw serviceUnavailable("The image could not be queued for caching; try again later.");
  }
}

/**
 * The prefetch job: an entry dequeued meanwhile is left alone; an image that can no longer be
 * cached leaves the queue; otherwise its data is read through the edge cache (a miss fills it,
 * and the fill is recorded with its size). Returns what the cache did, or null when nothing was read.
 */
export async function prefetchImage(services: Services, id: string): Promise<CacheEvent | null> {
  const entry = await services.imageCache.get(id);
  if (!entry) return null;
  const image = await services.images.get(id);
  if (!image || !isEdgeCacheable(image)) {
    if (entry.size === null) await services.imageCache.remove([id]);
    return null;
  }
  const book = cacheBookkeeping(services, id, entry.generation, false, PREFETCH_NODE);
  for (const loc of await services.images.locations(id)) {
    const store = services.stores.get(loc.store);
    if (!store) continue;
    let settle!: (e: CacheEvent) => void;
    const outcome = new Promise<CacheEvent>((r) => (settle = r));
    const data = await store.read(loc.key, {
      cacheKey: edgeCacheKey(image, entry.generation),
      onCache: async (event) => {
        // A prefetch is no download: only its fill is recorded, never a hit.
        if (!event.hit) await book(event);
        settle(event);
      },
    });
    if (!data) continue;
    await data.body.cancel().catch(() => {});
    const event = await outcome;
    // Nothing stored (too large for the edge cache, or the fill failed): the queue forgets it.
    if (!event.hit && event.stored === null) {
      console.warn(`image ${id}: prefetch stored nothing in the edge cache`);
      if (entry.size === null) await services.imageCache.remove([id]);
    }
    return event;
  }
  if (entry.size === null) await services.imageCache.remove([id]);
  return null;
}
