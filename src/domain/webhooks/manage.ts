import type { RequestContext } from "../context";
import { QuotaExceeded, badRequest, forbidden } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { WebhookPolicy, isWebhookVisible, loadWebhook, webhookNotFound } from "./access";
import { DEFAULT_EVENTS, webhookFields } from "./body";
import { WEBHOOK_QUOTA, type Webhook } from "./webhook";

// The subscription resource (/v2/webhooks): each verb authorizes, validates, then writes.

/** A subscription as created: the only time its secret is shown. */
export interface CreatedWebhook {
  hook: Webhook;
  secret: string;
}

/** POST /v2/webhooks: add_webhook, the body (URL filter included), the project's quota, insert. */
export async function createWebhook(services: Services, ctx: RequestContext, readBody: () => Promise<unknown>): Promise<CreatedWebhook> {
  assertMutable(ctx);
  new WebhookPolicy(services, ctx).enforce("add_webhook");
  if (ctx.projectId === null) throw forbidden("A webhook belongs to a project: the caller has none.");
  const fields = webhookFields(await readBody(), services.settings, true);
  const count = await services.webhooks.countByOwner(ctx.projectId);
  if (count >= WEBHOOK_QUOTA) throw new QuotaExceeded(`Maximum number of webhooks exceeded (${WEBHOOK_QUOTA} per project).`, WEBHOOK_QUOTA, count);
  const now = services.now().toISOString();
  const hook: Webhook = {
    id: services.newId(),
    owner: ctx.projectId,
    targetUrl: fields.targetUrl!,
    events: fields.events ?? DEFAULT_EVENTS,
    secret: services.webhookSender.newSecret(),
    enabled: fields.enabled ?? true,
    disabledReason: null,
    failureCount: 0,
    createdAt: now,
    updatedAt: now,
  };
  await services.webhooks.create(hook);
  return { hook, secret: hook.secret };
}

export interface WebhookPage {
  webhooks: Webhook[];
  nextMarker: string | null;
}

/** GET /v2/webhooks: get_webhooks; the caller's project (admin: every project), newest first, limit/marker. */
export async function listWebhooks(services: Services, ctx: RequestContext, params: ReadonlyMap<string, string>): Promise<WebhookPage> {
  new WebhookPolicy(services, ctx).enforce("get_webhooks");
  const raw = params.get("limit");
  let limit = services.settings.limitParamDefault;
  if (raw !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw badRequest("limit param must be an integer");
    limit = Number(raw);
    if (limit < 0) throw badRequest("limit param must be positive");
  }
  limit = Math.min(limit, services.settings.apiLimitMax);
  const markerId = params.get("marker");
  let marker: Webhook | undefined;
  if (markerId) {
    const m = await services.webhooks.get(markerId);
    if (!m || !isWebhookVisible(ctx, m)) throw badRequest(`marker not found: no webhook with ID ${markerId}`);
    marker = m;
  }
  if (limit === 0 || (!ctx.isAdmin && ctx.projectId === null)) return { webhooks: [], nextMarker: null };
  const webhooks = await services.webhooks.list({ owner: ctx.isAdmin ? null : ctx.projectId, limit, marker });
  return { webhooks, nextMarker: webhooks.length === limit ? webhooks[webhooks.length - 1].id : null };
}

/** GET /v2/webhooks/{id}. */
export function getWebhook(services: Services, ctx: RequestContext, id: string): Promise<Webhook> {
  return loadWebhook(services, ctx, id, "get_webhook");
}

/**
 * PATCH /v2/webhooks/{id} (a JSON object of the fields to change): modify_webhook, the fields,
 * save. Enabling again, or pointing it somewhere else, starts the failure count from zero.
 */
export async function updateWebhook(services: Services, ctx: RequestContext, id: string, readBody: () => Promise<unknown>): Promise<Webhook> {
  assertMutable(ctx);
  const hook = await loadWebhook(services, ctx, id, "modify_webhook");
  const fields = webhookFields(await readBody(), services.settings, false);
  const enabled = fields.enabled ?? hook.enabled;
  const fresh = (enabled && !hook.enabled) || (fields.targetUrl !== undefined && fields.targetUrl !== hook.targetUrl);
  const saved = await services.webhooks.save(id, {
    targetUrl: fields.targetUrl ?? hook.targetUrl,
    events: fields.events ?? hook.events,
    enabled,
    disabledReason: enabled === hook.enabled ? hook.disabledReason : null,
    failureCount: fresh ? 0 : hook.failureCount,
    secret: hook.secret,
    updatedAt: services.now().toISOString(),
  });
  if (!saved) throw webhookNotFound(id);
  return saved;
}

/** DELETE /v2/webhooks/{id}: delete_webhook; the delivery log goes with it (pending deliveries are dropped). */
export async function deleteWebhook(services: Services, ctx: RequestContext, id: string): Promise<void> {
  assertMutable(ctx);
  await loadWebhook(services, ctx, id, "delete_webhook");
  if (!(await services.webhooks.delete(id))) throw webhookNotFound(id);
}

/** POST /v2/webhooks/{id}/rotate-secret: modify_webhook; a new secret, shown this once. */
export async function rotateWebhookSecret(services: Services, ctx: RequestContext, id: string): Promise<CreatedWebhook> {
  assertMutable(ctx);
  const hook = await loadWebhook(services, ctx, id, "modify_webhook");
  const secret = services.webhookSender.newSecret();
  const saved = await services.webhooks.save(id, { ...hook, secret, updatedAt: services.now().toISOString() });
  if (!saved) throw webhookNotFound(id);
  return { hook: saved, secret };
}
