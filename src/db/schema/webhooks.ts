import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Webhook subscriptions (README "Webhooks") and their delivery logs. Timestamps are ISO-8601 UTC
// strings with milliseconds, so text order is time order. `events` is a JSON array. The secret
// is stored as given out: signing needs it (it is never shown again after create/rotate).
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text().primaryKey(),
    owner: text().notNull(),
    targetUrl: text().notNull(),
    events: text().notNull(),
    secret: text().notNull(),
    enabled: integer({ mode: "boolean" }).notNull().default(true),
    disabledReason: text(),
    failureCount: integer().notNull().default(0),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
  },
  (t) => [
    // GET /v2/webhooks (newest first), one project or all (admin); the fan-out of each notification.
    index("ix_webhooks_owner_created").on(t.owner, t.createdAt, t.id),
    index("ix_webhooks_created").on(t.createdAt, t.id),
  ],
);

// One row per attempt; the newest 50 per subscription are kept. `body` is the notification as
// sent, for manual redelivery.
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    seq: integer().primaryKey({ autoIncrement: true }),
    webhookId: text().notNull(),
    deliveryId: text().notNull(),
    redeliveryOf: text(),
    eventId: text().notNull(),
    eventType: text().notNull(),
    attempt: integer().notNull(),
    outcome: text().notNull(),
    statusCode: integer(),
    latencyMs: integer(),
    error: text(),
    body: text().notNull(),
    createdAt: text().notNull(),
  },
  (t) => [index("ix_webhook_deliveries_webhook").on(t.webhookId, t.seq), index("ix_webhook_deliveries_delivery").on(t.webhookId, t.deliveryId, t.seq)],
);
