import { RpcTarget } from "cloudflare:workers";
import { and, count, desc, eq, sql } from "drizzle-orm";
import type { WebhookChanges, WebhookListQuery, WebhookRepository } from "../domain/webhooks/ports";
import type { AttemptOutcome, DeliveryAttempt, Webhook } from "../domain/webhooks/webhook";
import type { Db } from "./client";
import { keyset } from "./keyset";
import { webhookDeliveries, webhooks } from "./schema";

type WebhookRow = typeof webhooks.$inferSelect;
type AttemptRow = typeof webhookDeliveries.$inferSelect;

const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  owner: r.owner,
  targetUrl: r.targetUrl,
  events: JSON.parse(r.events) as string[],
  secret: r.secret,
  enabled: r.enabled,
  disabledReason: r.disabledReason,
  failureCount: r.failureCount,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const toAttempt = (r: AttemptRow): DeliveryAttempt => ({
  webhookId: r.webhookId,
  deliveryId: r.deliveryId,
  redeliveryOf: r.redeliveryOf,
  eventId: r.eventId,
  eventType: r.eventType,
  attempt: r.attempt,
  outcome: r.outcome as AttemptOutcome,
  statusCode: r.statusCode,
  latencyMs: r.latencyMs,
  error: r.error,
  body: r.body,
  createdAt: r.createdAt,
});

const ORDER = {
  created_at: { col: webhooks.createdAt, of: (w: Webhook) => w.createdAt },
  id: { col: webhooks.id, of: (w: Webhook) => w.id },
};

/** Webhook subscriptions and their delivery logs over D1. */
export class D1WebhookRepository extends RpcTarget implements WebhookRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async create(w: Webhook): Promise<void> {
    await this.db.insert(webhooks).values({ ...w, events: JSON.stringify(w.events) });
  }

  async get(id: string): Promise<Webhook | null> {
    const [row] = await this.db.select().from(webhooks).where(eq(webhooks.id, id)).limit(1);
    return row ? toWebhook(row) : null;
  }

  async list(q: WebhookListQuery): Promise<Webhook[]> {
    const { order, after } = keyset(ORDER, ["created_at", "id"], "desc", q.marker);
    const rows = await this.db
      .select()
      .from(webhooks)
      .where(and(q.owner === null ? undefined : eq(webhooks.owner, q.owner), after))
      .orderBy(...order)
      .limit(q.limit);
    return rows.map(toWebhook);
  }

  async countByOwner(owner: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(webhooks).where(eq(webhooks.owner, owner));
    return row?.n ?? 0;
  }

  async listEnabled(owner: string): Promise<Webhook[]> {
    const rows = await this.db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.owner, owner), eq(webhooks.enabled, true)));
    return rows.map(toWebhook);
  }

  async save(id: string, c: WebhookChanges): Promise<Webhook | null> {
    const [row] = await this.db
      .update(webhooks)
      .set({
        targetUrl: c.targetUrl,
        events: JSON.stringify(c.events),
        enabled: c.enabled,
        disabledReason: c.disabledReason,
        failureCount: c.failureCount,
        secret: c.secret,
        updatedAt: c.updatedAt,
      })
      .where(eq(webhooks.id, id))
      .returning();
    return row ? toWebhook(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    const [, gone] = await this.db.batch([
      this.db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id)),
      this.db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id }),
    ]);
    return gone.length > 0;
  }

  async logAttempt(a: DeliveryAttempt, keep: number): Promise<void> {
    const newest = this.db
      .select({ seq: webhookDeliveries.seq })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, a.webhookId))
      .orderBy(desc(webhookDeliveries.seq))
      .limit(1)
      .offset(keep);
    await this.db.batch([
      this.db.insert(webhookDeliveries).values(a),
      this.db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.webhookId, a.webhookId), sql`${webhookDeliveries.seq} <= (${newest})`)),
    ]);
  }

  async attempts(webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, webhookId))
      .orderBy(desc(webhookDeliveries.seq))
      .limit(limit);
    return rows.map(toAttempt);
  }

  async lastAttempt(webhookId: string, deliveryId: string): Promise<DeliveryAttempt | null> {
    const [row] = await this.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.deliveryId, deliveryId)))
      .orderBy(desc(webhookDeliveries.seq))
      .limit(1);
    return row ? toAttempt(row) : null;
  }

  async resetFailures(id: string): Promise<void> {
    await this.db.update(webhooks).set({ failureCount: 0 }).where(eq(webhooks.id, id));
  }

  async countFailure(id: string, at: string, disableAfter: number, reason: string): Promise<Webhook | null> {
    // One statement: the right-hand sides all read the row as it was.
    const reaches = sql`${webhooks.failureCount} + 1 >= ${disableAfter}`;
    const [row] = await this.db
      .update(webhooks)
      .set({
        failureCount: sql`${webhooks.failureCount} + 1`,
        enabled: sql`CASE WHEN ${reaches} THEN 0 ELSE ${webhooks.enabled} END`,
        disabledReason: sql`CASE WHEN ${webhooks.enabled} = 1 AND ${reaches} THEN ${reason} ELSE ${webhooks.disabledReason} END`,
        updatedAt: sql`CASE WHEN ${webhooks.enabled} = 1 AND ${reaches} THEN ${at} ELSE ${webhooks.updatedAt} END`,
      })
      .where(eq(webhooks.id, id))
      .returning();
    return row ? toWebhook(row) : null;
  }
}
