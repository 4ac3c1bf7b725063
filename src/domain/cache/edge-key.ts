// What the edge cache may hold and under which key. Only data anyone may read (public and
// community images) goes there, and only while the image is active: a download of a deactivated
// image (admins only) or of one made private reads the store, and a deleted image is never found.
// The bytes of an active image never change, so a key names immutable content; with the cache API
// on, the key also carries the entry's generation, which a purge retires everywhere at once.
import type { Image } from "../images/image";
import type { CacheEntry, CacheEvent, ReadOptions } from "../ports";
import type { Services } from "../services";

export function isEdgeCacheable(image: Pick<Image, "status" | "visibility" | "osHashValue">): boolean {
  return image.status === "active" && (image.visibility === "public" || image.visibility === "community") && !!image.osHashValue;
}

export function edgeCacheKey(image: Pick<Image, "id" | "osHashValue">, generation: string | null): string {
  return generation ? `${image.id}/${image.osHashValue}/${generation}` : `${image.id}/${image.osHashValue}`;
}

/** A generation for an image with no cache entry (the first fill creates the entry with it). */
export const newGeneration = (services: Services) => services.newId().replace(/-/g, "").slice(0, 12);

/**
 * The bookkeeping of one cached read: a hit counts, a fill records its size and location. Best
 * effort: a failed write is logged, never felt by the download.
 */
export function cacheBookkeeping(services: Services, imageId: string, generation: string, create: boolean, node: string) {
  return async (event: CacheEvent): Promise<void> => {
    const at = services.now().getTime();
    try {
      if (event.hit) await services.imageCache.recordHit(imageId, generation, at);
      else if (event.stored !== null) await services.imageCache.recordFill({ imageId, generation, size: event.stored, node, at, create });
    } catch (e) {
      console.warn(`image ${imageId}: cache bookkeeping failed: ${String(e)}`);
    }
  };
}

/**
 * How a download reads through the edge cache: not at all for data that may not be cached; under
 * the plain key with the cache API off; with it on, under the entry's generation (a new one when
 * the image has no entry: its first fill creates it) with the bookkeeping. When the bookkeeping
 * cannot be read the download reads the store: never a failed download for the cache's sake.
 */
export async function edgeCacheRead(services: Services, image: Image, node: string): Promise<Pick<ReadOptions, "cacheKey" | "onCache">> {
  if (!isEdgeCacheable(image)) return {};
  if (!services.settings.imageCache.enabled) return { cacheKey: edgeCacheKey(image, null) };
  let entry: CacheEntry | null;
  try {
    entry = await services.imageCache.get(image.id);
  } catch (e) {
    console.warn(`image ${image.id}: cache bookkeeping unreadable, reading the store: ${String(e)}`);
    return {};
  }
  const generation = entry?.generation ?? newGeneration(services);
  return { cacheKey: edgeCacheKey(image, generation), onCache: cacheBookkeeping(services, image.id, generation, !entry, node) };
}
