import type { RequestContext } from "../context";
import { conflict, notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { loadWebhook } from "./access";
import { type DeliveryAttempt, type NotificationEvent, WEBHOOK_LOG_SIZE, type WebhookJob } from "./webhook";

/** GET /v2/webhooks/{id}/deliveries: get_webhook; the last attempts, newest first. */
export async function listDeliveries(services: Services, ctx: RequestContext, id: string): Promise<DeliveryAttempt[]> {
  await loadWebhook(services, ctx, id, "get_webhook");
  return services.webhooks.attempts(id, WEBHOOK_LOG_SIZE);
}

/**
 * POST /v2/webhooks/{id}/deliveries/{delivery_id}/redeliver: modify_webhook; the same event sent
 * again as a new delivery (its own id and attempts; `redelivery_of` names the first). The event
 * must still be in the log; a disabled subscription must be enabled first (409).
 */
export async function redeliverWebhook(services: Services, ctx: RequestContext, id: string, deliveryId: string): Promise<WebhookJob> {
  assertMutable(ctx);
  const hook = await loadWebhook(services, ctx, id, "modify_webhook");
  const logged = await services.webhooks.lastAttempt(id, deliveryId);
  if (!logged) throw notFound(`No delivery ${deliveryId} in the log of webhook ${id}`);
  if (!hook.enabled) throw conflict(`Webhook ${id} is disabled: enable it before redelivering.`);
  const job: WebhookJob = { webhookId: id, deliveryId: services.newId(), redeliveryOf: deliveryId, event: JSON.parse(logged.body) as NotificationEvent };
  await services.webhookDispatch.enqueue([job]);
  return job;
}
