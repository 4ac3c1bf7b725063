import { type PropertySchema, type SchemaDocument, UUID_PATTERN, collectionSchema, minimalSchema } from "./json-schema";

// glance/api/v2/image_members.py _MEMBER_SCHEMA, served in the minimal view: Glance (packaged and
// upstream) states no additionalProperties for members.

export const MEMBER_STATUSES = ["pending", "accepted", "rejected"] as const;

function memberProperties(): Record<string, PropertySchema> {
  return {
    member_id: { type: "string", description: "Project the image is shared with" },
    image_id: { type: "string", description: "Shared image (UUID)", pattern: UUID_PATTERN },
    created_at: { type: "string", description: "When the image was shared with the member" },
    updated_at: { type: "string", description: "When the membership last changed" },
    status: { type: "string", description: "The member's answer to the share", enum: [...MEMBER_STATUSES] },
    schema: { readOnly: true, type: "string" },
  };
}

/** GET /v2/schemas/member. */
export function memberSchema(): SchemaDocument {
  return minimalSchema("member", memberProperties());
}

/** GET /v2/schemas/members. */
export function membersSchema(): SchemaDocument {
  return collectionSchema("members", memberSchema(), { paged: false });
}
