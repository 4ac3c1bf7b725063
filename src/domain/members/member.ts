// An image membership (glance/domain ImageMembership): a project an image is shared with, and
// whether that project has accepted it. Plain data; verbs live next to this file.

export const MEMBER_STATUSES = ["pending", "accepted", "rejected"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export interface ImageMember {
  imageId: string;
  /** The project the image is shared with (Glance `member_id`; not checked against Keystone). */
  memberId: string;
  status: MemberStatus;
  createdAt: string;
  updatedAt: string;
}

export const isMemberStatus = (s: unknown): s is MemberStatus => MEMBER_STATUSES.includes(s as MemberStatus);

/** glance/notifier.py format_image_member_notification. */
export function memberPayload(m: ImageMember, deletedAt: string | null = null) {
  return {
    image_id: m.imageId,
    member_id: m.memberId,
    status: m.status,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    deleted: deletedAt !== null,
    deleted_at: deletedAt,
  };
}
