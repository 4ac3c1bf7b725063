import type { RequestContext } from "../context";
import { badRequest, notFound } from "../errors";
import { nowIso } from "../images/image";
import { notify } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { lookupMember, lookupSharedImage } from "./access";
import { parseStatusBody } from "./body";
import { type ImageMember, isMemberStatus, memberPayload } from "./member";

/**
 * PUT /v2/images/{id}/members/{member_id} (glance ImageMembersController.update): the member
 * project accepts, rejects or re-pends its membership. Policy `modify_member` targets the caller's
 * own project, so the owner gets 403 and other projects never find the row (404).
 */
export async function updateMemberStatus(
  services: Services,
  ctx: RequestContext,
  imageId: string,
  memberId: string,
  body: unknown,
): Promise<ImageMember> {
  const status = parseStatusBody(body);
  assertMutable(ctx);
  const { image, policy } = await lookupSharedImage(services, ctx, imageId, `Not allowed to update members for image ${imageId}.`);
  await lookupMember(services, ctx, image, policy, memberId);
  policy.enforce("modify_member");
  if (!isMemberStatus(status)) throw badRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
  const saved = await services.members.setStatus(imageId, memberId, status, nowIso(services.now()));
  if (!saved) throw notFound(`${memberId} not found in the member list of the image ${imageId}.`);
  notify(services, "image.member.update", memberPayload(saved));
  return saved;
}
