import { settingsFor } from "../config";
import { createDb } from "../db/client";
import { notificationSink } from "../db/schema";
import { QueueMessage } from "./messages";
import { handleImportMessage } from "./import-job";
import { handleVerifyUpload } from "./verify-upload";

/** Queue consumer: parse, dispatch on `type`, ack or retry (the DLQ takes what keeps failing). */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const settings = settingsFor(env);
  const db = createDb(env.DB);
  for (const message of batch.messages) {
    const parsed = QueueMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(`dropping malformed message ${message.id}: ${parsed.error.message}`);
      message.ack();
      continue;
    }
    try {
      const body = parsed.data;
      switch (body.type) {
        case "notification":
          console.log(`notification ${body.priority} ${body.event_type} ${body.message_id}`);
          if (settings.notificationSink) {
            await db
              .insert(notificationSink)
              .values({ messageId: body.message_id, eventType: body.event_type, payload: JSON.stringify(body) })
              .onConflictDoNothing();
          }
          break;
        case "scrub_image":
          await env.IMAGE_DO.getByName(body.image_id).scrub(body.image_id);
          break;
        case "verify_upload":
          await handleVerifyUpload(env, body);
          break;
        case "image_import":
          await handleImportMessage(env, body);
          break;
      }
      message.ack();
    } catch (e) {
      console.error(`message ${message.id} failed: ${String(e)}`);
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
