import type { PropertySchema } from "./json-schema";

// The shared "definitions" of the metadata-definition documents
// (glance/api/v2/metadef_namespaces.py get_schema_definitions): a metadef property is itself a
// small JSON-Schema fragment, so its fields describe schema keywords.

const VALUE_TYPES: (string | null)[] = ["array", "boolean", "integer", "number", "object", "string", null];

/** Fields of one metadef property (also the properties of /v2/schemas/metadefs/property). */
export function metadefPropertyFields(): Record<string, PropertySchema> {
  return {
    name: { type: "string", maxLength: 80 },
    title: { type: "string" },
    description: { type: "string" },
    operators: { type: "array", items: { type: "string" } },
    type: { type: "string", enum: [...VALUE_TYPES] },
    required: { $ref: "#/definitions/stringArray" },
    minimum: { type: "number" },
    maximum: { type: "number" },
    maxLength: { $ref: "#/definitions/positiveInteger" },
    minLength: { $ref: "#/definitions/positiveIntegerDefault0" },
    pattern: { type: "string", format: "regex" },
    enum: { type: "array" },
    readonly: { type: "boolean" },
    default: {},
    items: {
      type: "object",
      properties: {
        type: { type: "string", enum: [...VALUE_TYPES] },
        enum: { type: "array" },
      },
    },
    maxItems: { $ref: "#/definitions/positiveInteger" },
    minItems: { $ref: "#/definitions/positiveIntegerDefault0" },
    uniqueItems: { type: "boolean", default: false },
    additionalItems: { type: "boolean" },
  };
}

/** Numeric helpers and the string list; the property document's own list needs one item. */
export function scalarDefinitions(stringArrayMinItems?: number): Record<string, PropertySchema> {
  const stringArray: PropertySchema = { type: "array", items: { type: "string" } };
  if (stringArrayMinItems !== undefined) stringArray.minItems = stringArrayMinItems;
  stringArray.uniqueItems = true;
  return {
    positiveInteger: { type: "integer", minimum: 0 },
    positiveIntegerDefault0: { allOf: [{ $ref: "#/definitions/positiveInteger" }, { default: 0 }] },
    stringArray,
  };
}

/** Definitions of namespace and object documents: the above plus a name -> property map. */
export function metadefDefinitions(): Record<string, PropertySchema> {
  return {
    ...scalarDefinitions(),
    property: {
      type: "object",
      additionalProperties: { type: "object", required: ["title", "type"], properties: metadefPropertyFields() },
    },
  };
}
