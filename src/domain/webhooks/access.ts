import type { RequestContext } from "../context";
import { forbidden, notFound } from "../errors";
import type { Target } from "../policy/engine";
import type { Services } from "../services";
import type { Webhook } from "./webhook";

/** Admin sees every project's subscriptions; anyone else only their project's (the rest is 404). */
export function isWebhookVisible(ctx: RequestContext, hook: Webhook): boolean {
  return ctx.isAdmin || (ctx.projectId !== null && hook.owner === ctx.projectId);
}

export const webhookNotFound = (id: string) => notFound(`No webhook found with ID ${id}`);

/**
 * The webhook rules (rules.ts: add/get/get_webhooks/modify/delete_webhook), the target being the
 * subscription's project, or the caller's when there is none yet. As for images, a caller who may
 * not even `get_webhook` gets 404, not 403.
 */
export class WebhookPolicy {
  private readonly target: Target;
  constructor(
    private readonly services: Pick<Services, "policy">,
    private readonly ctx: RequestContext,
    hook?: Webhook,
  ) {
    this.target = { project_id: hook ? hook.owner : ctx.projectId, owner: hook ? hook.owner : ctx.projectId };
  }

  can(rule: string): boolean {
    return this.services.policy.check(rule, this.ctx, this.target);
  }

  enforce(rule: string, id?: string): void {
    if (this.can(rule)) return;
    if (id !== undefined && (rule === "get_webhook" || !this.can("get_webhook"))) throw webhookNotFound(id);
    throw forbidden(`You are not authorized to complete ${rule} action.`);
  }
}

/** Loads a subscription the caller may see and passes `rule` (get_webhook first): 404 otherwise. */
export async function loadWebhook(services: Services, ctx: RequestContext, id: string, rule: string): Promise<Webhook> {
  const hook = await services.webhooks.get(id);
  if (!hook || !isWebhookVisible(ctx, hook)) throw webhookNotFound(id);
  const policy = new WebhookPolicy(services, ctx, hook);
  policy.enforce("get_webhook", id);
  policy.enforce(rule, id);
  return hook;
}
