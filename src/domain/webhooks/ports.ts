// The ports webhooks need: where subscriptions and their delivery logs are kept (adapter:
// src/db/webhooks-repo.ts), the queue deliveries travel on (src/queues/webhooks.ts) and the HTTP
// client that signs and sends them (src/webhooks-sender/).
import type { DeliveryAttempt, Webhook, WebhookJob } from "./webhook";

export interface WebhookListQuery {
  /** null: every project's (admin). */
  owner: string | null;
  limit: number;
  /** Rows strictly after this one, newest first (created_at desc, id desc). */
  marker?: Webhook;
}

/** The editable columns a save writes (the counters are changed only by the delivery methods). */
export type WebhookChanges = Pick<Webhook, "targetUrl" | "events" | "enabled" | "disabledReason" | "failureCount" | "secret" | "updatedAt">;

export interface WebhookRepository {
  create(hook: Webhook): Promise<void>;
  get(id: string): Promise<Webhook | null>;
  list(q: WebhookListQuery): Promise<Webhook[]>;
  countByOwner(owner: string): Promise<number>;
  /** The enabled subscriptions of a project (the fan-out of each notification). */
  listEnabled(owner: string): Promise<Webhook[]>;
  /** Saves the editable columns; null when the subscription is gone. */
  save(id: string, changes: WebhookChanges): Promise<Webhook | null>;
  /** Deletes the subscription and its delivery log; false when it did not exist. */
  delete(id: string): Promise<boolean>;
  /** Appends to the delivery log, keeping the newest `keep` attempts of that subscription. */
  logAttempt(attempt: DeliveryAttempt, keep: number): Promise<void>;
  /** The log, newest first. */
  attempts(webhookId: string, limit: number): Promise<DeliveryAttempt[]>;
  /** The newest logged attempt of one delivery, or null (unknown, or pruned from the log). */
  lastAttempt(webhookId: string, deliveryId: string): Promise<DeliveryAttempt | null>;
  /** A delivery succeeded: the consecutive failure count starts again. */
  resetFailures(id: string, at: string): Promise<void>;
  /**
   * A delivery failed for good: counts it and, at `disableAfter` consecutive failures, disables
   * the subscription with `reason`, in one conditional write. Returns the subscription after it.
   */
  countFailure(id: string, at: string, disableAfter: number, reason: string): Promise<Webhook | null>;
}

export interface WebhookDispatch {
  /** Queues one message per delivery (the consumer sends them). */
  enqueue(jobs: WebhookJob[]): Promise<void>;
}

/** A signed POST, as the domain describes it; the adapter computes the signature. */
export interface OutgoingWebhook {
  url: string;
  /** HMAC-SHA256 key (the subscription's secret, as UTF-8). */
  secret: string;
  /** Unix seconds; signed together with the body ("<timestamp>.<body>"). */
  timestamp: number;
  body: string;
  /** Headers besides Content-Type and X-Glance-Signature. */
  headers: Record<string, string>;
  timeoutMs: number;
}

/** What the receiver did: its status, or `error` when there was no answer (then statusCode is null). */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface WebhookSender {
  /** A new random signing secret. */
  newSecret(): string;
  /** POSTs with `X-Glance-Signature: sha256=<hex HMAC>`; never follows redirects; never throws. */
  send(request: OutgoingWebhook): Promise<SendResult>;
}
