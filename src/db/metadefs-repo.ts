import { type SQL, and, asc, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { MetadefRepository } from "../domain/metadefs/repository";
import type {
  AssociationFields,
  MetadefNamespace,
  MetadefObject,
  MetadefProperty,
  MetadefTag,
  NamespaceContent,
  NamespaceFields,
  NamespaceListQuery,
  NamespaceSortKey,
  ObjectFields,
  PropertyDef,
  ResourceType,
  ResourceTypeAssociation,
  TagListQuery,
  TagSortKey,
} from "../domain/metadefs/types";
import type { Db } from "./client";
import { metadefNamespaceResourceTypes as assocs, metadefNamespaces as namespaces, metadefObjects as objects, metadefProperties as properties, metadefResourceTypes as resourceTypes, metadefTags as tags } from "./schema";

type Failure = "duplicate" | "gone";

/** Maps a constraint failure to what it means for the caller; rethrows anything else. */
function failure(e: unknown): Failure {
  const text = `${(e as Error)?.message ?? e} ${String((e as Error)?.cause ?? "")}`;
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(text)) return "duplicate";
  if (/FOREIGN KEY constraint failed|NOT NULL constraint failed/i.test(text)) return "gone";
  throw e;
}

async function attempt<T>(write: () => Promise<T | undefined>): Promise<T | Failure> {
  try {
    return (await write()) ?? "gone";
  } catch (e) {
    return failure(e);
  }
}

