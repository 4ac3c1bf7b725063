// GET /v2/cache and GET /v2/cache/nodes/{id} (glance CacheController.get_cache_state,
// get_cached_nodes).
import type { RequestContext } from "../context";
import type { Services } from "../services";
import { authorizeCache, findImage, imageNotCached } from "./access";
import { isEdgeCacheable } from "./edge-key";

/** One cached image as Glance lists it (times in seconds since the epoch, as floats). */
export interface CachedImage {
  image_id: string;
  hits: number;
  last_accessed: number;
  last_modified: number;
  size: number;
}

/**
 * The images with a copy in the edge cache, and the ones queued for a prefetch (oldest first). An
 * entry whose image can no longer be cached (deleted, deactivated, made private) is not listed:
 * downloads no longer read its copies; POST /v2/cache/clean removes it.
 */
export async function cacheState(services: Services, ctx: RequestContext): Promise<{ cached_images: CachedImage[]; queued_images: string[] }> {
  authorizeCache(services, ctx, "cache_list");
  const entries = await services.imageCache.list();
  const cached = entries.filter((e) => e.size !== null && e.image !== null && isEdgeCacheable(e.image));
  const queued = entries.filter((e) => e.size === null && e.queuedAt !== null).sort((a, b) => a.queuedAt! - b.queuedAt!);
  return {
    cached_images: cached.map((e) => ({
      image_id: e.imageId,
      hits: e.hits,
      last_accessed: (e.lastAccessed ?? 0) / 1000,
      last_modified: (e.lastModified ?? 0) / 1000,
      size: e.size!,
    })),
    queued_images: queued.map((e) => e.imageId),
  };
}

/**
 * Where the image's current copy was stored: the edge locations (Cloudflare data centre codes)
 * whose downloads filled it, and "queue" for a prefetch. Glance's centralized_db driver answers
 * the API nodes' URLs; this cache is one logical cache with a copy per location.
 */
export async function cachedNodes(services: Services, ctx: RequestContext, id: string): Promise<string[]> {
  authorizeCache(services, ctx, "list_cached_nodes");
  if (!(await findImage(services, ctx, id))) throw imageNotCached(id);
  return services.imageCache.nodes(id);
}
