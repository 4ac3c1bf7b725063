// The JSON Schema subset Glance publishes under /v2/schemas, and the three document shapes it
// builds (glance/schema.py): an entity's full view, its "minimal" view, and list wrappers.

export type JsonType = "string" | "integer" | "number" | "boolean" | "array" | "object" | "null";

/** One property (or nested) schema. Field names are JSON Schema's own, so this is the wire form. */
export interface PropertySchema {
  type?: JsonType | JsonType[];
  description?: string;
  readOnly?: boolean;
  writeOnly?: boolean;
  enum?: (string | null)[];
  pattern?: string;
  format?: string;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  items?: PropertySchema;
  properties?: Record<string, PropertySchema>;
  additionalProperties?: boolean | PropertySchema;
  required?: string[];
  uniqueItems?: boolean;
  minItems?: number;
  default?: unknown;
  allOf?: PropertySchema[];
  $ref?: string;
  /** glanceclient reads this: false marks an operator-defined (schema-image.json) property. */
  is_base?: boolean;
}

export interface Link {
  rel: string;
  href: string;
}

/** A top-level document as served. */
export interface SchemaDocument {
  name: string;
  properties: Record<string, PropertySchema>;
  additionalProperties?: boolean | PropertySchema;
  definitions?: Record<string, PropertySchema>;
  required?: string[];
  links?: Link[];
}

export interface EntityOptions {
  /** `false` (strict) or a schema for extra keys (the image's free-form string properties). */
  additionalProperties?: false | PropertySchema;
  definitions?: Record<string, PropertySchema>;
  required?: string[];
  links?: Link[];
}

/** The full view: always states additionalProperties; empty lists are left out. */
export function entitySchema(name: string, properties: Record<string, PropertySchema>, o: EntityOptions = {}): SchemaDocument {
  const doc: SchemaDocument = { name, properties, additionalProperties: o.additionalProperties ?? false };
  if (o.definitions && Object.keys(o.definitions).length > 0) doc.definitions = o.definitions;
  if (o.required && o.required.length > 0) doc.required = o.required;
  if (o.links && o.links.length > 0) doc.links = o.links;
  return doc;
}

/** The minimal view (members, tasks): no additionalProperties and no links. */
export function minimalSchema(name: string, properties: Record<string, PropertySchema>, o: Omit<EntityOptions, "additionalProperties" | "links"> = {}): SchemaDocument {
  const doc: SchemaDocument = { name, properties };
  if (o.definitions && Object.keys(o.definitions).length > 0) doc.definitions = o.definitions;
  if (o.required && o.required.length > 0) doc.required = o.required;
  return doc;
}

const PAGED_LINKS: Link[] = [
  { rel: "first", href: "{first}" },
  { rel: "next", href: "{next}" },
  { rel: "describedby", href: "{schema}" },
];

export interface CollectionOptions {
  /** Minimal lists carry no paging links (members, tasks). */
  paged?: boolean;
  /** Items keyed by name in an object instead of an array (metadef properties). */
  keyed?: boolean;
}

/**
 * A list document wrapping `item` under the key `name`. The item's definitions move to the top so
 * that its "#/definitions/..." references still resolve from the document root.
 */
export function collectionSchema(name: string, item: SchemaDocument, o: CollectionOptions = {}): SchemaDocument {
  const { definitions, ...itemBody } = item;
  const paged = o.paged ?? true;
  const list: PropertySchema = o.keyed ? { type: "object", additionalProperties: itemBody } : { type: "array", items: itemBody };
  const properties: Record<string, PropertySchema> = paged
    ? { [name]: list, first: { type: "string" }, next: { type: "string" }, schema: { type: "string" } }
    : { [name]: list, schema: { type: "string" } };
  const doc: SchemaDocument = { name, properties, links: paged ? PAGED_LINKS.map((l) => ({ ...l })) : [{ rel: "describedby", href: "{schema}" }] };
  if (definitions) doc.definitions = definitions;
  return doc;
}

/** Glance's UUID pattern (ids of images, tasks; kernel/ramdisk references). */
export const UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";
