import { RpcTarget } from "cloudflare:workers";
import { and, asc, count, eq, sql } from "drizzle-orm";
import type { ImageMember, MemberStatus } from "../domain/members/member";
import type { AddMemberResult, MemberRepository } from "../domain/ports";
import type { Db } from "./client";
import { imageMembers, images } from "./schema";

type MemberRow = typeof imageMembers.$inferSelect;

const toMember = (r: MemberRow): ImageMember => ({
  imageId: r.imageId,
  memberId: r.member,
  status: r.status as MemberStatus,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

const row = (imageId: string, memberId: string) => and(eq(imageMembers.imageId, imageId), eq(imageMembers.member, memberId));

/** image_members over D1. Rows are removed outright (Glance soft-deletes; nothing reads those rows back). */
export class D1MemberRepository extends RpcTarget implements MemberRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async list(imageId: string): Promise<ImageMember[]> {
    const rows = await this.db
      .select()
      .from(imageMembers)
      .where(eq(imageMembers.imageId, imageId))
      .orderBy(asc(imageMembers.createdAt), asc(sql`rowid`));
    return rows.map(toMember);
  }

  async get(imageId: string, memberId: string): Promise<ImageMember | null> {
    const [r] = await this.db.select().from(imageMembers).where(row(imageId, memberId));
    return r ? toMember(r) : null;
  }

  /**
   * One INSERT ... SELECT guarded by "the image is live" and "fewer than `quota` members", so two
   * concurrent adds can never overshoot the quota. When nothing was inserted, the reason is read
   * back in Glance's order (quota before duplicate, as ImageMemberFactoryProxy checks first).
   */
  async add(m: ImageMember, quota: number): Promise<AddMemberResult> {
    const t = imageMembers;
    const r = await this.db.run(sql`
      INSERT INTO ${t} (image_id, member, status, can_share, created_at, updated_at)
      SELECT ${m.imageId}, ${m.memberId}, ${m.status}, 0, ${m.createdAt}, ${m.updatedAt}
      WHERE EXISTS (SELECT 1 FROM ${images} WHERE ${images.id} = ${m.imageId} AND ${images.deleted} = 0)
        AND (${quota} < 0 OR (SELECT count(*) FROM ${t} WHERE ${t.imageId} = ${m.imageId}) < ${quota})
      ON CONFLICT DO NOTHING`);
    if (r.meta.changes > 0) return "added";
    const [[live], [{ n }], existing] = await this.db.batch([
      this.db.select({ id: images.id }).from(images).where(and(eq(images.id, m.imageId), eq(images.deleted, false))),
      this.db.select({ n: count() }).from(t).where(eq(t.imageId, m.imageId)),
      this.db.select({ member: t.member }).from(t).where(row(m.imageId, m.memberId)),
    ]);
    if (!live) return "gone";
    if (quota >= 0 && n >= quota) return "quota";
    return existing.length > 0 ? "duplicate" : "gone";
  }

  async setStatus(imageId: string, memberId: string, status: MemberStatus, updatedAt: string): Promise<ImageMember | null> {
    const [r] = await this.db.update(imageMembers).set({ status, updatedAt }).where(row(imageId, memberId)).returning();
    return r ? toMember(r) : null;
  }

  async remove(imageId: string, memberId: string): Promise<boolean> {
    const rows = await this.db.delete(imageMembers).where(row(imageId, memberId)).returning({ member: imageMembers.member });
    return rows.length > 0;
  }
}
