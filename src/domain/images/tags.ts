import type { RequestContext } from "../context";
import { badRequest, notFound } from "../errors";
import { notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { loadImage } from "./access";
import { type Image, nowIso } from "./image";
import { assertTagQuota } from "./quota";
import { retryOnConflict } from "./save";

async function changeTags(services: Services, ctx: RequestContext, id: string, edit: (image: Image) => boolean): Promise<void> {
  assertMutable(ctx);
  const saved = await retryOnConflict(async () => {
    const { image: current, policy } = await loadImage(services, ctx, id);
    policy.enforce("modify_image");
    const image = structuredClone(current);
    if (!edit(image)) return false as const; // nothing to change (idempotent add)
    assertTagQuota(services.settings, image);
    image.updatedAt = nowIso(services.now());
    return services.images.save(image);
  });
  if (saved) notifyImage(services, "image.update", saved);
}

/** PUT /v2/images/{id}/tags/{tag}: idempotent, 413 over image_tag_quota. */
export function addTag(services: Services, ctx: RequestContext, id: string, tag: string): Promise<void> {
  if (tag.length > 255) throw badRequest(`Provided object does not match schema 'image': '${tag.slice(0, 40)}...' is too long`);
  return changeTags(services, ctx, id, (image) => {
    if (image.tags.includes(tag)) return false;
    image.tags.push(tag);
    return true;
  });
}

/** DELETE /v2/images/{id}/tags/{tag}: 404 when the tag is absent. */
export function deleteTag(services: Services, ctx: RequestContext, id: string, tag: string): Promise<void> {
  return changeTags(services, ctx, id, (image) => {
    const i = image.tags.indexOf(tag);
    if (i < 0) throw notFound(`Tag ${tag} not found.`);
    image.tags.splice(i, 1);
    return true;
  });
}
