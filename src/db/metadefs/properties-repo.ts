import { type SQL, and, asc, eq } from "drizzle-orm";
import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { MetadefProperty, NamespaceContent, PropertyDef } from "../../domain/metadefs/types";
import type { Db } from "../client";
import { metadefProperties as properties } from "../schema";
import { type Stamps, attempt, parseJson } from "./shared";

export type MetadefPropertiesRepo = Pick<MetadefRepository, "listProperties" | "getProperty" | "createProperty" | "updateProperty" | "deleteProperty">;

const toProperty = (r: typeof properties.$inferSelect): MetadefProperty => ({
  id: r.id,
  namespaceId: r.namespaceId,
  name: r.name,
  schema: parseJson<PropertyDef>(r.jsonSchema, {}),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/**
 * The insert for several properties of one namespace, for a caller's batch. `namespaceId` may be
 * a subquery: a namespace create inserts its properties in the same batch, before the id is known.
 */
export const insertProperties = (db: Db, namespaceId: number | SQL, list: NamespaceContent["properties"], stamps: Stamps) =>
  db.insert(properties).values(list.map((p) => ({ namespaceId, name: p.name, jsonSchema: JSON.stringify(p.schema), ...stamps })));

export function metadefProperties(db: Db): MetadefPropertiesRepo {
  return {
    async listProperties(namespaceId) {
      return (await db.select().from(properties).where(eq(properties.namespaceId, namespaceId)).orderBy(asc(properties.name))).map(toProperty);
    },

    async getProperty(namespaceId, name) {
      const [row] = await db.select().from(properties).where(and(eq(properties.namespaceId, namespaceId), eq(properties.name, name)));
      return row ? toProperty(row) : null;
    },

    createProperty(namespaceId, name, schema, now) {
      return attempt(async () => {
        const [row] = await db.insert(properties).values({ namespaceId, name, jsonSchema: JSON.stringify(schema), createdAt: now, updatedAt: now }).returning();
        return toProperty(row);
      });
    },

    updateProperty(id, name, schema, now) {
      return attempt(async () => {
        const [row] = await db.update(properties).set({ name, jsonSchema: JSON.stringify(schema), updatedAt: now }).where(eq(properties.id, id)).returning();
        return row && toProperty(row);
      });
    },

    async deleteProperty(id) {
      await db.delete(properties).where(eq(properties.id, id));
    },
  };
}
