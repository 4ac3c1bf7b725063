import type { Context } from "hono";
import { ConfigError, settingsFor } from "../config";
import { createDb } from "../db/client";
import { D1ImageRepository } from "../db/images-repo";
import { D1MetadefRepository } from "../db/metadefs";
import { D1MemberRepository } from "../db/members-repo";
import { D1TaskRepository } from "../db/tasks-repo";
import { D1QuotaUsageRepository } from "../db/usage-repo";
import { DurableObjectCoordinator } from "../durable-objects/coordinator";
import { DurableObjectImportCoordinator } from "../durable-objects/import-coordinator";
import { DurableObjectSessions } from "../durable-objects/session-coordinator";
import { parsePolicyDocument, validateRules } from "../domain/policy/document";
import { PolicyEngine } from "../domain/policy/engine";
import { type PropertyProtections, referencedPolicies } from "../domain/property-protections";
import { DEFAULT_RULES } from "../domain/policy/rules";
import type { Services } from "../domain/services";
import type { AppEnv } from "../env";
import { QueueNotifier } from "../queues/notifier";
import { storesFor } from "../store";

let policyCache: { key: string; engine: PolicyEngine } | null = null;
/**
 * Glance's defaults, overridden rule by rule by the POLICY var/secret (a JSON object or a flat
 * YAML mapping, like Glance's policy.yaml). Invalid documents are a ConfigError naming the problem.
 */
export function policyFor(raw: string | undefined): PolicyEngine {
  const key = raw ?? "";
  if (!policyCache || policyCache.key !== key) {
    try {
      const rules = { ...DEFAULT_RULES, ...parsePolicyDocument(key) };
      validateRules(rules);
      policyCache = { key, engine: new PolicyEngine(rules) };
    } catch (e) {
      throw new ConfigError(`invalid POLICY: ${(e as Error).message}`);
    }
  }
  return policyCache.engine;
}

// A "policies" PROPERTY_PROTECTIONS document may only name rules the policy defines.
const checkedProtections = new WeakMap<PropertyProtections, PolicyEngine>();
function checkProtectionPolicies(p: PropertyProtections | null, engine: PolicyEngine): void {
  if (!p || checkedProtections.get(p) === engine) return;
  const missing = referencedPolicies(p).filter((name) => !engine.has(name));
  if (missing.length) throw new ConfigError(`invalid PROPERTY_PROTECTIONS: policy rule(s) not defined: ${missing.join(", ")}`);
  checkedProtections.set(p, engine);
}

/** Per-request wiring of ports to adapters. */
export function buildServices(c: Context<AppEnv>): Services {
  return servicesForEnv(c.env, (p) => c.executionCtx.waitUntil(p), c.get("requestId") ?? null);
}

/** The same wiring outside a request (queue consumer, Durable Object alarms). */
export function servicesForEnv(env: AppEnv["Bindings"], waitUntil: (p: Promise<unknown>) => void, requestId: string | null): Services {
  const settings = settingsFor(env);
  const policy = policyFor(env.POLICY);
  checkProtectionPolicies(settings.propertyProtections, policy);
  const db = createDb(env.DB);
  return {
    settings,
    policy,
    images: new D1ImageRepository(db),
    metadefs: new D1MetadefRepository(db),
    members: new D1MemberRepository(db),
    tasks: new D1TaskRepository(db),
    quotaUsage: new D1QuotaUsageRepository(db),
    notifier: new QueueNotifier(env.EVENTS, waitUntil, settings.publisherId, requestId),
    coordinator: new DurableObjectCoordinator(env.IMAGE_DO),
    imports: new DurableObjectImportCoordinator(env.IMAGE_DO, env.EVENTS),
    uploadSessions: new DurableObjectSessions(env.IMAGE_DO),
    stores: storesFor(settings, env, waitUntil),
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };
}
