import { type SQL, and, asc, eq } from "drizzle-orm";
import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { MetadefObject, ObjectFields, PropertyDef } from "../../domain/metadefs/types";
import type { Db } from "../client";
import { metadefObjects as objects } from "../schema";
import { type Stamps, attempt, parseJson } from "./shared";

export type MetadefObjectsRepo = Pick<MetadefRepository, "listObjects" | "getObject" | "createObject" | "updateObject" | "deleteObject">;

const toObject = (r: typeof objects.$inferSelect): MetadefObject => ({
  id: r.id,
  namespaceId: r.namespaceId,
  name: r.name,
  description: r.description,
  required: parseJson<string[]>(r.required, []),
  properties: parseJson<Record<string, PropertyDef>>(r.jsonSchema, {}),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const objectColumns = (f: ObjectFields) => ({
  name: f.name,
  description: f.description,
  required: JSON.stringify(f.required),
  jsonSchema: JSON.stringify(f.properties),
});

/**
 * The insert for several objects of one namespace, for a caller's batch. `namespaceId` may be a
 * subquery: a namespace create inserts its objects in the same batch, before the id is known.
 */
export const insertObjects = (db: Db, namespaceId: number | SQL, list: ObjectFields[], stamps: Stamps) =>
  db.insert(objects).values(list.map((o) => ({ namespaceId, ...objectColumns(o), ...stamps })));

export function metadefObjects(db: Db): MetadefObjectsRepo {
  return {
    async listObjects(namespaceId) {
      return (await db.select().from(objects).where(eq(objects.namespaceId, namespaceId)).orderBy(asc(objects.name))).map(toObject);
    },

    async getObject(namespaceId, name) {
      const [row] = await db.select().from(objects).where(and(eq(objects.namespaceId, namespaceId), eq(objects.name, name)));
      return row ? toObject(row) : null;
    },

    createObject(namespaceId, f, now) {
      return attempt(async () => {
        const [row] = await db.insert(objects).values({ namespaceId, ...objectColumns(f), createdAt: now, updatedAt: now }).returning();
        return toObject(row);
      });
    },

    updateObject(id, f, now) {
      return attempt(async () => {
        const [row] = await db.update(objects).set({ ...objectColumns(f), updatedAt: now }).where(eq(objects.id, id)).returning();
        return row && toObject(row);
      });
    },

    async deleteObject(id) {
      await db.delete(objects).where(eq(objects.id, id));
    },
  };
}
