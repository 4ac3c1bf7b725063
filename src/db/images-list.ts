import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { ImageListQuery } from "../domain/ports";
import type { Db } from "./client";
import type { ImageRow } from "./image-rows";
import { imageMembers, images } from "./schema";

/** One query per page (keyset paging). Minimal version: default sort, visibility rules. */
export async function listImageRows(db: Db, q: ImageListQuery): Promise<ImageRow[]> {
  const where = [eq(images.deleted, false), sql`${images.status} <> 'killed'`];
  if (!q.viewer.isAdmin) {
    const p = q.viewer.projectId;
    if (p === null) where.push(eq(images.visibility, "public"));
    else
      where.push(
        or(
          eq(images.visibility, "public"),
          eq(images.owner, p),
          and(
            eq(images.visibility, "shared"),
            sql`EXISTS (SELECT 1 FROM ${imageMembers} m WHERE m.image_id = ${images.id} AND m.member = ${p} AND m.status = ${q.memberStatus})`,
          ),
        )!,
      );
  }
  if (q.marker) {
    where.push(or(lt(images.createdAt, q.marker.createdAt), and(eq(images.createdAt, q.marker.createdAt), lt(images.id, q.marker.id)))!);
  }
  return db
    .select()
    .from(images)
    .where(and(...where))
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(q.limit);
}
