// Property protections (glance/common/property_utils.py): an INI document whose sections are
// regular expressions over extra-property names, each giving who may create/read/update/delete
// matching properties, as role lists ("roles" format) or one policy rule name ("policies").
// The first section whose pattern matches (in document order) decides; no match = denied.
// Unreadable properties are omitted from responses; other denied operations are 403.
import type { RequestContext } from "./context";
import { forbidden } from "./errors";
import type { PolicyEngine } from "./policy/engine";

export const PROTECTED_OPERATIONS = ["create", "read", "update", "delete"] as const;
export type PropertyOperation = (typeof PROTECTED_OPERATIONS)[number];
export type RuleFormat = "roles" | "policies";

export interface PropertyRule {
  /** The section name as written (a regular expression, searched anywhere in the name). */
  pattern: string;
  re: RegExp;
  /** Lower-cased roles, or one policy rule name; "@" = everyone, "!" = nobody, [] = nobody. */
  ops: Record<PropertyOperation, string[]>;
}

export interface PropertyProtections {
  format: RuleFormat;
  rules: PropertyRule[];
}

export class PropertyProtectionError extends Error {}

// Upstream Glance puts a deny-all section for its reserved os_glance_* namespace in front of the
// operator's rules; service bookkeeping writes them without going through protections.
const RESERVED: PropertyRule = {
  pattern: "^os_glance",
  re: /^os_glance/,
  ops: { create: ["!"], read: ["!"], update: ["!"], delete: ["!"] },
};

/**
 * Parses the document the way Glance reads property_protection_file (configparser): `[section]`
 * headers, `key = value` or `key: value`, `#`/`;` comments, option names case-insensitive,
 * `[DEFAULT]` values inherited. Every problem Glance refuses to start with is an error here.
 */
export function parsePropertyProtections(text: string, format: RuleFormat): PropertyProtections {
  const sections: { name: string; values: Map<string, string> }[] = [];
  const defaults = new Map<string, string>();
  let current: Map<string, string> | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const at = `line ${i + 1}`;
    if (/^\s*([#;].*)?$/.test(line)) continue;
    if (/^\s/.test(line)) throw new PropertyProtectionError(`${at}: continuation lines are not supported`);
    const header = /^\[(.*)\]\s*$/.exec(line);
    if (header) {
      const name = header[1];
      if (name === "DEFAULT") {
        current = defaults;
        continue;
      }
      if (sections.some((s) => s.name === name)) throw new PropertyProtectionError(`${at}: section [${name}] appears twice`);
      current = new Map();
      sections.push({ name, values: current });
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!kv) throw new PropertyProtectionError(`${at}: expected "operation = value"`);
    if (!current) throw new PropertyProtectionError(`${at}: "${kv[1]}" is outside any [section]`);
    const key = kv[1].toLowerCase();
    if (current.has(key)) throw new PropertyProtectionError(`${at}: "${key}" is set twice in one section`);
    current.set(key, kv[2]);
  }

  const rules: PropertyRule[] = [RESERVED];
  for (const { name, values } of sections) {
    let re: RegExp;
    try {
      re = new RegExp(name);
    } catch (e) {
      throw new PropertyProtectionError(`section [${name}] is not a valid regular expression: ${(e as Error).message}`);
    }
    const ops = {} as Record<PropertyOperation, string[]>;
    for (const op of PROTECTED_OPERATIONS) {
      const raw = values.get(op) ?? defaults.get(op);
      if (raw === undefined) throw new PropertyProtectionError(`section [${name}] has no "${op}" (all of create, read, update, delete are required)`);
      ops[op] = permissions(name, op, raw, format);
    }
    rules.push({ pattern: name, re, ops });
  }
  return { format, rules };
}

function permissions(section: string, op: string, raw: string, format: RuleFormat): string[] {
  if (raw === "") return [];
  if (format === "policies") {
    if (raw.includes(",")) {
      throw new PropertyProtectionError(`[${section}] ${op}: only one policy per operation ("${raw}"); combine rules in the POLICY document`);
    }
    return [raw.trim()];
  }
  const roles = raw.split(",").map((r) => r.trim().toLowerCase());
  if (roles.includes("@") && roles.includes("!")) {
    throw new PropertyProtectionError(`[${section}] ${op}=${raw}: "@" and "!" are mutually exclusive`);
  }
  return roles.filter(Boolean);
}

/** Policy rule names a "policies" document refers to (validated against the POLICY rules at start). */
export function referencedPolicies(p: PropertyProtections): string[] {
  if (p.format !== "policies") return [];
  const names = new Set<string>();
  for (const r of p.rules) for (const op of PROTECTED_OPERATIONS) for (const v of r.ops[op]) if (v !== "@" && v !== "!") names.add(v);
  return [...names];
}

/** glance PropertyRules.check_property_rules. No document = everything allowed. */
export function propertyAllowed(
  protections: PropertyProtections | null,
  engine: PolicyEngine,
  ctx: RequestContext,
  name: string,
  op: PropertyOperation,
): boolean {
  if (!protections) return true;
  const rule = protections.rules.find((r) => r.re.test(name));
  if (!rule) return false;
  const allowed = rule.ops[op];
  if (allowed.length === 0 || allowed.includes("!")) return false;
  if (allowed.includes("@")) return true;
  if (protections.format === "policies") return engine.checkExpression(`rule:${allowed[0]}`, ctx, {});
  return allowed.some((role) => ctx.roles.includes(role));
}

/** A predicate for serializers: which extra properties the caller may see. */
export function readableBy(protections: PropertyProtections | null, engine: PolicyEngine, ctx: RequestContext): (name: string) => boolean {
  if (!protections) return () => true;
  const cache = new Map<string, boolean>();
  return (name) => {
    let v = cache.get(name);
    if (v === undefined) cache.set(name, (v = propertyAllowed(protections, engine, ctx, name, "read")));
    return v;
  };
}

/** Throws Glance's 403 for a denied create/update/delete of an extra property. */
export function assertPropertyAllowed(
  protections: PropertyProtections | null,
  engine: PolicyEngine,
  ctx: RequestContext,
  name: string,
  op: Exclude<PropertyOperation, "read">,
): void {
  if (!propertyAllowed(protections, engine, ctx, name, op)) throw forbidden(`Attribute '${name}' is reserved.`);
}
