import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listImagesSql } from "../../src/db/images-list";
import type { ImageListQuery } from "../../src/domain/ports";
import { ADMIN, call, json } from "../helpers/api";
import { T0, ids, list, tok } from "../helpers/images-list";

describe("GET /v2/images at scale", () => {
  const N = 20_000;
  const P = "scaleP";

  async function seedMany() {
    const t0 = Date.now();
    // 50 projects; 5% public, 5% community, 10% private, the rest shared; a few hidden/killed/deleted;
    // about 3 images a second (created_at ties); nullable names and sizes.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
       INSERT INTO images (id, name, disk_format, container_format, size, status, visibility, owner, protected, os_hidden,
         created_at, updated_at, deleted, min_disk, min_ram, version)
       SELECT printf('%08x-5ca1-4000-8000-%012x', i, i), CASE WHEN i % 7 = 0 THEN NULL ELSE 'img-' || (i % 500) END, 'raw', 'bare',
         CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1024 END, CASE WHEN i % 50 = 0 THEN 'killed' ELSE 'active' END,
         CASE i % 20 WHEN 0 THEN 'public' WHEN 1 THEN 'community' WHEN 2 THEN 'private' WHEN 3 THEN 'private' ELSE 'shared' END,
         '${P}' || (i % 50), 0, CASE WHEN i % 33 = 0 THEN 1 ELSE 0 END,
         strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i / 3, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i / 3, 'unixepoch'),
         CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 0, 0, 1 FROM n`,
    )
      .bind(N)
      .run();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
       INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at)
       SELECT printf('%08x-5ca1-4000-8000-%012x', i * 37, i * 37), '${P}' || (i % 7),
         CASE i % 3 WHEN 0 THEN 'accepted' WHEN 1 THEN 'pending' ELSE 'rejected' END, 0, '${T0}', '${T0}' FROM n`,
    ).run();
    return Date.now() - t0;
  }

  const baseQuery = (viewer: ImageListQuery["viewer"], extra: Partial<ImageListQuery> = {}): ImageListQuery => ({
    viewer,
    memberStatus: "accepted",
    osHidden: false,
    exact: {},
    ranges: [],
    tags: [],
    properties: {},
    sort: [
      { key: "created_at", dir: "desc" },
      { key: "id", dir: "desc" },
    ],
    limit: 20,
    ...extra,
  });

  async function plan(q: ImageListQuery): Promise<string[]> {
    const stmt = listImagesSql(q)!;
    const r = await env.DB.prepare(`EXPLAIN QUERY PLAN ${stmt.sql}`)
      .bind(...stmt.values)
      .all<{ detail: string }>();
    return r.results.map((x) => x.detail);
  }

  it(`seeds ${N} images by SQL; default listing is correct, index-ordered and paged by keyset`, async () => {
    const seedMs = await seedMany();
    const viewer = `${P}3`;
    // An independent formulation of Glance's rule for a project (one WHERE, no union), used as the oracle.
    const oracle = async (afterIdx: number, limit: number) =>
      (
        await env.DB.prepare(
          `SELECT id FROM images WHERE deleted = 0 AND status <> 'killed' AND os_hidden = 0
             AND (visibility = 'public' OR owner = ?1 OR (visibility = 'shared' AND EXISTS
               (SELECT 1 FROM image_members m WHERE m.image_id = images.id AND m.member = ?1 AND m.status = 'accepted')))
             AND (owner = ?1 OR visibility <> 'community')
           ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3`,
        )
          .bind(viewer, limit, afterIdx)
          .all<{ id: string }>()
      ).results.map((r) => r.id);

    const t0 = Date.now();
    const page1 = await list("limit=20", tok(viewer));
    const firstMs = Date.now() - t0;
    expect(page1.status).toBe(200);
    const want = await oracle(0, 60);
    expect(page1.body.images.map((i: any) => i.id)).toEqual(want.slice(0, 20));
    const page2 = await json(await call("GET", page1.body.next, { token: tok(viewer) }));
    expect(page2.images.map((i: any) => i.id)).toEqual(want.slice(20, 40));
    const page3 = await json(await call("GET", page2.next, { token: tok(viewer) }));
    expect(page3.images.map((i: any) => i.id)).toEqual(want.slice(40, 60));
    // The member branch: images shared with the viewer appear in their place.
    const shared = await ids("visibility=shared&member_status=all&limit=1000", tok(viewer));
    const memberOf = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM image_members m JOIN images i ON i.id = m.image_id WHERE m.member = ?1 AND i.deleted = 0 AND i.status <> 'killed' AND i.os_hidden = 0 AND i.owner <> ?1 AND i.visibility = 'shared'")
        .bind(viewer)
        .first<{ n: number }>()
    )!.n;
    const ownShared = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM images WHERE owner = ?1 AND deleted = 0 AND status <> 'killed' AND os_hidden = 0 AND visibility = 'shared'")
        .bind(viewer)
        .first<{ n: number }>()
    )!.n;
    expect(shared.length).toBe(Math.min(1000, memberOf + ownShared));
    // Admin default listing, and the api_limit_max cap.
    const admin = await list("limit=5000", ADMIN);
    expect(admin.body.images).toHaveLength(1000);

    // Query plans: every branch is an index SEARCH in page order (no full scan, no sort of images),
    // except the shared-with-me branch, which is driven by the member index and sorts its few rows.
    const marker = { ...page1.body.images[19], createdAt: page1.body.images[19].created_at } as any;
    for (const q of [
      baseQuery({ isAdmin: false, projectId: viewer }),
      baseQuery({ isAdmin: false, projectId: viewer }, { marker }),
      baseQuery({ isAdmin: true, projectId: "admin" }),
      baseQuery({ isAdmin: true, projectId: "admin" }, { marker }),
      baseQuery({ isAdmin: false, projectId: viewer }, { visibility: "all" }),
      baseQuery({ isAdmin: false, projectId: viewer }, { visibility: "public", marker }),
    ]) {
      const lines = await plan(q);
      const text = lines.join("\n");
      expect(text, text).not.toMatch(/SCAN images(?! USING)/);
      expect(text, text).not.toMatch(/SCAN (images|m)\b/);
      const sorts = lines.filter((l) => l.includes("TEMP B-TREE"));
      expect(sorts.length, text).toBeLessThanOrEqual(q.viewer.isAdmin || q.visibility === "public" ? 0 : 1);
      if (!q.viewer.isAdmin && q.visibility !== "public") expect(text).toMatch(/ix_image_members_member/);
    }
    // A selective exact filter drives each branch through its own index (few rows, then sorted).
    for (const [key, index] of [
      ["name", "ix_images_name"],
      ["id", "sqlite_autoindex_images_1"],
      ["checksum", "ix_images_checksum"],
      ["os_hash_value", "ix_images_os_hash_value"],
    ]) {
      for (const values of [["a"], ["a", "b"]]) {
        const text = (await plan(baseQuery({ isAdmin: false, projectId: viewer }, { exact: { [key]: values } }))).join("\n");
        expect(text, text).toMatch(new RegExp(`SEARCH images USING (COVERING )?INDEX ${index}`));
        expect(text, text).not.toMatch(/SCAN (images|m)\b/);
      }
    }
    const named = await ids("name=in:img-53,img-40&limit=1000", tok(viewer)); // own shared + public ones
    const namedWant = (
      await env.DB.prepare(
        `SELECT id FROM images WHERE deleted = 0 AND status <> 'killed' AND os_hidden = 0 AND name IN ('img-53', 'img-40')
           AND (visibility = 'public' OR owner = ?1 OR (visibility = 'shared' AND EXISTS
             (SELECT 1 FROM image_members m WHERE m.image_id = images.id AND m.member = ?1 AND m.status = 'accepted')))
           AND (owner = ?1 OR visibility <> 'community') ORDER BY created_at DESC, id DESC`,
      )
        .bind(viewer)
        .all<{ id: string }>()
    ).results.map((r) => r.id);
    expect(named.length).toBeGreaterThan(0);
    expect(named).toEqual(namedWant);
    console.log(`[images-list scale] seeded ${N} images in ${seedMs} ms; first page (limit=20) for a project in ${firstMs} ms`);
  });
});
