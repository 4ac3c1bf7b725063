import { type PropertySchema, type SchemaDocument, collectionSchema, entitySchema } from "./json-schema";
import { metadefDefinitions, metadefPropertyFields, scalarDefinitions } from "./metadef-definitions";

// Metadata-definition documents (glance/api/v2/metadef_*.py get_schema/get_collection_schema),
// all in the full view with additionalProperties false.

const timestamp = (description: string): PropertySchema => ({ type: "string", readOnly: true, description, format: "date-time" });
const readOnlyString: PropertySchema = { readOnly: true, type: "string" };

/** GET /v2/schemas/metadefs/namespace. */
export function namespaceSchema(): SchemaDocument {
  const properties: Record<string, PropertySchema> = {
    namespace: { type: "string", description: "Unique name of the namespace", maxLength: 80 },
    display_name: { type: "string", description: "Name of the namespace shown to people", maxLength: 80 },
    description: { type: "string", description: "What the namespace is for", maxLength: 500 },
    visibility: { type: "string", description: "Who can see the namespace", enum: ["public", "private"] },
    protected: { type: "boolean", description: "When true the namespace cannot be deleted" },
    owner: { type: "string", description: "Project owning the namespace", maxLength: 255 },
    created_at: timestamp("When the namespace was created"),
    updated_at: timestamp("When the namespace last changed"),
    schema: { ...readOnlyString },
    self: { ...readOnlyString },
    resource_type_associations: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, prefix: { type: "string" }, properties_target: { type: "string" } },
      },
    },
    properties: { $ref: "#/definitions/property" },
    objects: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          description: { type: "string" },
          required: { $ref: "#/definitions/stringArray" },
          properties: { $ref: "#/definitions/property" },
        },
      },
    },
    tags: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
  };
  return entitySchema("namespace", properties, { definitions: metadefDefinitions(), required: ["namespace"] });
}

/** GET /v2/schemas/metadefs/object. */
export function objectSchema(): SchemaDocument {
  const properties: Record<string, PropertySchema> = {
    name: { type: "string", maxLength: 80 },
    description: { type: "string" },
    required: { $ref: "#/definitions/stringArray" },
    properties: { $ref: "#/definitions/property" },
    schema: { ...readOnlyString },
    self: { ...readOnlyString },
    created_at: timestamp("When the object was created"),
    updated_at: timestamp("When the object last changed"),
  };
  return entitySchema("object", properties, { definitions: metadefDefinitions(), required: ["name"] });
}

/** GET /v2/schemas/metadefs/property: a standalone property also needs its name. */
export function propertySchema(requireName = true): SchemaDocument {
  return entitySchema("property", metadefPropertyFields(), {
    definitions: scalarDefinitions(1),
    required: requireName ? ["type", "title", "name"] : ["type", "title"],
  });
}

/** GET /v2/schemas/metadefs/resource_type (the association of a resource type to a namespace). */
export function resourceTypeSchema(): SchemaDocument {
  const properties: Record<string, PropertySchema> = {
    name: { type: "string", description: "Resource type name, ideally the matching Heat resource type (e.g. OS::Glance::Image)", maxLength: 80 },
    prefix: { type: "string", description: "Prefix, separator included (e.g. 'hw:'), that property names get on this resource type", maxLength: 80 },
    properties_target: {
      type: "string",
      description: "Which key/value set of the resource the properties apply to, where it has several (e.g. image vs. volume metadata)",
      maxLength: 80,
    },
    created_at: timestamp("When the association was created"),
    updated_at: timestamp("When the association last changed"),
  };
  return entitySchema("resource_type_association", properties, { required: ["name"] });
}

/** GET /v2/schemas/metadefs/tag. */
export function tagSchema(): SchemaDocument {
  const properties: Record<string, PropertySchema> = {
    name: { type: "string", maxLength: 80 },
    created_at: timestamp("When the tag was created"),
    updated_at: timestamp("When the tag last changed"),
  };
  return entitySchema("tag", properties, { required: ["name"] });
}

export const namespacesSchema = () => collectionSchema("namespaces", namespaceSchema());
export const objectsSchema = () => collectionSchema("objects", objectSchema());
// Properties are listed as a name -> property map, so the name is not required inside an entry.
export const propertiesSchema = () => collectionSchema("properties", propertySchema(false), { keyed: true });
export const resourceTypesSchema = () => collectionSchema("resource_type_associations", resourceTypeSchema());
export const tagsSchema = () => collectionSchema("tags", tagSchema());
