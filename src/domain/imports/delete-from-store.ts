import type { RequestContext } from "../context";
import { DomainError, conflict, forbidden, notFound } from "../errors";
import { isVisible } from "../images/access";
import { notifyImage } from "../notifications";
import { ImagePolicy, assertMutable } from "../policy/image-policy";
import type { Services } from "../services";

/**
 * DELETE /v2/stores/{store_id}/{image_id} (glance/api/v2/images.py delete_from_store): unknown
 * store → 409, no such image → 404, get_image_location + delete_image_location (admin) → 403,
 * image not active → 409, its only store → 403, not in that store → 404. The image's coordinator
 * re-checks all of it while it removes the location, so two concurrent deletes can never take the
 * last copy; the object is removed right away.
 */
export async function deleteFromStore(services: Services, ctx: RequestContext, store: string, id: string): Promise<void> {
  assertMutable(ctx);
  if (!services.stores.get(store)) throw conflict(`The selected store ${store} is not available on this node.`);
  const image = await services.images.get(id);
  if (!image || !(await isVisible(services, ctx, image))) throw notFound(`Failed to find image ${id}`);
  const policy = new ImagePolicy(services.policy, ctx, image);
  policy.enforce("get_image_location");
  policy.enforce("delete_image_location");
  const r = await services.imports.removeStore(id, store);
  if (!r.ok) {
    if (r.reason === "not_found") throw notFound(r.message);
    if (r.reason === "forbidden") throw forbidden(r.message);
    throw new DomainError("Conflict", r.message);
  }
  notifyImage(services, "image.update", r.image);
}
