import { type SQL, and, asc, eq, inArray as inList, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Image, ImageStatus, Visibility } from "../domain/images/image";
import type { ImageLocation } from "../domain/images/state-repository";
import type { Db } from "./client";
import { imageLocations, imageProperties, imageTags, images } from "./schema";

export type ImageRow = typeof images.$inferSelect;

/** Turns image rows into domain images, fetching properties, tags and stores in one batch. */
export async function hydrate(db: Db, rows: ImageRow[]): Promise<Image[]> {
  if (rows.length === 0) return [];
  // One bound JSON array instead of one variable per id: D1 allows 100 variables per statement.
  const ids = JSON.stringify(rows.map((r) => r.id));
  const inArray = (col: SQLiteColumn, list: string): SQL => sql`${col} IN (SELECT value FROM json_each(${list}))`;
  const [props, tags, locs] = await db.batch([
    db.select().from(imageProperties).where(inArray(imageProperties.imageId, ids)),
    db.select().from(imageTags).where(inArray(imageTags.imageId, ids)),
    db
      .select({ imageId: imageLocations.imageId, store: imageLocations.store, status: imageLocations.status })
      .from(imageLocations)
      .where(inArray(imageLocations.imageId, ids)),
  ]);
  const byId = new Map<string, Image>();
  const out = rows.map((r) => {
    const image = rowToImage(r);
    byId.set(r.id, image);
    return image;
  });
  for (const p of props) byId.get(p.imageId)!.properties[p.name] = p.value;
  for (const t of tags) byId.get(t.imageId)!.tags.push(t.value);
  for (const l of locs) if (l.status === "active") byId.get(l.imageId)!.stores.push(l.store);
  return out;
}

/**
 * One image by id, row and properties, tags and stores in a single batch (one D1 round trip).
 * `liveOnly` leaves soft-deleted rows out.
 */
export async function loadOne(db: Db, id: string, liveOnly: boolean): Promise<Image | null> {
  const where = liveOnly ? and(eq(images.id, id), eq(images.deleted, false)) : eq(images.id, id);
  const [rows, props, tags, locs] = await db.batch([
    db.select().from(images).where(where),
    db.select().from(imageProperties).where(eq(imageProperties.imageId, id)),
    db.select().from(imageTags).where(eq(imageTags.imageId, id)),
    db
      .select({ imageId: imageLocations.imageId, store: imageLocations.store, status: imageLocations.status })
      .from(imageLocations)
      .where(eq(imageLocations.imageId, id)),
  ]);
  if (rows.length === 0) return null;
  const image = rowToImage(rows[0]);
  for (const p of props) image.properties[p.name] = p.value;
  for (const t of tags) image.tags.push(t.value);
  for (const l of locs) if (l.status === "active") image.stores.push(l.store);
  return image;
}

export function rowToImage(r: ImageRow): Image {
  return {
    id: r.id,
    name: r.name,
    status: r.status as ImageStatus,
    visibility: r.visibility as Visibility,
    protected: r.protected,
    osHidden: r.osHidden,
    owner: r.owner,
    containerFormat: r.containerFormat,
    diskFormat: r.diskFormat,
    minDisk: r.minDisk,
    minRam: r.minRam,
    size: r.size,
    virtualSize: r.virtualSize,
    checksum: r.checksum,
    osHashAlgo: r.osHashAlgo,
    osHashValue: r.osHashValue,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    deleted: r.deleted,
    deletedAt: r.deletedAt,
    properties: {},
    tags: [],
    stores: [],
    version: r.version,
  };
}

/** Domain fields that live in image columns (for updates). */
export function imageColumns(i: Partial<Image>): Partial<typeof images.$inferInsert> {
  const c: Partial<typeof images.$inferInsert> = {};
  const map: [keyof Image, keyof typeof images.$inferInsert][] = [
    ["name", "name"],
    ["status", "status"],
    ["visibility", "visibility"],
    ["protected", "protected"],
    ["osHidden", "osHidden"],
    ["owner", "owner"],
    ["containerFormat", "containerFormat"],
    ["diskFormat", "diskFormat"],
    ["minDisk", "minDisk"],
    ["minRam", "minRam"],
    ["size", "size"],
    ["virtualSize", "virtualSize"],
    ["checksum", "checksum"],
    ["osHashAlgo", "osHashAlgo"],
    ["osHashValue", "osHashValue"],
    ["createdAt", "createdAt"],
    ["updatedAt", "updatedAt"],
    ["deleted", "deleted"],
    ["deletedAt", "deletedAt"],
  ];
  for (const [from, to] of map) if (from in i) (c as Record<string, unknown>)[to] = i[from];
  return c;
}

/** A fresh opaque version: random, so a guard on it identifies exactly one write. */
export const newVersion = () => 1 + Math.floor(Math.random() * 2 ** 52);

/** An image's locations (deleted images included) in the given statuses, oldest first. */
export function locationsIn(db: Db, imageId: string, statuses: readonly string[]): Promise<ImageLocation[]> {
  return db
    .select({ store: imageLocations.store, key: imageLocations.key })
    .from(imageLocations)
    .where(and(eq(imageLocations.imageId, imageId), inList(imageLocations.status, [...statuses])))
    .orderBy(asc(imageLocations.createdAt));
}

/** Where a live image's bytes are (active locations, oldest first). */
export const activeLocations = (db: Db, imageId: string) => locationsIn(db, imageId, ["active"]);
