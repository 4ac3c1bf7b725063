import type { RequestContext } from "../context";
import { forbidden, notFound } from "../errors";
import { isVisible } from "../images/access";
import type { Image } from "../images/image";
import { MemberPolicy } from "../policy/member-policy";
import type { Services } from "../services";
import type { ImageMember } from "./member";

/**
 * glance ImageMembersController._lookup_image + _check_visibility_and_ownership: an image the
 * caller can see (404 otherwise), which must be `shared` (403 with `notShared`).
 */
export async function lookupSharedImage(
  services: Services,
  ctx: RequestContext,
  imageId: string,
  notShared: string,
): Promise<{ image: Image; policy: MemberPolicy }> {
  const image = await services.images.get(imageId);
  if (!image || !(await isVisible(services, ctx, image))) throw notFound(`Image ${imageId} not found.`);
  if (image.visibility !== "shared") throw forbidden(notShared);
  return { image, policy: new MemberPolicy(services.policy, ctx, image) };
}

/**
 * glance image_member_find: a non-admin caller sees every membership of an image its project owns,
 * and otherwise only its own project's row.
 */
export function canSeeMembership(ctx: RequestContext, image: Image, memberId: string): boolean {
  if (ctx.isAdmin) return true;
  return ctx.projectId !== null && (image.owner === ctx.projectId || memberId === ctx.projectId);
}

/** glance _lookup_member: `get_member`, then the row (404 when absent or not the caller's to see). */
export async function lookupMember(
  services: Services,
  ctx: RequestContext,
  image: Image,
  policy: MemberPolicy,
  memberId: string,
): Promise<ImageMember> {
  policy.enforce("get_member");
  const member = canSeeMembership(ctx, image, memberId) ? await services.members.get(image.id, memberId) : null;
  if (!member) throw notFound(`${memberId} not found in the member list of the image ${image.id}.`);
  return member;
}
