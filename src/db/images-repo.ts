import { RpcTarget } from "cloudflare:workers";
import { and, asc, count, eq, exists, gt, inArray, ne, notInArray, sql } from "drizzle-orm";
import type { Image, ImageStatus } from "../domain/images/image";
import type { ImageListQuery, ImageLocation, ImageRepository } from "../domain/ports";
import type { Db } from "./client";
import { constraintViolation } from "./constraint-errors";
import { activeLocations, hydrate, imageColumns, loadOne, newVersion } from "./image-rows";
import { listImageRows } from "./images-list";
import { imageLocations, imageMembers, imageProperties, imageTags, images } from "./schema";

const live = (id: string) => and(eq(images.id, id), eq(images.deleted, false));

export class D1ImageRepository extends RpcTarget implements ImageRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async get(id: string): Promise<Image | null> {
    return loadOne(this.db, id, true);
  }

  async exists(id: string): Promise<boolean> {
    const r = await this.db.select({ id: images.id }).from(images).where(eq(images.id, id));
    return r.length > 0;
  }

  async create(image: Image): Promise<boolean> {
    const version = newVersion();
    const guard = () => exists(this.db.select({ one: sql`1` }).from(images).where(and(eq(images.id, image.id), eq(images.version, version))));
    try {
      await this.db.batch([
        this.db.insert(images).values({ id: image.id, ...imageColumns(image), version } as typeof images.$inferInsert),
        ...this.propertyAndTagInserts(image, guard),
      ]);
      image.version = version;
      return true;
    } catch (e) {
      if (constraintViolation(e) !== null) return false;
      throw e;
    }
  }

  private propertyAndTagInserts(image: Image, guard: () => ReturnType<typeof exists>) {
    const props = JSON.stringify(image.properties);
    const tags = JSON.stringify(image.tags);
    return [
      this.db
        .insert(imageProperties)
        .select(sql`SELECT ${image.id}, key, value FROM json_each(${props}) WHERE ${guard()}`),
      this.db.insert(imageTags).select(sql`SELECT ${image.id}, value FROM json_each(${tags}) WHERE ${guard()}`),
    ] as const;
  }

  async save(image: Image, allowedStatuses?: readonly ImageStatus[]): Promise<Image | null> {
    const version = newVersion();
    const guard = () => exists(this.db.select({ one: sql`1` }).from(images).where(and(eq(images.id, image.id), eq(images.version, version))));
    const where = [live(image.id), eq(images.version, image.version)];
    if (allowedStatuses) where.push(inArray(images.status, [...allowedStatuses]));
    const cols = imageColumns(image);
    delete cols.status; // status moves only through transition()
    const [updated] = await this.db.batch([
      this.db
        .update(images)
        .set({ ...cols, version })
        .where(and(...where))
        .returning({ id: images.id }),
      this.db.delete(imageProperties).where(and(eq(imageProperties.imageId, image.id), guard())),
      this.db.delete(imageTags).where(and(eq(imageTags.imageId, image.id), guard())),
      ...this.propertyAndTagInserts(image, guard),
    ]);
    if (updated.length === 0) return null;
    return { ...image, version };
  }

  async list(q: ImageListQuery): Promise<Image[]> {
    return hydrate(this.db, await listImageRows(this.db, q));
  }

  async countLive(owner: string): Promise<number> {
    const [r] = await this.db
      .select({ n: count() })
      .from(images)
      .where(and(eq(images.owner, owner), eq(images.deleted, false), notInArray(images.status, ["killed", "pending_delete", "deleted"])));
    return r.n;
  }

  async getMemberStatus(imageId: string, member: string): Promise<string | null> {
    const r = await this.db
      .select({ status: imageMembers.status })
      .from(imageMembers)
      .where(and(eq(imageMembers.imageId, imageId), eq(imageMembers.member, member)));
    return r[0]?.status ?? null;
  }

  // ---- image data: locations (one row per image and store; `key` unique per upload attempt) ----

  async locations(imageId: string): Promise<ImageLocation[]> {
    return activeLocations(this.db, imageId);
  }

  async storageUsage(owner: string, excludeId: string): Promise<number> {
    const [r] = await this.db
      .select({ total: sql<number>`coalesce(sum(${images.size}), 0)` })
      .from(images)
      .innerJoin(imageLocations, and(eq(imageLocations.imageId, images.id), ne(imageLocations.status, "deleted")))
      .where(and(eq(images.owner, owner), ne(images.id, excludeId), gt(images.size, 0), notInArray(images.status, ["killed", "deleted"])));
    return Number(r?.total ?? 0);
  }
}
