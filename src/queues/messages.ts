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

export const QueueMessage = z.discriminatedUnion("type", [NotificationMessage]);
export type QueueMessage = z.infer<typeof QueueMessage>;
