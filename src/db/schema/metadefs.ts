import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// The metadata definitions catalog, mirroring glance/db/sqlalchemy/models_metadef.py: integer
// ids, names unique per namespace, JSON-schema fragments as text. Timestamps are ISO-8601 UTC
// strings; updated_at is null for rows written by the loader (as glance-manage leaves it).

export const metadefNamespaces = sqliteTable(
  "metadef_namespaces",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    namespace: text().notNull(),
    displayName: text(),
    description: text(),
    visibility: text(),
    protected: integer({ mode: "boolean" }),
    owner: text().notNull(),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [
    uniqueIndex("uq_metadef_namespaces_namespace").on(t.namespace),
    index("ix_metadef_namespaces_owner").on(t.owner),
    index("ix_metadef_namespaces_created").on(t.createdAt, t.id),
  ],
);

export const metadefObjects = sqliteTable(
  "metadef_objects",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    namespaceId: integer()
      .notNull()
      .references(() => metadefNamespaces.id),
    name: text().notNull(),
    description: text(),
    // JSON array of property names (Glance keeps a comma-joined string; JSON survives commas).
    required: text(),
    // name -> property definition (JSON object).
    jsonSchema: text().notNull().default("{}"),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [uniqueIndex("uq_metadef_objects_namespace_id_name").on(t.namespaceId, t.name), index("ix_metadef_objects_name").on(t.name)],
);

export const metadefProperties = sqliteTable(
  "metadef_properties",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    namespaceId: integer()
      .notNull()
      .references(() => metadefNamespaces.id),
    name: text().notNull(),
    jsonSchema: text().notNull().default("{}"),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [uniqueIndex("uq_metadef_properties_namespace_id_name").on(t.namespaceId, t.name), index("ix_metadef_properties_name").on(t.name)],
);

export const metadefResourceTypes = sqliteTable(
  "metadef_resource_types",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    name: text().notNull(),
    // Seeded by the loader ("system" types in Glance); the API never deletes resource types.
    protected: integer({ mode: "boolean" }).notNull().default(false),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [uniqueIndex("uq_metadef_resource_types_name").on(t.name)],
);

export const metadefNamespaceResourceTypes = sqliteTable(
  "metadef_namespace_resource_types",
  {
    resourceTypeId: integer()
      .notNull()
      .references(() => metadefResourceTypes.id),
    namespaceId: integer()
      .notNull()
      .references(() => metadefNamespaces.id),
    propertiesTarget: text(),
    prefix: text(),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [primaryKey({ columns: [t.resourceTypeId, t.namespaceId] }), index("ix_metadef_ns_res_types_namespace_id").on(t.namespaceId)],
);

export const metadefTags = sqliteTable(
  "metadef_tags",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    namespaceId: integer()
      .notNull()
      .references(() => metadefNamespaces.id),
    name: text().notNull(),
    createdAt: text().notNull(),
    updatedAt: text(),
  },
  (t) => [uniqueIndex("uq_metadef_tags_namespace_id_name").on(t.namespaceId, t.name), index("ix_metadef_tags_name").on(t.name)],
);
