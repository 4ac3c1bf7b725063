import type { RequestContext } from "../context";
import { forbidden, imageNotFound } from "../errors";
import { notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { loadImage } from "./access";

/**
 * DELETE /v2/images/{id}: policy delete_image, protected → 403, then the image's coordinator
 * deletes it (pending_delete with delayed_delete when it has data). Concurrent deletes: one
 * 204, the others 404.
 */
export async function deleteImage(services: Services, ctx: RequestContext, id: string): Promise<void> {
  assertMutable(ctx);
  const { image, policy } = await loadImage(services, ctx, id);
  policy.enforce("delete_image");
  if (image.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
  const deleted = await services.coordinator.deleteImage(id, services.settings.delayedDelete);
  if (!deleted) throw imageNotFound(id);
  notifyImage(services, "image.delete", deleted);
}
