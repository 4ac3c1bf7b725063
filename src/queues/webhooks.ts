import type { WebhookDispatch } from "../domain/webhooks/ports";
import type { WebhookJob } from "../domain/webhooks/webhook";
import type { WebhookDeliveryMessage } from "./messages";

/**
 * WebhookDispatch over the webhooks Queue (its own queue and dead-letter queue, so that slow
 * receivers never hold up imports and notifications on the events queue).
 */
export class QueueWebhookDispatch implements WebhookDispatch {
  constructor(private readonly queue: Queue) {}

  async enqueue(jobs: WebhookJob[]): Promise<void> {
    const messages = jobs.map((j): MessageSendRequest<WebhookDeliveryMessage> => ({
      body: { type: "webhook_delivery", webhook_id: j.webhookId, delivery_id: j.deliveryId, redelivery_of: j.redeliveryOf, event: j.event },
      contentType: "json",
    }));
    // sendBatch takes at most 100 messages.
    for (let i = 0; i < messages.length; i += 100) await this.queue.sendBatch(messages.slice(i, i + 100));
  }
}
