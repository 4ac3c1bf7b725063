import type { RequestContext } from "../context";
import { DomainError } from "../errors";
import type { Services } from "../services";
import { canSeeMembership, lookupMember, lookupSharedImage } from "./access";
import type { ImageMember } from "./member";

/**
 * GET /v2/images/{id}/members (glance ImageMembersController.index): the owner project and
 * admins see every membership, a member project only its own.
 */
export async function listMembers(services: Services, ctx: RequestContext, imageId: string): Promise<ImageMember[]> {
  const { image, policy } = await lookupSharedImage(
    services,
    ctx,
    imageId,
    `Not allowed to list members for image ${imageId}: Only shared images have members.`,
  );
  policy.enforce("get_members");
  if (!policy.can("get_member")) return [];
  const rows = await services.members.list(imageId);
  return rows.filter((m) => canSeeMembership(ctx, image, m.memberId));
}

/**
 * GET /v2/images/{id}/members/{member_id} (glance ImageMembersController.show): every failure,
 * a forbidden one included, is a 404 so that memberships do not leak.
 */
export async function getMember(services: Services, ctx: RequestContext, imageId: string, memberId: string): Promise<ImageMember> {
  try {
    const { image, policy } = await lookupSharedImage(services, ctx, imageId, "Only shared images have members.");
    return await lookupMember(services, ctx, image, policy, memberId);
  } catch (e) {
    if (e instanceof DomainError && e.kind === "Forbidden") throw new DomainError("NotFound", e.message);
    throw e;
  }
}
