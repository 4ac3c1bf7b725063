import { type PropertySchema, type SchemaDocument, UUID_PATTERN, collectionSchema, entitySchema } from "./json-schema";

// Not Glance's: the webhook subscription (README "Webhooks"), in the shape of Glance's entity
// schemas. `secret` is in the document but only ever appears in the answers to create and
// rotate-secret.

function webhookProperties(): Record<string, PropertySchema> {
  return {
    id: { description: "An identifier for the webhook", pattern: UUID_PATTERN, readOnly: true, type: "string" },
    target_url: { description: "Where deliveries are POSTed (http or https; the web-download URL filter applies)", maxLength: 2048, type: "string" },
    events: {
      description: "Event filter: image.*, image.member.*, task.*, metadef.* (every metadef_* type) or exact event types",
      items: { type: "string" },
      minItems: 1,
      uniqueItems: true,
      default: ["image.*"],
      type: "array",
    },
    enabled: { description: "Whether events are delivered", default: true, type: "boolean" },
    owner: { description: "The project the webhook belongs to; it receives that project's events", readOnly: true, type: "string" },
    secret: {
      description: "HMAC-SHA256 signing key, returned only when the webhook is created or its secret rotated",
      readOnly: true,
      type: "string",
    },
    disabled_reason: { description: "Why the service disabled the webhook", readOnly: true, type: ["null", "string"] },
    failure_count: { description: "Consecutive deliveries that failed", readOnly: true, type: "integer" },
    created_at: { description: "Date and time of webhook creation", format: "date-time", readOnly: true, type: "string" },
    updated_at: { description: "Date and time of the last webhook modification", format: "date-time", readOnly: true, type: "string" },
    self: { readOnly: true, type: "string" },
    schema: { readOnly: true, type: "string" },
  };
}

/** GET /v2/schemas/webhook. */
export function webhookSchema(): SchemaDocument {
  return entitySchema("webhook", webhookProperties(), {
    required: ["target_url"],
    links: [
      { rel: "self", href: "{self}" },
      { rel: "describedby", href: "{schema}" },
    ],
  });
}

/** GET /v2/schemas/webhooks (paged with first/next, like images). */
export function webhooksSchema(): SchemaDocument {
  return collectionSchema("webhooks", webhookSchema());
}
