import type { ImportJob } from "../domain/imports/ports";
import { type NotificationMessage, QueueMessage } from "./messages";

/** What each message type does; src/wiring.ts implements it with the domain's verbs. */
export interface JobHandlers {
  notification(message: NotificationMessage): Promise<void>;
  scrub(imageId: string): Promise<void>;
  verifyUpload(imageId: string, sessionId: string): Promise<void>;
  importImage(job: ImportJob): Promise<void>;
}

/**
 * Queue consumer: parse, dispatch on `type`, ack or retry with backoff (the dead-letter queue takes
 * what keeps failing). A malformed message is dropped: retrying cannot fix it.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, handlers: JobHandlers): Promise<void> {
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
          await handlers.notification(body);
          break;
        case "scrub_image":
          await handlers.scrub(body.image_id);
          break;
        case "verify_upload":
          await handlers.verifyUpload(body.image_id, body.session_id);
          break;
        case "image_import":
          await handlers.importImage({ taskId: body.task_id, imageId: body.image_id, authToken: body.auth_token, requestId: body.request_id, roles: body.roles });
          break;
      }
      message.ack();
    } catch (e) {
      console.error(`message ${message.id} failed: ${String(e)}`);
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
