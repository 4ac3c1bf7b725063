// The POLICY var/secret → a PolicyEngine, parsed once per isolate (like settingsFor in config.ts).
import { ConfigError } from "./config";
import { parsePolicyDocument, validateRules } from "./domain/policy/document";
import { PolicyEngine } from "./domain/policy/engine";
import { DEFAULT_RULES } from "./domain/policy/rules";
import { type PropertyProtections, referencedPolicies } from "./domain/property-protections";

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
export function checkProtectionPolicies(p: PropertyProtections | null, engine: PolicyEngine): void {
  if (!p || checkedProtections.get(p) === engine) return;
  const missing = referencedPolicies(p).filter((name) => !engine.has(name));
  if (missing.length) throw new ConfigError(`invalid PROPERTY_PROTECTIONS: policy rule(s) not defined: ${missing.join(", ")}`);
  checkedProtections.set(p, engine);
}
