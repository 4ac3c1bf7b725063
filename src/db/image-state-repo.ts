// The writes of the image's coordinator (src/durable-objects): status transitions, data fields,
// locations. Each change is one D1 batch whose first statement is a conditional update of the
// image row that bumps its version, and whose other statements only run if that update happened
// (guarded on the new version). A concurrent metadata save (PATCH) then fails its own
// compare-and-swap and re-reads, so it never writes back stale os_glance_* properties.
import { RpcTarget } from "cloudflare:workers";
import { and, eq, exists, inArray, ne, sql } from "drizzle-orm";
import type { Image, ImageStatus } from "../domain/images/image";
import type { ImageChange, ImageLocation, ImageStateRepository } from "../domain/images/state-repository";
import type { Db } from "./client";
import { imageColumns, loadOne, locationsIn, newVersion } from "./image-rows";
import { imageLocations, imageMembers, imageProperties, images } from "./schema";

const live = (id: string) => and(eq(images.id, id), eq(images.deleted, false));

export class D1ImageStateRepository extends RpcTarget implements ImageStateRepository {
  constructor(private readonly db: Db) {
    super();
  }

  get(id: string): Promise<Image | null> {
    return loadOne(this.db, id, true);
  }

  /** Statements of a batch that run only if the image row now carries `version`. */
  private guard(id: string, version: number) {
    return exists(this.db.select({ one: sql`1` }).from(images).where(and(eq(images.id, id), eq(images.version, version))));
  }

  async transition(id: string, from: readonly ImageStatus[], to: ImageStatus, fields: Partial<Image> = {}): Promise<Image | null> {
    const rows = await this.db
      .update(images)
      .set({ ...imageColumns(fields), status: to, version: newVersion() })
      .where(and(live(id), inArray(images.status, [...from])))
      .returning({ id: images.id });
    return rows.length === 0 ? null : loadOne(this.db, id, false);
  }

  async change(id: string, c: ImageChange): Promise<Image | null> {
    const version = newVersion();
    const at = c.fields?.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const guard = () => this.guard(id, version);
    const where = [live(id)];
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
    return rows.length === 0 ? null : loadOne(this.db, id, false);
  }

  async activateUpload(id: string, fields: Partial<Image>, location: ImageLocation, at: string): Promise<Image | null> {
    const version = newVersion();
    const [rows] = await this.db.batch([
      this.db
        .update(images)
        .set({ ...imageColumns(fields), status: "active", updatedAt: at, version })
        .where(and(live(id), eq(images.status, "saving")))
        .returning({ id: images.id }),
      this.db
        .insert(imageLocations)
        .select(sql`SELECT ${id}, ${location.store}, ${location.key}, 'active', ${at}, ${at} WHERE ${this.guard(id, version)}`)
        .onConflictDoUpdate({
          target: [imageLocations.imageId, imageLocations.store],
          set: { key: location.key, status: "active", updatedAt: at },
        }),
    ]);
    return rows.length === 0 ? null : loadOne(this.db, id, false);
  }

  async softDelete(id: string, status: "deleted" | "pending_delete", at: string): Promise<boolean> {
    const guard = () => exists(this.db.select({ one: sql`1` }).from(images).where(and(eq(images.id, id), eq(images.deletedAt, at), eq(images.deleted, true))));
    const [rows] = await this.db.batch([
      this.db
        .update(images)
        .set({ status, deleted: true, deletedAt: at, updatedAt: at, version: newVersion() })
        .where(live(id))
        .returning({ id: images.id }),
      this.db.delete(imageMembers).where(and(eq(imageMembers.imageId, id), guard())),
      this.db
        .update(imageLocations)
        .set({ status: "pending_delete", updatedAt: at })
        .where(and(eq(imageLocations.imageId, id), eq(imageLocations.status, "active"), guard())),
    ]);
    return rows.length > 0;
  }

  locationsIn(id: string, statuses: readonly string[]): Promise<ImageLocation[]> {
    return locationsIn(this.db, id, statuses);
  }

  async locationKey(id: string, store: string): Promise<string | null> {
    const [r] = await this.db
      .select({ key: imageLocations.key })
      .from(imageLocations)
      .where(and(eq(imageLocations.imageId, id), eq(imageLocations.store, store), eq(imageLocations.status, "active")));
    return r?.key ?? null;
  }

  async markLocationsDeleted(id: string, keys: string[], at: string): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .update(imageLocations)
      .set({ status: "deleted", updatedAt: at })
      .where(and(eq(imageLocations.imageId, id), inArray(imageLocations.key, keys)));
  }

  async finishScrub(id: string, at: string): Promise<void> {
    await this.db
      .update(images)
      .set({ status: "deleted", updatedAt: at, version: newVersion() })
      .where(and(eq(images.id, id), eq(images.status, "pending_delete")));
  }
}
