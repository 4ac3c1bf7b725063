import { badRequest } from "../errors";

// A JSON-Schema subset validator for request bodies (glance/schema.py Schema.validate runs
// python-jsonschema). Messages follow jsonschema's wording with Python reprs, prefixed the way
// Glance prefixes them, so a 400 reads the same as the real server's first line.

export interface Rule {
  type?: string | string[];
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  required?: string[];
  properties?: Record<string, Rule>;
  additionalProperties?: boolean | Rule;
  items?: Rule;
  minItems?: number;
  uniqueItems?: boolean;
  $ref?: string;
  allOf?: Rule[];
  definitions?: Record<string, Rule>;
}

/** Python's repr() of a JSON value, as jsonschema prints instances. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(", ")}}`;
}

function typeOk(v: unknown, t: string): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "null":
      return v === null;
    default:
      return true;
  }
}

const codePoints = (s: string) => [...s].length;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export interface Violation {
  message: string;
  /** Where in the instance: keys and array indexes from the root. */
  path: (string | number)[];
}

/** The first violation of `rule` by `v` (jsonschema wording), or null. */
export function firstError(v: unknown, rule: Rule): string | null {
  return firstViolation(v, rule)?.message ?? null;
}

/** The first violation with its location in `v`, or null. */
export function firstViolation(v: unknown, rule: Rule, root: Rule = rule, path: (string | number)[] = []): Violation | null {
  const at = (message: string): Violation => ({ message, path });
  if (rule.$ref) {
    const name = rule.$ref.replace(/^#\/definitions\//, "");
    const target = root.definitions?.[name];
    if (target) {
      const e = firstViolation(v, target, root, path);
      if (e) return e;
    }
  }
  for (const sub of rule.allOf ?? []) {
    const e = firstViolation(v, sub, root, path);
    if (e) return e;
  }
  if (rule.type !== undefined) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type];
    if (!types.some((t) => typeOk(v, t))) return at(`${pyRepr(v)} is not of type ${types.map((t) => `'${t}'`).join(", ")}`);
  }
  if (rule.enum && !rule.enum.some((x) => x === v)) return at(`${pyRepr(v)} is not one of ${pyRepr(rule.enum)}`);
  if (typeof v === "string") {
    if (rule.maxLength !== undefined && codePoints(v) > rule.maxLength) return at(`${pyRepr(v)} is too long`);
    if (rule.minLength !== undefined && codePoints(v) < rule.minLength) return at(`${pyRepr(v)} is too short`);
  }
  if (typeof v === "number") {
    if (rule.minimum !== undefined && v < rule.minimum) return at(`${pyRepr(v)} is less than the minimum of ${rule.minimum}`);
    if (rule.maximum !== undefined && v > rule.maximum) return at(`${pyRepr(v)} is greater than the maximum of ${rule.maximum}`);
  }
  if (Array.isArray(v)) {
    if (rule.minItems !== undefined && v.length < rule.minItems) return at(`${pyRepr(v)} is too short`);
    if (rule.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) return at(`${pyRepr(v)} has non-unique elements`);
    if (rule.items) {
      for (const [i, item] of v.entries()) {
        const e = firstViolation(item, rule.items, root, [...path, i]);
        if (e) return e;
      }
    }
  }
  if (isObject(v)) {
    for (const name of rule.required ?? []) if (!(name in v)) return at(`${pyRepr(name)} is a required property`);
    const known = rule.properties ?? {};
    if (rule.additionalProperties === false) {
      const extra = Object.keys(v).filter((k) => !(k in known));
      if (extra.length === 1) return at(`Additional properties are not allowed (${pyRepr(extra[0])} was unexpected)`);
      if (extra.length > 1) return at(`Additional properties are not allowed (${extra.map(pyRepr).join(", ")} were unexpected)`);
    }
    for (const [k, x] of Object.entries(v)) {
      const sub = k in known ? known[k] : typeof rule.additionalProperties === "object" ? rule.additionalProperties : undefined;
      if (!sub) continue;
      const e = firstViolation(x, sub, root, [...path, k]);
      if (e) return e;
    }
  }
  return null;
}

/** Throws a BadRequest "Provided object does not match schema '<name>': <why>". */
export function validate(schemaName: string, v: unknown, rule: Rule): void {
  const e = firstError(v, rule);
  if (e) throw badRequest(`Provided object does not match schema '${schemaName}': ${e}`);
}
