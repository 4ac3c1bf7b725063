import { z } from "zod";

/** Every message on the events queue, discriminated by `type`. */
export const NotificationMessage = z.object({
  type: z.literal("notification"),
  message_id: z.string(),
  event_type: z.string(),
  priority: z.enum(["INFO", "WARN", "ERROR"]),
  publisher_id: z.string(),
  timestamp: z.string(),
  request_id: z.string().nullable(),
  payload: z.unknown(),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;

/** Remove the data of a deleted image (delayed_delete's scrubber, or a retry of an immediate delete). */
export const ScrubMessage = z.object({
  type: z.literal("scrub_image"),
  image_id: z.string(),
});
export type ScrubMessage = z.infer<typeof ScrubMessage>;

/** Hash the object an upload session assembled, then let the image's Durable Object settle it. */
export const VerifyUploadMessage = z.object({
  type: z.literal("verify_upload"),
  image_id: z.string(),
  session_id: z.string(),
});
export type VerifyUploadMessage = z.infer<typeof VerifyUploadMessage>;

/** Run an interoperable image import (its task and lock exist; see src/domain/imports/run.ts). */
export const ImportMessage = z.object({
  type: z.literal("image_import"),
  task_id: z.string(),
  image_id: z.string(),
  // The caller's token, for glance-download's reads of the remote Glance (queue bodies stay internal).
  auth_token: z.string().nullable(),
  request_id: z.string().nullable(),
  // The caller's roles (inject_image_metadata skips callers with an ignored role).
  roles: z.array(z.string()).default([]),
});
export type ImportMessage = z.infer<typeof ImportMessage>;

/** Prefetch an image's data into the edge cache (PUT /v2/cache/{id}; see src/domain/cache/queue.ts). */
export const CacheImageMessage = z.object({
  type: z.literal("cache_image"),
  image_id: z.string(),
});
export type CacheImageMessage = z.infer<typeof CacheImageMessage>;

/** POST one notification to one webhook subscription (src/domain/webhooks/deliver.ts); on the webhooks queue. */
export const WebhookDeliveryMessage = z.object({
  type: z.literal("webhook_delivery"),
  webhook_id: z.string(),
  delivery_id: z.string(),
  redelivery_of: z.string().nullable().default(null),
  // The notification as published (the envelope without the queue's `type`).
  event: NotificationMessage.omit({ type: true }),
});
export type WebhookDeliveryMessage = z.input<typeof WebhookDeliveryMessage>;

export const QueueMessage = z.discriminatedUnion("type", [NotificationMessage, ScrubMessage, VerifyUploadMessage, ImportMessage, CacheImageMessage, WebhookDeliveryMessage]);
export type QueueMessage = z.infer<typeof QueueMessage>;
