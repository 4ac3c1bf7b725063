import type { RequestContext } from "../context";
import { QuotaExceeded, conflict, notFound } from "../errors";
import { nowIso } from "../images/image";
import { notify } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { lookupSharedImage } from "./access";
import { parseMemberBody } from "./body";
import { type ImageMember, memberPayload } from "./member";

/**
 * POST /v2/images/{id}/members (glance ImageMembersController.create): only a `shared` image,
 * policy `add_member` (owner project member or admin), `image_member_quota` (413) and duplicates
 * (409) checked by one guarded insert; notifies image.member.create.
 */
export async function addMember(services: Services, ctx: RequestContext, imageId: string, body: unknown): Promise<ImageMember> {
  const memberId = parseMemberBody(body);
  assertMutable(ctx);
  const { policy } = await lookupSharedImage(services, ctx, imageId, `Not allowed to create members for image ${imageId}.`);
  policy.enforce("add_member");
  const now = nowIso(services.now());
  const member: ImageMember = { imageId, memberId, status: "pending", createdAt: now, updatedAt: now };
  const quota = services.settings.imageMemberQuota;
  switch (await services.members.add(member, quota)) {
    case "quota":
      throw new QuotaExceeded(
        `Image member limit exceeded for image ${imageId}: The limit has been exceeded on the number of allowed image members for this image. Attempted: ${quota + 1}, Maximum: ${quota}`,
        quota,
        quota,
      );
    case "duplicate":
      throw conflict(`Member ${memberId} is duplicated for image ${imageId}`);
    case "gone":
      throw notFound(`Image ${imageId} not found.`);
  }
  notify(services, "image.member.create", memberPayload(member));
  return member;
}
