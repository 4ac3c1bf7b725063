import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { nowIso } from "../images/image";
import { notify } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { lookupMember, lookupSharedImage } from "./access";
import { memberPayload } from "./member";

/**
 * DELETE /v2/images/{id}/members/{member_id} (glance ImageMembersController.delete): policy
 * `delete_member` (owner project member or admin; a member cannot leave by itself: 403).
 */
export async function removeMember(services: Services, ctx: RequestContext, imageId: string, memberId: string): Promise<void> {
  assertMutable(ctx);
  const { image, policy } = await lookupSharedImage(services, ctx, imageId, `Not allowed to delete members for image ${imageId}.`);
  const member = await lookupMember(services, ctx, image, policy, memberId);
  policy.enforce("delete_member");
  if (!(await services.members.remove(imageId, memberId))) {
    throw notFound(`${memberId} not found in the member list of the image ${imageId}.`);
  }
  notify(services, "image.member.delete", memberPayload(member, nowIso(services.now())));
}
