// The edge cache's bookkeeping in D1 (the port: src/domain/cache/ports.ts). Hits and fills are
// single statements (a fill is one batch: the entry and its node), written in the background of
// the download that caused them; the generation guards every update, so bookkeeping that arrives
// after a purge never brings the purged entry back.
import { RpcTarget } from "cloudflare:workers";
import { and, asc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { CacheEntry, CacheFill, CacheListing, ClearTarget, ImageCacheRepository } from "../domain/cache/ports";
import type { Image } from "../domain/images/image";
import type { Db } from "./client";
import { imageCache, imageCacheNodes, images } from "./schema";

type Row = typeof imageCache.$inferSelect;
const entryOf = (r: Row): CacheEntry => ({
  imageId: r.imageId,
  generation: r.generation,
  size: r.size,
  hits: r.hits,
  lastAccessed: r.lastAccessed,
  lastModified: r.lastModified,
  queuedAt: r.queuedAt,
});

export class D1ImageCacheRepository extends RpcTarget implements ImageCacheRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async get(imageId: string): Promise<CacheEntry | null> {
    const [r] = await this.db.select().from(imageCache).where(eq(imageCache.imageId, imageId));
    return r ? entryOf(r) : null;
  }

  async list(): Promise<CacheListing[]> {
    const rows = await this.db
      .select({ entry: imageCache, status: images.status, visibility: images.visibility, osHashValue: images.osHashValue })
      .from(imageCache)
      .leftJoin(images, and(eq(images.id, imageCache.imageId), eq(images.deleted, false)))
      .orderBy(asc(imageCache.imageId));
    return rows.map((r) => ({
      ...entryOf(r.entry),
      image: r.status === null ? null : { status: r.status as Image["status"], visibility: r.visibility as Image["visibility"], osHashValue: r.osHashValue },
    }));
  }

  async queue(imageId: string, generation: string, at: number): Promise<CacheEntry> {
    // Already queued: it keeps its place; already cached: it stays cached (glance queue_image).
    const [r] = await this.db
      .insert(imageCache)
      .values({ imageId, generation, hits: 0, queuedAt: at })
      .onConflictDoUpdate({
        target: imageCache.imageId,
        set: { queuedAt: sql`CASE WHEN ${imageCache.size} IS NULL THEN coalesce(${imageCache.queuedAt}, excluded.queued_at) ELSE NULL END` },
      })
      .returning();
    return entryOf(r);
  }

  async recordHit(imageId: string, generation: string, at: number): Promise<void> {
    await this.db
      .update(imageCache)
      .set({ hits: sql`${imageCache.hits} + 1`, lastAccessed: at })
      .where(and(eq(imageCache.imageId, imageId), eq(imageCache.generation, generation), isNotNull(imageCache.size)));
  }

  async recordFill(f: CacheFill): Promise<void> {
    const filled = { size: f.size, lastModified: f.at, lastAccessed: sql`coalesce(${imageCache.lastAccessed}, ${f.at})`, queuedAt: null };
    const entry = f.create
      ? this.db
          .insert(imageCache)
          .values({ imageId: f.imageId, generation: f.generation, size: f.size, hits: 0, lastAccessed: f.at, lastModified: f.at })
          .onConflictDoUpdate({ target: imageCache.imageId, set: filled, setWhere: eq(imageCache.generation, f.generation) })
      : this.db
          .update(imageCache)
          .set(filled)
          .where(and(eq(imageCache.imageId, f.imageId), eq(imageCache.generation, f.generation)));
    // The node, only while the entry's generation is the fill's (the entry is written first).
    const node = this.db
      .insert(imageCacheNodes)
      .select(
        sql`SELECT ${imageCache.imageId}, ${f.node}, ${imageCache.generation}, ${f.at} FROM ${imageCache}
            WHERE ${imageCache.imageId} = ${f.imageId} AND ${imageCache.generation} = ${f.generation}`,
      )
      .onConflictDoUpdate({
        target: [imageCacheNodes.imageId, imageCacheNodes.node],
        set: { generation: sql`excluded.generation`, filledAt: sql`excluded.filled_at` },
      });
    await this.db.batch([entry, node]);
  }

  async nodes(imageId: string): Promise<string[]> {
    const rows = await this.db
      .select({ node: imageCacheNodes.node })
      .from(imageCacheNodes)
      .innerJoin(imageCache, and(eq(imageCache.imageId, imageCacheNodes.imageId), eq(imageCache.generation, imageCacheNodes.generation)))
      .where(eq(imageCacheNodes.imageId, imageId))
      .orderBy(asc(imageCacheNodes.filledAt), asc(imageCacheNodes.node));
    return rows.map((r) => r.node);
  }

  async remove(imageIds: string[]): Promise<number> {
    let removed = 0;
    // D1 binds at most 100 parameters per statement.
    for (let i = 0; i < imageIds.length; i += 90) {
      const ids = imageIds.slice(i, i + 90);
      const [gone] = await this.db.batch([
        this.db.delete(imageCache).where(inArray(imageCache.imageId, ids)).returning({ id: imageCache.imageId }),
        this.db.delete(imageCacheNodes).where(inArray(imageCacheNodes.imageId, ids)),
      ]);
      removed += gone.length;
    }
    return removed;
  }

  async clear(target: ClearTarget): Promise<number> {
    const which = target === "cache" ? isNotNull(imageCache.size) : target === "queue" ? isNull(imageCache.size) : undefined;
    const gone = await this.db.delete(imageCache).where(which).returning({ id: imageCache.imageId });
    await this.db.delete(imageCacheNodes).where(sql`${imageCacheNodes.imageId} NOT IN (SELECT image_id FROM ${imageCache})`);
    return gone.length;
  }
}
