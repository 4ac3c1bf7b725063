import { Hono } from "hono";
import { listDeliveries, redeliverWebhook } from "../../domain/webhooks/deliveries";
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateWebhookSecret, updateWebhook } from "../../domain/webhooks/manage";
import { type DeliveryAttempt, type Webhook, isoSeconds } from "../../domain/webhooks/webhook";
import type { AppEnv } from "../../env";
import { absoluteUrl } from "../links";
import { readJson } from "../request-body";

// /v2/webhooks (not Glance's; README "Webhooks"): HTTP mapping only, the rules are in
// src/domain/webhooks/.

function serializeWebhook(w: Webhook): Record<string, unknown> {
  return {
    id: w.id,
    target_url: w.targetUrl,
    events: w.events,
    enabled: w.enabled,
    owner: w.owner,
    disabled_reason: w.disabledReason,
    failure_count: w.failureCount,
    created_at: isoSeconds(w.createdAt),
    updated_at: isoSeconds(w.updatedAt),
    self: `/v2/webhooks/${w.id}`,
    schema: "/v2/schemas/webhook",
  };
}

function serializeAttempt(a: DeliveryAttempt): Record<string, unknown> {
  return {
    delivery_id: a.deliveryId,
    redelivery_of: a.redeliveryOf,
    event_id: a.eventId,
    event_type: a.eventType,
    attempt: a.attempt,
    outcome: a.outcome,
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    error: a.error,
    created_at: a.createdAt,
  };
}

export const webhooksRoutes = new Hono<AppEnv>();

webhooksRoutes.post("/", async (c) => {
  const services = c.get("services");
  const { hook, secret } = await createWebhook(services, c.get("ctx"), () => readJson(c));
  c.header("Location", absoluteUrl(c, services.settings.publicEndpoint, `/v2/webhooks/${hook.id}`));
  return c.json({ ...serializeWebhook(hook), secret }, 201);
});

webhooksRoutes.get("/", async (c) => {
  const params = [...new URL(c.req.url).searchParams.entries()];
  const page = await listWebhooks(c.get("services"), c.get("ctx"), new Map(params));
  const query = new URLSearchParams([...new Map(params.filter(([k]) => k !== "marker"))]);
  const body: Record<string, unknown> = { webhooks: page.webhooks.map(serializeWebhook), first: `/v2/webhooks${query.size ? `?${query}` : ""}`, schema: "/v2/schemas/webhooks" };
  if (page.nextMarker) {
    query.append("marker", page.nextMarker);
    body.next = `/v2/webhooks?${query}`;
  }
  return c.json(body);
});

webhooksRoutes.get("/:id", async (c) => c.json(serializeWebhook(await getWebhook(c.get("services"), c.get("ctx"), c.req.param("id")))));

webhooksRoutes.patch("/:id", async (c) => {
  const saved = await updateWebhook(c.get("services"), c.get("ctx"), c.req.param("id"), () => readJson(c));
  return c.json(serializeWebhook(saved));
});

webhooksRoutes.delete("/:id", async (c) => {
  await deleteWebhook(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.body(null, 204);
});

webhooksRoutes.post("/:id/rotate-secret", async (c) => {
  const { hook, secret } = await rotateWebhookSecret(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.json({ ...serializeWebhook(hook), secret });
});

webhooksRoutes.get("/:id/deliveries", async (c) => {
  const attempts = await listDeliveries(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.json({ deliveries: attempts.map(serializeAttempt) });
});

webhooksRoutes.post("/:id/deliveries/:delivery/redeliver", async (c) => {
  const job = await redeliverWebhook(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("delivery"));
  return c.json({ webhook_id: job.webhookId, delivery_id: job.deliveryId, redelivery_of: job.redeliveryOf, event_id: job.event.message_id }, 202);
});
