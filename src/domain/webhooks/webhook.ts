// Webhooks (not Glance's: README "Webhooks"): a project's subscription to the notifications of its
// own resources, delivered as signed HTTP POSTs from the queue consumer. Plain data and the rules
// that do not depend on the outside world: the event filter, the retry schedule, the limits.

/** A subscription as stored. `secret` signs every delivery; it is shown once, at creation. */
export interface Webhook {
  id: string;
  owner: string;
  targetUrl: string;
  /** Event filter: `image.*`, `image.member.*`, `task.*`, `metadef.*` or exact event types. */
  events: string[];
  secret: string;
  enabled: boolean;
  /** Why the service disabled it (repeated failures); null when enabled or disabled by a user. */
  disabledReason: string | null;
  /** Consecutive deliveries that failed for good (reset by a success or by re-enabling). */
  failureCount: number;
  createdAt: string;
  updatedAt: string;
}

/** The notification as the queue carried it: the oslo.messaging envelope Glance's consumers read. */
export interface NotificationEvent {
  message_id: string;
  publisher_id: string;
  event_type: string;
  priority: "INFO" | "WARN" | "ERROR";
  payload: unknown;
  timestamp: string;
  request_id: string | null;
}

/** One delivery of one event to one subscription (a queue message; retried by the queue). */
export interface WebhookJob {
  webhookId: string;
  deliveryId: string;
  /** The delivery this one repeats (manual redelivery), or null. */
  redeliveryOf: string | null;
  event: NotificationEvent;
}

/**
 * What one attempt did: `delivered` (2xx), `retrying` (failed, the queue tries again later),
 * `failed` (failed at the last attempt: the message goes to the dead-letter queue) or `refused`
 * (the target URL did not pass the URL filter: no request was sent).
 */
export type AttemptOutcome = "delivered" | "retrying" | "failed" | "refused";

/** One line of a subscription's delivery log. `body` is what was (or would have been) sent. */
export interface DeliveryAttempt {
  webhookId: string;
  deliveryId: string;
  redeliveryOf: string | null;
  eventId: string;
  eventType: string;
  attempt: number;
  outcome: AttemptOutcome;
  statusCode: number | null;
  latencyMs: number | null;
  error: string | null;
  body: string;
  createdAt: string;
}

/** What the queue consumer does with the message after an attempt. */
export type WebhookOutcome = { kind: "done" } | { kind: "retry"; delaySeconds: number } | { kind: "dead-letter" };

/**
 * Attempts per delivery. The glance-webhooks consumer in wrangler.toml has max_retries one less,
 * so that retrying the last attempt moves the message to glance-webhooks-dlq (a test checks it).
 */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** Consecutive failed deliveries after which the subscription is disabled. */
export const WEBHOOK_DISABLE_AFTER = 10;
/** Attempts kept in each subscription's delivery log. */
export const WEBHOOK_LOG_SIZE = 50;
/** Subscriptions per project (413 beyond). */
export const WEBHOOK_QUOTA = 100;
/** How long a receiver may take to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Seconds before the next attempt after attempt `n` failed: 15 s, 1 min, 4 min, 16 min, then hourly. */
export function retryDelay(attempt: number): number {
  return Math.min(3600, 15 * 4 ** Math.max(0, attempt - 1));
}

/** Every event type this service emits (glance/notifier.py's vocabulary). */
export const EVENT_TYPES: readonly string[] = [
  ...["create", "update", "delete", "prepare", "upload", "activate", "send"].map((e) => `image.${e}`),
  ...["create", "update", "delete"].map((e) => `image.member.${e}`),
  ...["create", "processing", "success", "failure", "run"].map((e) => `task.${e}`),
  ...["create", "update", "delete", "delete_objects", "delete_properties", "delete_tags"].map((e) => `metadef_namespace.${e}`),
  ...["object", "property", "tag"].flatMap((k) => ["create", "update", "delete"].map((e) => `metadef_${k}.${e}`)),
  "metadef_resource_type.create",
  "metadef_resource_type.delete",
];

/** The prefix a group pattern stands for: `metadef.*` is every `metadef_*` type, `x.*` every `x.` type. */
function groupPrefix(pattern: string): string | null {
  if (pattern === "metadef.*") return "metadef_";
  return pattern.endsWith(".*") ? pattern.slice(0, -1) : null;
}

/** True when `eventType` passes the filter (any pattern matches). */
export function matchesEvents(patterns: readonly string[], eventType: string): boolean {
  return patterns.some((p) => {
    const prefix = groupPrefix(p);
    return prefix === null ? p === eventType : eventType.startsWith(prefix);
  });
}

/** A pattern is an event type this service emits, or a group that covers at least one. */
export function isKnownPattern(pattern: string): boolean {
  const prefix = groupPrefix(pattern);
  if (prefix === null) return EVENT_TYPES.includes(pattern);
  return prefix.length > 1 && EVENT_TYPES.some((t) => t.startsWith(prefix));
}

/** Timestamps as Glance shows them: ISO 8601 to the second, UTC. */
export const isoSeconds = (ts: string) => ts.replace(/\.\d+Z$/, "Z");