const parse = <T>(text: string | null, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

const toNamespace = (r: typeof namespaces.$inferSelect): MetadefNamespace => ({
  ...r,
  visibility: r.visibility === "public" ? "public" : "private",
  protected: r.protected ?? false,
});
const toObject = (r: typeof objects.$inferSelect): MetadefObject => ({
  id: r.id,
  namespaceId: r.namespaceId,
  name: r.name,
  description: r.description,
  required: parse<string[]>(r.required, []),
  properties: parse<Record<string, PropertyDef>>(r.jsonSchema, {}),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});
const toProperty = (r: typeof properties.$inferSelect): MetadefProperty => ({
  id: r.id,
  namespaceId: r.namespaceId,
  name: r.name,
  schema: parse<PropertyDef>(r.jsonSchema, {}),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});
const objectColumns = (f: ObjectFields) => ({
  name: f.name,
  description: f.description,
  required: JSON.stringify(f.required),
  jsonSchema: JSON.stringify(f.properties),
});

const associationSelect = {
  resourceTypeId: assocs.resourceTypeId,
  namespaceId: assocs.namespaceId,
  name: resourceTypes.name,
  prefix: assocs.prefix,
  propertiesTarget: assocs.propertiesTarget,
  createdAt: assocs.createdAt,
  updatedAt: assocs.updatedAt,
};

/** ORDER BY and the keyset condition "after the marker" for a list of sort columns. */
function keyset(cols: { col: SQLiteColumn | SQL; value: unknown }[], dir: "asc" | "desc", withMarker: boolean) {
  const order = cols.map((c) => (dir === "asc" ? asc(c.col) : desc(c.col)));
  if (!withMarker) return { order, after: undefined };
  const cmp = dir === "asc" ? sql`>` : sql`<`;
  const ors: SQL[] = cols.map((c, i) => {
    const eqs = cols.slice(0, i).map((p) => sql`${p.col} = ${p.value}`);
    return sql.join([...eqs, sql`${c.col} ${cmp} ${c.value}`], sql` and `);
  });
  return { order, after: sql`(${sql.join(ors.map((o) => sql`(${o})`), sql` or `)})` };
}

const NAMESPACE_SORT: Record<NamespaceSortKey, { col: SQLiteColumn | SQL; of: (n: MetadefNamespace) => unknown }> = {
  created_at: { col: namespaces.createdAt, of: (n) => n.createdAt },
  updated_at: { col: sql`coalesce(${namespaces.updatedAt}, '')`, of: (n) => n.updatedAt ?? "" },
  namespace: { col: namespaces.namespace, of: (n) => n.namespace },
  display_name: { col: sql`coalesce(${namespaces.displayName}, '')`, of: (n) => n.displayName ?? "" },
  owner: { col: namespaces.owner, of: (n) => n.owner },
  visibility: { col: sql`coalesce(${namespaces.visibility}, 'private')`, of: (n) => n.visibility },
  protected: { col: sql`coalesce(${namespaces.protected}, 0)`, of: (n) => (n.protected ? 1 : 0) },
  id: { col: namespaces.id, of: (n) => n.id },
};

const TAG_SORT: Record<TagSortKey, { col: SQLiteColumn | SQL; of: (t: MetadefTag) => unknown }> = {
  created_at: { col: tags.createdAt, of: (t) => t.createdAt },
  updated_at: { col: sql`coalesce(${tags.updatedAt}, '')`, of: (t) => t.updatedAt ?? "" },
  name: { col: tags.name, of: (t) => t.name },
  id: { col: tags.id, of: (t) => t.id },
};

/** Glance's paginate_query keys: the requested one, then created_at and id as tie-breakers. */
const sortKeys = <K extends string>(key: K) => [...new Set([key, "created_at", "id"])] as K[];

export class D1MetadefRepository implements MetadefRepository {
  constructor(private readonly db: Db) {}

  async getNamespace(name: string) {
    const [row] = await this.db.select().from(namespaces).where(eq(namespaces.namespace, name));
    return row ? toNamespace(row) : null;
  }

  async listNamespaces(q: NamespaceListQuery) {
    if (q.limit === 0 || (q.resourceTypes && q.resourceTypes.length === 0)) return [];
    const where: (SQL | undefined)[] = [];
    if (!q.viewer.isAdmin) {
      where.push(q.viewer.projectId === null ? eq(namespaces.visibility, "public") : or(eq(namespaces.owner, q.viewer.projectId), eq(namespaces.visibility, "public")));
    }
    if (q.visibility) where.push(eq(namespaces.visibility, q.visibility));
    if (q.resourceTypes) {
      const ids = this.db
        .select({ id: assocs.namespaceId })
        .from(assocs)
        .innerJoin(resourceTypes, eq(resourceTypes.id, assocs.resourceTypeId))
        .where(inArray(resourceTypes.name, q.resourceTypes));
      where.push(inArray(namespaces.id, ids));
    }
    const cols = sortKeys(q.sortKey).map((k) => ({ col: NAMESPACE_SORT[k].col, value: q.marker ? NAMESPACE_SORT[k].of(q.marker) : null }));
    const { order, after } = keyset(cols, q.sortDir, q.marker !== undefined);
    where.push(after);
    const rows = await this.db
      .select()
      .from(namespaces)
      .where(and(...where))
      .orderBy(...order)
      .limit(q.limit);
    return rows.map(toNamespace);
  }

  async createNamespace(f: NamespaceFields, content: NamespaceContent) {
    const nsId = sql`(select id from metadef_namespaces where namespace = ${f.namespace})`;
    const stamps = { createdAt: f.createdAt, updatedAt: f.updatedAt };
    const writes = [];
    for (const a of content.associations) {
      writes.push(this.db.insert(resourceTypes).values({ name: a.name, protected: false, ...stamps }).onConflictDoNothing());
      writes.push(
        this.db.insert(assocs).values({
          resourceTypeId: sql`(select id from metadef_resource_types where name = ${a.name})`,
          namespaceId: nsId,
          prefix: a.prefix,
          propertiesTarget: a.propertiesTarget,
          ...stamps,
        }),
      );
    }
    if (content.objects.length) writes.push(this.db.insert(objects).values(content.objects.map((o) => ({ namespaceId: nsId, ...objectColumns(o), ...stamps }))));
    if (content.properties.length) {
      writes.push(this.db.insert(properties).values(content.properties.map((p) => ({ namespaceId: nsId, name: p.name, jsonSchema: JSON.stringify(p.schema), ...stamps }))));
    }
    if (content.tags.length) writes.push(this.db.insert(tags).values(content.tags.map((name) => ({ namespaceId: nsId, name, ...stamps }))));
    try {
      const [inserted] = await this.db.batch([this.db.insert(namespaces).values(f).returning(), ...writes]);
      return toNamespace(inserted[0]);
    } catch (e) {
      failure(e);
      return "duplicate" as const;
    }
  }

  updateNamespace(id: number, f: Omit<NamespaceFields, "createdAt">) {
    return attempt(async () => {
      const [row] = await this.db.update(namespaces).set(f).where(eq(namespaces.id, id)).returning();
      return row && toNamespace(row);
    });
  }

  async deleteNamespace(id: number) {
    await this.db.batch([
      this.db.delete(tags).where(eq(tags.namespaceId, id)),
      this.db.delete(objects).where(eq(objects.namespaceId, id)),
      this.db.delete(properties).where(eq(properties.namespaceId, id)),
      this.db.delete(assocs).where(eq(assocs.namespaceId, id)),
      this.db.delete(namespaces).where(eq(namespaces.id, id)),
    ]);
  }

  async deleteNamespaceContent(id: number, what: "objects" | "properties" | "tags") {
    const table = { objects, properties, tags }[what];
    await this.db.delete(table).where(eq(table.namespaceId, id));
  }

  // ---- objects
  async listObjects(namespaceId: number) {
    return (await this.db.select().from(objects).where(eq(objects.namespaceId, namespaceId)).orderBy(asc(objects.name))).map(toObject);
  }

  async getObject(namespaceId: number, name: string) {
    const [row] = await this.db.select().from(objects).where(and(eq(objects.namespaceId, namespaceId), eq(objects.name, name)));
    return row ? toObject(row) : null;
  }

  createObject(namespaceId: number, f: ObjectFields, now: string) {
    return attempt(async () => {
      const [row] = await this.db.insert(objects).values({ namespaceId, ...objectColumns(f), createdAt: now, updatedAt: now }).returning();
      return toObject(row);
    });
  }

  updateObject(id: number, f: ObjectFields, now: string) {
    return attempt(async () => {
      const [row] = await this.db.update(objects).set({ ...objectColumns(f), updatedAt: now }).where(eq(objects.id, id)).returning();
      return row && toObject(row);
    });
  }

  async deleteObject(id: number) {
    await this.db.delete(objects).where(eq(objects.id, id));
  }

  // ---- properties
  async listProperties(namespaceId: number) {
    return (await this.db.select().from(properties).where(eq(properties.namespaceId, namespaceId)).orderBy(asc(properties.name))).map(toProperty);
  }

  async getProperty(namespaceId: number, name: string) {
    const [row] = await this.db.select().from(properties).where(and(eq(properties.namespaceId, namespaceId), eq(properties.name, name)));
    return row ? toProperty(row) : null;
  }

  createProperty(namespaceId: number, name: string, schema: PropertyDef, now: string) {
    return attempt(async () => {
      const [row] = await this.db.insert(properties).values({ namespaceId, name, jsonSchema: JSON.stringify(schema), createdAt: now, updatedAt: now }).returning();
      return toProperty(row);
    });
  }

  updateProperty(id: number, name: string, schema: PropertyDef, now: string) {
    return attempt(async () => {
      const [row] = await this.db.update(properties).set({ name, jsonSchema: JSON.stringify(schema), updatedAt: now }).where(eq(properties.id, id)).returning();
      return row && toProperty(row);
    });
  }

  async deleteProperty(id: number) {
    await this.db.delete(properties).where(eq(properties.id, id));
  }

  // ---- tags
  async listTags(namespaceId: number, q: TagListQuery) {
    if (q.limit === 0) return [];
    const cols = sortKeys(q.sortKey).map((k) => ({ col: TAG_SORT[k].col, value: q.marker ? TAG_SORT[k].of(q.marker) : null }));
    const { order, after } = keyset(cols, q.sortDir, q.marker !== undefined);
    const query = this.db
      .select()
      .from(tags)
      .where(and(eq(tags.namespaceId, namespaceId), after))
      .orderBy(...order);
    return q.limit === undefined ? query : query.limit(q.limit);
  }

  async getTag(namespaceId: number, name: string) {
    const [row] = await this.db.select().from(tags).where(and(eq(tags.namespaceId, namespaceId), eq(tags.name, name)));
    return row ?? null;
  }

  createTag(namespaceId: number, name: string, now: string) {
    return attempt(async () => (await this.db.insert(tags).values({ namespaceId, name, createdAt: now, updatedAt: now }).returning())[0]);
  }

  createTags(namespaceId: number, names: string[], append: boolean, now: string) {
    return attempt(async () => {
      const insert = this.db
        .insert(tags)
        .values(names.map((name) => ({ namespaceId, name, createdAt: now, updatedAt: now })))
        .returning();
      if (append) return insert;
      const [, inserted] = await this.db.batch([this.db.delete(tags).where(eq(tags.namespaceId, namespaceId)), insert]);
      return inserted;
    });
  }

  updateTag(id: number, name: string, now: string) {
    return attempt(async () => (await this.db.update(tags).set({ name, updatedAt: now }).where(eq(tags.id, id)).returning())[0]);
  }

  async deleteTag(id: number) {
    await this.db.delete(tags).where(eq(tags.id, id));
  }

  // ---- resource types and associations
  async listResourceTypes(): Promise<ResourceType[]> {
    return this.db.select().from(resourceTypes).orderBy(asc(resourceTypes.id));
  }

  async getResourceType(name: string) {
    const [row] = await this.db.select().from(resourceTypes).where(eq(resourceTypes.name, name));
    return row ?? null;
  }

  async listAssociations(namespaceId: number): Promise<ResourceTypeAssociation[]> {
    return (await this.associationsByNamespace([namespaceId])).get(namespaceId) ?? [];
  }

  async associationsByNamespace(namespaceIds: number[]) {
    const out = new Map<number, ResourceTypeAssociation[]>();
    // D1 binds at most 100 parameters per statement.
    for (let i = 0; i < namespaceIds.length; i += 90) {
      const rows = await this.db
        .select(associationSelect)
        .from(assocs)
        .innerJoin(resourceTypes, eq(resourceTypes.id, assocs.resourceTypeId))
        .where(inArray(assocs.namespaceId, namespaceIds.slice(i, i + 90)))
        .orderBy(sql`${assocs}.rowid`);
      for (const r of rows) out.set(r.namespaceId, [...(out.get(r.namespaceId) ?? []), r]);
    }
    return out;
  }

  createAssociation(namespaceId: number, f: AssociationFields, now: string) {
    return attempt(async () => {
      const [, inserted] = await this.db.batch([
        this.db.insert(resourceTypes).values({ name: f.name, protected: false, createdAt: now, updatedAt: now }).onConflictDoNothing(),
        this.db
          .insert(assocs)
          .values({
            resourceTypeId: sql`(select id from metadef_resource_types where name = ${f.name})`,
            namespaceId,
            prefix: f.prefix,
            propertiesTarget: f.propertiesTarget,
            createdAt: now,
            updatedAt: now,
          })
          .returning(),
      ]);
      const row = inserted[0];
      return row && { ...row, name: f.name };
    });
  }

  async deleteAssociation(namespaceId: number, resourceTypeId: number) {
    await this.db.delete(assocs).where(and(eq(assocs.namespaceId, namespaceId), eq(assocs.resourceTypeId, resourceTypeId)));
  }
}
