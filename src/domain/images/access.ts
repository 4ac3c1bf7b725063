import type { RequestContext } from "../context";
import { imageNotFound } from "../errors";
import { ImagePolicy } from "../policy/image-policy";
import type { Services } from "../services";
import type { Image } from "./image";

/**
 * glance/db/__init__.py is_image_visible: admin, unowned, public, community, own, or a member of a
 * shared image (any member status) may see it.
 */
export async function isVisible(services: Services, ctx: RequestContext, image: Image): Promise<boolean> {
  if (ctx.isAdmin || image.owner === null) return true;
  if (image.visibility === "public" || image.visibility === "community") return true;
  if (ctx.projectId === null) return false;
  if (image.owner === ctx.projectId) return true;
  if (image.visibility !== "shared") return false;
  return (await services.images.getMemberStatus(image.id, ctx.projectId)) !== null;
}

/** Loads an image the caller can see, with its policy; 404 otherwise (deleted images included). */
export async function loadImage(services: Services, ctx: RequestContext, id: string): Promise<{ image: Image; policy: ImagePolicy }> {
  const image = await services.images.get(id);
  if (!image || !(await isVisible(services, ctx, image))) throw imageNotFound(id);
  const policy = new ImagePolicy(services.policy, ctx, image);
  policy.enforce("get_image");
  return { image, policy };
}
