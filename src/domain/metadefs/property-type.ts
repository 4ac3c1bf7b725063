import type { PropertyDef } from "./types";

// Glance passes every property definition through its wsme PropertyType model
// (glance/api/v2/model/metadef_property_type.py) on the way in and out. That fixes the field
// order, keeps only known fields, truncates the numeric bounds to integers and turns `default`
// into a string (5 -> "5", false -> "False"; lists and objects become null). Clients see that
// shape, so we store and serve it too.

const FIELD_ORDER = [
  "type",
  "title",
  "description",
  "operators",
  "default",
  "readonly",
  "minimum",
  "maximum",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "confidential",
  "items",
  "uniqueItems",
  "minItems",
  "maxItems",
  "additionalItems",
] as const;

const TEXT = new Set(["type", "title", "description", "pattern"]);
const INTEGER = new Set(["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"]);
const BOOLEAN = new Set(["readonly", "confidential", "uniqueItems", "additionalItems"]);
const TEXT_LIST = new Set(["operators", "enum"]);

/** Python's str() of a JSON scalar. */
function pyStr(v: string | number | boolean): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

function textList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? pyStr(x) : JSON.stringify(x)));
}

/** The wsme round trip of one property definition (without its name). */
export function normalizePropertyDef(raw: PropertyDef): PropertyDef {
  const out: PropertyDef = {};
  for (const key of FIELD_ORDER) {
    if (!(key in raw)) continue;
    const v = raw[key];
    if (key === "default") {
      out.default = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? pyStr(v) : null;
    } else if (key === "items") {
      if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
      const src = v as Record<string, unknown>;
      const items: Record<string, unknown> = {};
      if (typeof src.type === "string") items.type = src.type;
      const e = textList(src.enum);
      if (e) items.enum = e;
      out.items = items;
    } else if (TEXT.has(key)) {
      if (typeof v === "string") out[key] = v;
    } else if (INTEGER.has(key)) {
      if (typeof v === "number" && Number.isFinite(v)) out[key] = Math.trunc(v);
    } else if (BOOLEAN.has(key)) {
      if (typeof v === "boolean") out[key] = v;
    } else if (TEXT_LIST.has(key)) {
      const list = textList(v);
      if (list) out[key] = list;
    }
  }
  return out;
}

/** The wire form of a property: `name` first when it is shown (single-property views). */
export function propertyView(def: PropertyDef, name?: string): PropertyDef {
  const body = normalizePropertyDef(def);
  return name === undefined ? body : { name, ...body };
}

/** A name -> definition map in wire form (namespace, object and property-list views). */
export function propertyMapView(props: Record<string, PropertyDef>, prefix = ""): Record<string, PropertyDef> {
  const out: Record<string, PropertyDef> = {};
  for (const [name, def] of Object.entries(props)) out[prefix + name] = normalizePropertyDef(def);
  return out;
}
