import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, json } from "./api";

// Shared by the images-list-*.test.ts files. The D1 database is shared by every test of a file:
// each test uses its own projects and a unique tag (or owner filter) so other tests' images never
// leak into its expectations.
export const uniq = (p = "listP") => `${p}${crypto.randomUUID().slice(0, 8)}`;
export const tok = (project: string, roles = "member,reader") => `${project}:${roles}`;

export interface Seed {
  id?: string;
  name?: string | null;
  owner?: string | null;
  visibility?: "public" | "private" | "shared" | "community";
  status?: string;
  size?: number | null;
  created_at?: string;
  updated_at?: string;
  os_hidden?: boolean;
  protected?: boolean;
  deleted?: boolean;
  disk_format?: string | null;
  container_format?: string | null;
  min_ram?: number;
  min_disk?: number;
  checksum?: string | null;
  os_hash_value?: string | null;
  tags?: string[];
  props?: Record<string, string>;
}

export const T0 = "2024-03-01T10:00:00Z";

/** Inserts images straight into D1 (with their tags and properties); returns their ids in order. */
export async function seed(rows: Seed[]): Promise<string[]> {
  const stmts: D1PreparedStatement[] = [];
  const ids: string[] = [];
  for (const r of rows) {
    const id = r.id ?? crypto.randomUUID();
    ids.push(id);
    stmts.push(
      env.DB.prepare(
        `INSERT INTO images (id, name, disk_format, container_format, size, status, visibility, checksum, os_hash_algo, os_hash_value,
           min_disk, min_ram, owner, protected, os_hidden, created_at, updated_at, deleted, deleted_at, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      ).bind(
        id,
        r.name === undefined ? "img" : r.name,
        r.disk_format === undefined ? "raw" : r.disk_format,
        r.container_format === undefined ? "bare" : r.container_format,
        r.size === undefined ? 1024 : r.size,
        r.status ?? "active",
        r.visibility ?? "shared",
        r.checksum ?? null,
        r.os_hash_value ? "sha512" : null,
        r.os_hash_value ?? null,
        r.min_disk ?? 0,
        r.min_ram ?? 0,
        r.owner === undefined ? "nobody" : r.owner,
        r.protected ? 1 : 0,
        r.os_hidden ? 1 : 0,
        r.created_at ?? T0,
        r.updated_at ?? r.created_at ?? T0,
        r.deleted ? 1 : 0,
        r.deleted ? T0 : null,
      ),
    );
    for (const t of r.tags ?? []) stmts.push(env.DB.prepare("INSERT INTO image_tags (image_id, value) VALUES (?, ?)").bind(id, t));
    for (const [k, v] of Object.entries(r.props ?? {}))
      stmts.push(env.DB.prepare("INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)").bind(id, k, v));
  }
  await env.DB.batch(stmts);
  return ids;
}

export async function addMember(imageId: string, member: string, status: "accepted" | "pending" | "rejected") {
  await env.DB.prepare("INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)")
    .bind(imageId, member, status, T0, T0)
    .run();
}

export async function list(query: string, token: string): Promise<{ status: number; body: any }> {
  const r = await call("GET", `/v2/images${query ? `?${query}` : ""}`, { token });
  // Errors: the explanation from Glance's JSON error body.
  return { status: r.status, body: r.status === 200 ? await json(r) : ((await json(r)).message as string) };
}

export async function ids(query: string, token: string): Promise<string[]> {
  const r = await list(query, token);
  expect(r.status, String(r.body)).toBe(200);
  return r.body.images.map((i: any) => i.id);
}

export const sorted = (a: string[]) => [...a].sort();

/** Follows `next` links from `/v2/images?query` to the end; returns every id in order. */
export async function pageAll(query: string, token: string): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let path: string | undefined = `/v2/images?${query}`;
  let pages = 0;
  while (path) {
    const r = await call("GET", path, { token });
    expect(r.status).toBe(200);
    const body = await json(r);
    out.push(...body.images.map((i: any) => i.id));
    path = body.next;
    if (++pages > 200) throw new Error("paging does not end");
  }
  return { ids: out, pages };
}
