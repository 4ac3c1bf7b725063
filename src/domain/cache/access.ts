// glance/api/v2/cached_images.py CacheController._enforce: the rule first (403), then whether the
// cache API is on at all (404), so a non-admin never learns how the site is configured.
import type { RequestContext } from "../context";
import { forbidden, notFound } from "../errors";
import { isVisible } from "../images/access";
import type { Image } from "../images/image";
import { imageTarget } from "../policy/image-policy";
import type { Services } from "../services";

export type CacheRule = "cache_list" | "cache_image" | "cache_delete" | "cache_clean" | "cache_prune" | "list_cached_nodes";

export function authorizeCache(services: Services, ctx: RequestContext, rule: CacheRule, image: Image | null = null): void {
  // CacheImageAPIPolicy: the image as the target when there is one; webob's bare HTTPForbidden.
  if (!services.policy.check(rule, ctx, image ? imageTarget(ctx, image) : {})) throw forbidden("Access was denied to this resource.");
  if (!services.settings.imageCache.enabled) throw notFound("Caching via API is not supported at this site.");
}

/** The image as the caller's image repository would find it (deleted or invisible: null). */
export async function findImage(services: Services, ctx: RequestContext, id: string): Promise<Image | null> {
  const image = await services.images.get(id);
  return image && (await isVisible(services, ctx, image)) ? image : null;
}

export const imageNotCached = (id: string) => notFound(`Image ${id} not found.`);
