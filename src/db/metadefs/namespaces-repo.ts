import { type SQL, and, eq, inArray, or, sql } from "drizzle-orm";
import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { MetadefNamespace, NamespaceSortKey } from "../../domain/metadefs/types";
import type { Db } from "../client";
import { type SortColumn, keyset, withTieBreakers } from "../keyset";
import {
  metadefNamespaceResourceTypes as assocs,
  metadefNamespaces as namespaces,
  metadefObjects as objects,
  metadefProperties as properties,
  metadefResourceTypes as resourceTypes,
  metadefTags as tags,
} from "../schema";
import { insertObjects } from "./objects-repo";
import { insertProperties } from "./properties-repo";
import { associationInserts } from "./resource-types-repo";
import { attempt, writeFailure } from "./shared";
import { insertTags } from "./tags-repo";

export type MetadefNamespacesRepo = Pick<
  MetadefRepository,
  "getNamespace" | "listNamespaces" | "createNamespace" | "updateNamespace" | "deleteNamespace" | "deleteNamespaceContent"
>;

const toNamespace = (r: typeof namespaces.$inferSelect): MetadefNamespace => ({
  ...r,
  visibility: r.visibility === "public" ? "public" : "private",
  protected: r.protected ?? false,
});

// Nullable columns are coalesced to the value toNamespace shows, so the keyset never meets NULL.
const NAMESPACE_SORT: Record<NamespaceSortKey, SortColumn<MetadefNamespace>> = {
  created_at: { col: namespaces.createdAt, of: (n) => n.createdAt },
  updated_at: { col: sql`coalesce(${namespaces.updatedAt}, '')`, of: (n) => n.updatedAt ?? "" },
  namespace: { col: namespaces.namespace, of: (n) => n.namespace },
  display_name: { col: sql`coalesce(${namespaces.displayName}, '')`, of: (n) => n.displayName ?? "" },
  owner: { col: namespaces.owner, of: (n) => n.owner },
  visibility: { col: sql`coalesce(${namespaces.visibility}, 'private')`, of: (n) => n.visibility },
  protected: { col: sql`coalesce(${namespaces.protected}, 0)`, of: (n) => (n.protected ? 1 : 0) },
  id: { col: namespaces.id, of: (n) => n.id },
};

export function metadefNamespaces(db: Db): MetadefNamespacesRepo {
  return {
    async getNamespace(name) {
      const [row] = await db.select().from(namespaces).where(eq(namespaces.namespace, name));
      return row ? toNamespace(row) : null;
    },

    async listNamespaces(q) {
      if (q.limit === 0 || (q.resourceTypes && q.resourceTypes.length === 0)) return [];
      const where: (SQL | undefined)[] = [];
      if (!q.viewer.isAdmin) {
        where.push(q.viewer.projectId === null ? eq(namespaces.visibility, "public") : or(eq(namespaces.owner, q.viewer.projectId), eq(namespaces.visibility, "public")));
      }
      if (q.visibility) where.push(eq(namespaces.visibility, q.visibility));
      if (q.resourceTypes) {
        const ids = db
          .select({ id: assocs.namespaceId })
          .from(assocs)
          .innerJoin(resourceTypes, eq(resourceTypes.id, assocs.resourceTypeId))
          .where(inArray(resourceTypes.name, q.resourceTypes));
        where.push(inArray(namespaces.id, ids));
      }
      const { order, after } = keyset(NAMESPACE_SORT, withTieBreakers(q.sortKey), q.sortDir, q.marker);
      where.push(after);
      const rows = await db
        .select()
        .from(namespaces)
        .where(and(...where))
        .orderBy(...order)
        .limit(q.limit);
      return rows.map(toNamespace);
    },

    async createNamespace(f, content) {
      // The embedded rows go in the same batch as the namespace, so they refer to it by a subquery.
      const nsId = sql`(select id from metadef_namespaces where namespace = ${f.namespace})`;
      const stamps = { createdAt: f.createdAt, updatedAt: f.updatedAt };
      const writes = [];
      for (const a of content.associations) writes.push(...associationInserts(db, nsId, a, stamps));
      // drizzle rejects an insert of zero rows, hence the guards.
      if (content.objects.length) writes.push(insertObjects(db, nsId, content.objects, stamps));
      if (content.properties.length) writes.push(insertProperties(db, nsId, content.properties, stamps));
      if (content.tags.length) writes.push(insertTags(db, nsId, content.tags, stamps));
      try {
        const [inserted] = await db.batch([db.insert(namespaces).values(f).returning(), ...writes]);
        return toNamespace(inserted[0]);
      } catch (e) {
        writeFailure(e); // rethrows anything that is not a constraint violation
        // The port knows only "duplicate" here: the namespace name, or a name repeated in the content.
        return "duplicate" as const;
      }
    },

    updateNamespace(id, f) {
      return attempt(async () => {
        const [row] = await db.update(namespaces).set(f).where(eq(namespaces.id, id)).returning();
        return row && toNamespace(row);
      });
    },

    async deleteNamespace(id) {
      // Children first, in one batch: the foreign keys do not cascade.
      await db.batch([
        db.delete(tags).where(eq(tags.namespaceId, id)),
        db.delete(objects).where(eq(objects.namespaceId, id)),
        db.delete(properties).where(eq(properties.namespaceId, id)),
        db.delete(assocs).where(eq(assocs.namespaceId, id)),
        db.delete(namespaces).where(eq(namespaces.id, id)),
      ]);
    },

    async deleteNamespaceContent(id, what) {
      const table = { objects, properties, tags }[what];
      await db.delete(table).where(eq(table.namespaceId, id));
    },
  };
}
