import { and, eq, exists, inArray, ne, sql } from "drizzle-orm";
import type { Image, ImageStatus } from "../domain/images/image";
import type { Db } from "./client";
import { imageColumns, newVersion } from "./image-rows";
import { D1ImageRepository } from "./images-repo";
import { imageLocations, imageProperties, images } from "./schema";

/** One atomic change an import (or staging, or delete-from-store) makes to an image. */
export interface ImageChange {
  /** Only if the status is one of these (compare-and-swap); any live status otherwise. */
  from?: readonly ImageStatus[];
  to?: ImageStatus;
  fields?: Partial<Image>;
  /** Extra properties to set, and to remove. */
  set?: Record<string, string>;
  unset?: string[];
  /** A location for this store, written once: an active location of the store is kept as is. */
  addLocation?: { store: string; key: string };
  /** Stores whose active locations end (their objects are removed by the caller). */
  removeLocations?: string[];
}

/**
 * The writes of src/durable-objects/import-lock.ts: each change is one D1 batch whose first
 * statement is a conditional update of the image row that bumps its version, and whose other
 * statements only run if that update happened (guarded on the new version). A concurrent
 * metadata save (PATCH) then fails its own compare-and-swap and re-reads, so it never writes back
 * stale os_glance_* properties.
 */
export class D1ImportRepository {
  private readonly images: D1ImageRepository;

  constructor(private readonly db: Db) {
    this.images = new D1ImageRepository(db);
  }

  get(id: string): Promise<Image | null> {
    return this.images.get(id);
  }

  /** The changed image, or null when it was not live (or not in `from`). */
  async change(id: string, c: ImageChange): Promise<Image | null> {
    const version = newVersion();
    const at = c.fields?.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const guard = () => exists(this.db.select({ one: sql`1` }).from(images).where(and(eq(images.id, id), eq(images.version, version))));
    const where = [eq(images.id, id), eq(images.deleted, false)];
    if (c.from) where.push(inArray(images.status, [...c.from]));
    const cols = imageColumns({ ...c.fields, updatedAt: at });
    if (c.to) cols.status = c.to;
    const statements = [];
    for (const name of c.unset ?? []) {
      statements.push(this.db.delete(imageProperties).where(and(eq(imageProperties.imageId, id), eq(imageProperties.name, name), guard())));
    }
    for (const [name, value] of Object.entries(c.set ?? {})) {
      statements.push(
        this.db
          .insert(imageProperties)
          .select(sql`SELECT ${id}, ${name}, ${value} WHERE ${guard()}`)
          .onConflictDoUpdate({ target: [imageProperties.imageId, imageProperties.name], set: { value } }),
      );
    }
    if (c.removeLocations?.length) {
      statements.push(
        this.db
          .update(imageLocations)
          .set({ status: "deleted", updatedAt: at })
          .where(and(eq(imageLocations.imageId, id), inArray(imageLocations.store, c.removeLocations), eq(imageLocations.status, "active"), guard())),
      );
    }
    if (c.addLocation) {
      const { store, key } = c.addLocation;
      statements.push(
        this.db
          .insert(imageLocations)
          .select(sql`SELECT ${id}, ${store}, ${key}, 'active', ${at}, ${at} WHERE ${guard()}`)
          .onConflictDoUpdate({
            target: [imageLocations.imageId, imageLocations.store],
            set: { key, status: "active", updatedAt: at },
            setWhere: ne(imageLocations.status, "active"),
          }),
      );
    }
    const [rows] = await this.db.batch([
      this.db
        .update(images)
        .set({ ...cols, version })
        .where(and(...where))
        .returning({ id: images.id }),
      ...statements,
    ]);
    if (rows.length === 0) return null;
    return this.images.getAny(id);
  }

  /** The object key of the store's active location, or null. */
  async locationKey(id: string, store: string): Promise<string | null> {
    const [r] = await this.db
      .select({ key: imageLocations.key })
      .from(imageLocations)
      .where(and(eq(imageLocations.imageId, id), eq(imageLocations.store, store), eq(imageLocations.status, "active")));
    return r?.key ?? null;
  }
}
