import { type PropertySchema, type SchemaDocument, UUID_PATTERN, collectionSchema, entitySchema } from "./json-schema";
import { DEFAULT_PART_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE } from "../images/upload-session-request";

// Not a Glance document: the resumable upload sessions of this service (README "Large images"),
// served beside Glance's schemas so clients can discover the shape. POST takes size, part_size,
// sha512 and store; everything else is read-only.

export const UPLOAD_SESSION_STATUSES = ["starting", "uploading", "completing", "verifying", "completed", "failed", "expired"] as const;

const SHA512 = "^[0-9a-fA-F]{128}$";

function sessionProperties(): Record<string, PropertySchema> {
  const ro = (p: PropertySchema): PropertySchema => ({ ...p, readOnly: true });
  return {
    id: ro({ type: "string", description: "Upload session id", pattern: UUID_PATTERN }),
    image_id: ro({ type: "string", description: "The image whose data this session uploads", pattern: UUID_PATTERN }),
    status: ro({
      type: "string",
      description: "uploading: takes parts; verifying: assembled, checksums being computed; completed: the image is active; failed/expired: the image is queued again",
      enum: [...UPLOAD_SESSION_STATUSES],
    }),
    store: { type: "string", description: "Store the data goes to (default: the default store)" },
    size: { type: "integer", description: "Exact size of the image data in bytes", minimum: 1 },
    part_size: {
      type: "integer",
      description: `Size of every part but the last, at most ${MAX_PART_SIZE} (default ${DEFAULT_PART_SIZE}, or more to stay within ${MAX_PARTS} parts)`,
      minimum: MIN_PART_SIZE,
    },
    part_count: ro({ type: "integer", description: "Parts numbered 1 to part_count" }),
    sha512: { type: ["null", "string"], description: "Expected SHA-512 (hex) of the data; checked before the image becomes active", pattern: SHA512 },
    parts: ro({
      type: "array",
      description: "Parts received so far (while uploading)",
      items: {
        type: "object",
        properties: { part_number: { type: "integer" }, size: { type: "integer" }, etag: { type: "string" } },
      },
    }),
    direct_upload: ro({ type: "boolean", description: "Parts may go straight to R2 with presigned URLs (POST .../parts/{n}/url)" }),
    message: ro({ type: ["null", "string"], description: "Why the session failed or expired" }),
    created_at: ro({ type: "string", format: "date-time" }),
    updated_at: ro({ type: "string", format: "date-time", description: "Last part or state change" }),
    expires_at: ro({ type: ["null", "string"], format: "date-time", description: "When the session is aborted if no part arrives" }),
    self: ro({ type: "string" }),
    schema: ro({ type: "string" }),
  };
}

/** GET /v2/schemas/upload-session. */
export function uploadSessionSchema(): SchemaDocument {
  return entitySchema("upload-session", sessionProperties(), { required: ["size"] });
}

/** GET /v2/schemas/upload-sessions. */
export function uploadSessionsSchema(): SchemaDocument {
  return collectionSchema("upload_sessions", uploadSessionSchema(), { paged: false });
}
