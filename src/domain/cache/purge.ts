// DELETE /v2/cache/{id}, DELETE /v2/cache, POST /v2/cache/clean and /prune (glance CacheController
// delete_cache_entry, clear_cache, clean_cache, prune_cache). A purge removes the entry, and with it
// the generation in the edge cache key: every location misses from then on, and the copies it held
// age out of each data centre's cache (the Cache API cannot delete across locations).
import type { RequestContext } from "../context";
import { assertMutable } from "../policy/image-policy";
import { badRequest } from "../errors";
import type { Services } from "../services";
import type { ClearTarget } from "./ports";
import { authorizeCache, findImage, imageNotCached } from "./access";
import { isEdgeCacheable } from "./edge-key";

/** DELETE /v2/cache/{id}: out of the cache and the queue. 404 only when neither the image nor an entry exists. */
export async function deleteCacheEntry(services: Services, ctx: RequestContext, id: string): Promise<void> {
  assertMutable(ctx);
  const image = await findImage(services, ctx, id);
  const entry = services.settings.imageCache.enabled ? await services.imageCache.get(id) : null;
  if (!image && !entry) throw imageNotCached(id);
  authorizeCache(services, ctx, "cache_delete", image);
  await services.imageCache.remove([id]);
}

/** DELETE /v2/cache: x-image-cache-clear-target is cache, queue or empty (both); anything else 400. */
export async function clearCache(services: Services, ctx: RequestContext, targetHeader: string | null): Promise<void> {
  assertMutable(ctx);
  authorizeCache(services, ctx, "cache_delete");
  const target = (targetHeader ?? "").toLowerCase();
  if (target !== "" && target !== "cache" && target !== "queue") {
    throw badRequest("If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.");
  }
  await services.imageCache.clear((target || "both") as ClearTarget);
}

/**
 * POST /v2/cache/clean: drops the entries that are no longer valid (their image deleted,
 * deactivated or not public/community any more) and prefetches queued for longer than
 * image_cache_stall_time that never filled.
 */
export async function cleanCache(services: Services, ctx: RequestContext): Promise<void> {
  assertMutable(ctx);
  authorizeCache(services, ctx, "cache_clean");
  const stalledBefore = services.now().getTime() - services.settings.imageCache.stallTime * 1000;
  const invalid = (await services.imageCache.list()).filter((e) =>
    e.size === null ? e.queuedAt === null || e.queuedAt < stalledBefore || e.image === null : e.image === null || !isEdgeCacheable(e.image),
  );
  await services.imageCache.remove(invalid.map((e) => e.imageId));
}

/**
 * POST /v2/cache/prune (glance ImageCache.prune): while the cached bytes exceed
 * image_cache_max_size, the least recently accessed entry goes. One copy counts once, however
 * many locations hold it.
 */
export async function pruneCache(services: Services, ctx: RequestContext): Promise<{ total_files_pruned: number; total_bytes_pruned: number }> {
  assertMutable(ctx);
  authorizeCache(services, ctx, "cache_prune");
  const cached = (await services.imageCache.list()).filter((e) => e.size !== null);
  let total = cached.reduce((n, e) => n + e.size!, 0);
  const max = services.settings.imageCache.maxSize;
  const pruned: string[] = [];
  let bytes = 0;
  const lru = cached.sort((a, b) => (a.lastAccessed ?? 0) - (b.lastAccessed ?? 0) || a.imageId.localeCompare(b.imageId));
  for (const e of lru) {
    if (total <= max) break;
    pruned.push(e.imageId);
    bytes += e.size!;
    total -= e.size!;
  }
  await services.imageCache.remove(pruned);
  return { total_files_pruned: pruned.length, total_bytes_pruned: bytes };
}
