import { type SQL, and, eq, sql } from "drizzle-orm";
import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { MetadefTag, TagSortKey } from "../../domain/metadefs/types";
import type { Db } from "../client";
import { type SortColumn, keyset, withTieBreakers } from "../keyset";
import { metadefTags as tags } from "../schema";
import { type Stamps, attempt } from "./shared";

export type MetadefTagsRepo = Pick<MetadefRepository, "listTags" | "getTag" | "createTag" | "createTags" | "updateTag" | "deleteTag">;

// updated_at is nullable: coalesce so the keyset comparison never meets NULL.
const TAG_SORT: Record<TagSortKey, SortColumn<MetadefTag>> = {
  created_at: { col: tags.createdAt, of: (t) => t.createdAt },
  updated_at: { col: sql`coalesce(${tags.updatedAt}, '')`, of: (t) => t.updatedAt ?? "" },
  name: { col: tags.name, of: (t) => t.name },
  id: { col: tags.id, of: (t) => t.id },
};

/**
 * The insert for several tags of one namespace, for a caller's batch. `namespaceId` may be a
 * subquery: a namespace create inserts its tags in the same batch, before the id is known.
 */
export const insertTags = (db: Db, namespaceId: number | SQL, names: string[], stamps: Stamps) =>
  db.insert(tags).values(names.map((name) => ({ namespaceId, name, ...stamps })));

export function metadefTags(db: Db): MetadefTagsRepo {
  return {
    async listTags(namespaceId, q) {
      if (q.limit === 0) return [];
      const { order, after } = keyset(TAG_SORT, withTieBreakers(q.sortKey), q.sortDir, q.marker);
      const query = db
        .select()
        .from(tags)
        .where(and(eq(tags.namespaceId, namespaceId), after))
        .orderBy(...order);
      return q.limit === undefined ? query : query.limit(q.limit);
    },

    async getTag(namespaceId, name) {
      const [row] = await db.select().from(tags).where(and(eq(tags.namespaceId, namespaceId), eq(tags.name, name)));
      return row ?? null;
    },

    createTag(namespaceId, name, now) {
      return attempt(async () => (await db.insert(tags).values({ namespaceId, name, createdAt: now, updatedAt: now }).returning())[0]);
    },

    createTags(namespaceId, names, append, now) {
      return attempt(async () => {
        const insert = insertTags(db, namespaceId, names, { createdAt: now, updatedAt: now }).returning();
        if (append) return insert;
        // Replace: delete and insert in one batch, so a duplicate in `names` leaves the old tags in place.
        const [, inserted] = await db.batch([db.delete(tags).where(eq(tags.namespaceId, namespaceId)), insert]);
        return inserted;
      });
    },

    updateTag(id, name, now) {
      return attempt(async () => (await db.update(tags).set({ name, updatedAt: now }).where(eq(tags.id, id)).returning())[0]);
    },

    async deleteTag(id) {
      await db.delete(tags).where(eq(tags.id, id));
    },
  };
}
