import { type SQL, and, asc, eq, inArray, sql } from "drizzle-orm";
import type { MetadefRepository } from "../../domain/metadefs/repository";
import type { AssociationFields, ResourceType, ResourceTypeAssociation } from "../../domain/metadefs/types";
import type { Db } from "../client";
import { metadefNamespaceResourceTypes as assocs, metadefResourceTypes as resourceTypes } from "../schema";
import { type Stamps, attempt } from "./shared";

export type MetadefResourceTypesRepo = Pick<
  MetadefRepository,
  "listResourceTypes" | "getResourceType" | "listAssociations" | "associationsByNamespace" | "createAssociation" | "deleteAssociation"
>;

// D1 binds at most 100 parameters per statement; leave room for the rest of the query.
const IDS_PER_QUERY = 90;

const associationSelect = {
  resourceTypeId: assocs.resourceTypeId,
  namespaceId: assocs.namespaceId,
  name: resourceTypes.name,
  prefix: assocs.prefix,
  propertiesTarget: assocs.propertiesTarget,
  createdAt: assocs.createdAt,
  updatedAt: assocs.updatedAt,
};

/**
 * The two statements that associate a resource type (by name) with a namespace, for a caller's
 * batch: create the type on first use (unprotected), then the association, which looks the type
 * up by name since its id is not known yet. `namespaceId` may likewise be a subquery.
 */
export const associationInserts = (db: Db, namespaceId: number | SQL, a: AssociationFields, stamps: Stamps) =>
  [
    db
      .insert(resourceTypes)
      .values({ name: a.name, protected: false, ...stamps })
      .onConflictDoNothing(),
    db.insert(assocs).values({
      resourceTypeId: sql`(select id from metadef_resource_types where name = ${a.name})`,
      namespaceId,
      prefix: a.prefix,
      propertiesTarget: a.propertiesTarget,
      ...stamps,
    }),
  ] as const;

export function metadefResourceTypes(db: Db): MetadefResourceTypesRepo {
  async function associationsByNamespace(namespaceIds: number[]) {
    const out = new Map<number, ResourceTypeAssociation[]>();
    for (let i = 0; i < namespaceIds.length; i += IDS_PER_QUERY) {
      const rows = await db
        .select(associationSelect)
        .from(assocs)
        .innerJoin(resourceTypes, eq(resourceTypes.id, assocs.resourceTypeId))
        .where(inArray(assocs.namespaceId, namespaceIds.slice(i, i + IDS_PER_QUERY)))
        // The table has no id column: rowid orders associations as they were made.
        .orderBy(sql`${assocs}.rowid`);
      for (const r of rows) out.set(r.namespaceId, [...(out.get(r.namespaceId) ?? []), r]);
    }
    return out;
  }

  return {
    async listResourceTypes(): Promise<ResourceType[]> {
      return db.select().from(resourceTypes).orderBy(asc(resourceTypes.id));
    },

    async getResourceType(name) {
      const [row] = await db.select().from(resourceTypes).where(eq(resourceTypes.name, name));
      return row ?? null;
    },

    async listAssociations(namespaceId) {
      return (await associationsByNamespace([namespaceId])).get(namespaceId) ?? [];
    },

    associationsByNamespace,

    createAssociation(namespaceId, f, now) {
      return attempt(async () => {
        const [ensureType, associate] = associationInserts(db, namespaceId, f, { createdAt: now, updatedAt: now });
        const [, inserted] = await db.batch([ensureType, associate.returning()]);
        const row = inserted[0];
        return row && { ...row, name: f.name };
      });
    },

    async deleteAssociation(namespaceId, resourceTypeId) {
      await db.delete(assocs).where(and(eq(assocs.namespaceId, namespaceId), eq(assocs.resourceTypeId, resourceTypeId)));
    },
  };
}
