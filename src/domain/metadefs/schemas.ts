import { badRequest, forbidden } from "../errors";
import { type Rule, validate } from "./validate";

// What request bodies must look like: the documents of glance/api/v2/metadef_*.py get_schema(),
// tightened where Glance's wsme models then reject the value with a 500 (enum values and item
// types must be strings, embedded entries need their name, unknown keys inside entries).

const VALUE_TYPES = ["array", "boolean", "integer", "number", "object", "string", null];
const stringList: Rule = { type: "array", items: { type: "string" } };

function propertyFields(extra: Record<string, Rule> = {}): Record<string, Rule> {
  return {
    name: { type: "string", maxLength: 80 },
    title: { type: "string" },
    description: { type: "string" },
    operators: stringList,
    type: { type: "string", enum: VALUE_TYPES },
    required: { $ref: "#/definitions/stringArray" },
    minimum: { type: "number" },
    maximum: { type: "number" },
    maxLength: { $ref: "#/definitions/positiveInteger" },
    minLength: { $ref: "#/definitions/positiveIntegerDefault0" },
    pattern: { type: "string" },
    enum: stringList,
    readonly: { type: "boolean" },
    default: {},
    items: {
      type: "object",
      properties: { type: { type: "string", enum: VALUE_TYPES }, enum: stringList },
      additionalProperties: false,
    },
    maxItems: { $ref: "#/definitions/positiveInteger" },
    minItems: { $ref: "#/definitions/positiveIntegerDefault0" },
    uniqueItems: { type: "boolean" },
    additionalItems: { type: "boolean" },
    ...extra,
  };
}

function definitions(stringArrayMinItems?: number): Record<string, Rule> {
  return {
    positiveInteger: { type: "integer", minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: "#/definitions/positiveInteger" }] },
    stringArray: { type: "array", items: { type: "string" }, uniqueItems: true, ...(stringArrayMinItems ? { minItems: stringArrayMinItems } : {}) },
    // Namespaces and objects embed a name -> definition map; wsme also knows "confidential" there.
    property: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["title", "type"],
        properties: propertyFields({ confidential: { type: "boolean" } }),
        additionalProperties: false,
      },
    },
  };
}

const ro = { type: "string" };
// Embedded entries may carry what a GET showed (clients PUT back what they read: glanceclient's
// md-namespace-update does); Glance's own document leaves them unchecked.
const stamps = { created_at: ro, updated_at: ro };
const named = (props: Record<string, Rule>): Rule => ({ type: "object", required: ["name"], properties: { ...props, ...stamps }, additionalProperties: false });

export const NAMESPACE_RULE: Rule = {
  type: "object",
  required: ["namespace"],
  additionalProperties: false,
  definitions: definitions(),
  properties: {
    namespace: { type: "string", maxLength: 80 },
    display_name: { type: "string", maxLength: 80 },
    description: { type: "string", maxLength: 500 },
    visibility: { type: "string", enum: ["public", "private"] },
    protected: { type: "boolean" },
    owner: { type: "string", maxLength: 255 },
    created_at: ro,
    updated_at: ro,
    schema: ro,
    self: ro,
    resource_type_associations: {
      type: "array",
      items: named({ name: { type: "string", maxLength: 80 }, prefix: { type: "string", maxLength: 80 }, properties_target: { type: "string", maxLength: 80 } }),
    },
    properties: { $ref: "#/definitions/property" },
    objects: {
      type: "array",
      items: named({
        name: { type: "string", maxLength: 80 },
        description: { type: "string" },
        required: { $ref: "#/definitions/stringArray" },
        properties: { $ref: "#/definitions/property" },
        self: ro,
        schema: ro,
      }),
    },
    tags: { type: "array", items: named({ name: { type: "string", maxLength: 80 } }) },
  },
};

export const OBJECT_RULE: Rule = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  definitions: definitions(),
  properties: {
    name: { type: "string", maxLength: 80 },
    description: { type: "string" },
    required: { $ref: "#/definitions/stringArray" },
    properties: { $ref: "#/definitions/property" },
    created_at: ro,
    updated_at: ro,
    schema: ro,
    self: ro,
  },
};

/** A standalone property (POST/PUT .../properties); inside objects the name is the map key. */
export function propertyRule(requireName: boolean): Rule {
  return {
    type: "object",
    required: requireName ? ["type", "title", "name"] : ["type", "title"],
    additionalProperties: false,
    definitions: definitions(1),
    properties: propertyFields(),
  };
}

export const TAG_RULE: Rule = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: { name: { type: "string", maxLength: 80 }, created_at: ro, updated_at: ro },
};

export const TAGS_RULE: Rule = {
  type: "object",
  required: ["tags"],
  additionalProperties: false,
  properties: {
    tags: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string", maxLength: 80 } }, additionalProperties: false } },
  },
};

export const ASSOCIATION_RULE: Rule = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", maxLength: 80 },
    prefix: { type: "string", maxLength: 80 },
    properties_target: { type: "string", maxLength: 80 },
    created_at: ro,
    updated_at: ro,
  },
};

const ENTITY_READ_ONLY = ["self", "schema", "created_at", "updated_at"];
const CHILD_READ_ONLY = ["created_at", "updated_at"];

/**
 * The deserializer checks of glance/api/v2/metadef_*.py: a body is required, server-set
 * attributes are 403 read-only, then the schema (400).
 */
export function checkBody(schemaName: "namespace" | "object" | "property" | "tag" | "tags" | "resource_type_association", body: unknown, rule: Rule): Record<string, unknown> {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const readOnly = schemaName === "namespace" || schemaName === "object" ? ENTITY_READ_ONLY : CHILD_READ_ONLY;
    for (const key of readOnly) if (key in body) throw forbidden(`Attribute '${key}' is read-only.`);
  }
  validate(schemaName, body, rule);
  return body as Record<string, unknown>;
}
