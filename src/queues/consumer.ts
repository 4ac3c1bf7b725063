import type { ImportJob } from "../domain/imports/ports";
import type { WebhookJob, WebhookOutcome } from "../domain/webhooks/webhook";
import { type NotificationMessage, QueueMessage } from "./messages";

/** What each message type does; src/wiring.ts implements it with the domain's verbs. */
export interface JobHandlers {
  notification(message: NotificationMessage): Promise<void>;
  scrub(imageId: string): Promise<void>;
  verifyUpload(imageId: string, sessionId: string): Promise<void>;
  importImage(job: ImportJob): Promise<void>;
  cacheImage(imageId: string): Promise<void>;
  /** One attempt (`attempt` = the message's attempt number) of one webhook delivery. */
  deliverWebhook(job: WebhookJob, attempt: number): Promise<WebhookOutcome>;
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
        case "cache_image":
          await handlers.cacheImage(body.image_id);
          break;
        case "webhook_delivery": {
          const job = { webhookId: body.webhook_id, deliveryId: body.delivery_id, redeliveryOf: body.redelivery_of, event: body.event };
          const next = await handlers.deliverWebhook(job, message.attempts);
          // After the last attempt, a retry is what moves the message to the dead-letter queue.
          if (next.kind !== "done") {
            message.retry(next.kind === "retry" ? { delaySeconds: next.delaySeconds } : {});
            continue;
          }
          break;
        }
      }
      message.ack();
    } catch (e) {
      console.error(`message ${message.id} failed: ${String(e)}`);
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
