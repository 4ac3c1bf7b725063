import { checkImportUri } from "../imports/url-filter";
import type { Services } from "../services";
import type { SendResult } from "./ports";
import {
  type AttemptOutcome,
  type DeliveryAttempt,
  WEBHOOK_DISABLE_AFTER,
  WEBHOOK_LOG_SIZE,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_TIMEOUT_MS,
  type Webhook,
  type WebhookJob,
  type WebhookOutcome,
  retryDelay,
} from "./webhook";

/** Why a receiver's answer is not a success. */
function failureOf(r: SendResult): string | null {
  if (r.statusCode === null) return r.error ?? "no answer";
  if (r.statusCode >= 200 && r.statusCode < 300) return null;
  if (r.statusCode >= 300 && r.statusCode < 400) return `receiver answered ${r.statusCode}: redirects are not followed`;
  return `receiver answered ${r.statusCode}`;
}

/**
 * One attempt of a webhook_delivery message (the queue consumer calls it with the message's
 * attempt number). A deleted or disabled subscription ends the delivery without a request. The
 * target URL passes the URL filter again (the configuration may have changed since it was
 * accepted): refused, nothing is sent, and the delivery counts as failed without retries. Else a
 * signed POST: 2xx is a success; anything else is retried with backoff until the last attempt,
 * after which the message goes to the dead-letter queue and the failure counts towards disabling
 * the subscription. Every attempt is logged.
 */
export async function deliverWebhook(services: Services, job: WebhookJob, attempt: number): Promise<WebhookOutcome> {
  const hook = await services.webhooks.get(job.webhookId);
  if (!hook || !hook.enabled) return { kind: "done" };
  // The queue's limit is the one that counts: a message back after it goes on to the dead-letter queue.
  if (attempt > WEBHOOK_MAX_ATTEMPTS) return { kind: "dead-letter" };
  const at = services.now();
  const body = JSON.stringify(job.event);
  const log = (outcome: AttemptOutcome, r: Partial<SendResult>, error: string | null) => {
    const entry: DeliveryAttempt = {
      webhookId: hook.id,
      deliveryId: job.deliveryId,
      redeliveryOf: job.redeliveryOf,
      eventId: job.event.message_id,
      eventType: job.event.event_type,
      attempt,
      outcome,
      statusCode: r.statusCode ?? null,
      latencyMs: r.latencyMs ?? null,
      error,
      body,
      createdAt: at.toISOString(),
    };
    return services.webhooks.logAttempt(entry, WEBHOOK_LOG_SIZE);
  };

  const check = checkImportUri(hook.targetUrl, services.settings.webhookFilter);
  if (!check.ok) {
    const why = `refused by the URL filter: ${check.reason}`;
    await log("refused", {}, why);
    await failed(services, hook, why);
    return { kind: "done" };
  }
  const timestamp = Math.floor(at.getTime() / 1000);
  const result = await services.webhookSender.send({
    url: check.url.href,
    secret: hook.secret,
    timestamp,
    body,
    headers: {
      "X-Glance-Webhook-Id": hook.id,
      "X-Glance-Event": job.event.event_type,
      "X-Glance-Delivery": job.deliveryId,
      "X-Glance-Attempt": String(attempt),
      "X-Glance-Timestamp": String(timestamp),
    },
    timeoutMs: WEBHOOK_TIMEOUT_MS,
  });
  const error = failureOf(result);
  const last = attempt >= WEBHOOK_MAX_ATTEMPTS;
  await log(error === null ? "delivered" : last ? "failed" : "retrying", result, error);
  if (error === null) {
    if (hook.failureCount > 0) await services.webhooks.resetFailures(hook.id, at.toISOString());
    return { kind: "done" };
  }
  if (!last) return { kind: "retry", delaySeconds: retryDelay(attempt) };
  await failed(services, hook, error);
  return { kind: "dead-letter" };
}

/** A delivery failed for good: counted, and the subscription disabled at the limit. */
async function failed(services: Services, hook: Webhook, why: string): Promise<void> {
  const reason = `Disabled after ${WEBHOOK_DISABLE_AFTER} consecutive failed deliveries (last: ${why})`;
  const after = await services.webhooks.countFailure(hook.id, services.now().toISOString(), WEBHOOK_DISABLE_AFTER, reason);
  if (after && !after.enabled && hook.enabled) console.warn(`webhook ${hook.id} (project ${hook.owner}) disabled: ${reason}`);
}
