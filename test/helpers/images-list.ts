import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, json } from "./api";
import { type ImageRow, T0, insertImages } from "./d1-images";

// Shared by the images-list-*.test.ts files. The D1 database is shared by every test of a file:
// each test uses its own projects and a unique tag (or owner filter) so other tests' images never
// leak into its expectations.
export const uniq = (p = "listP") => `${p}${crypto.randomUUID().slice(0, 8)}`;
export const tok = (project: string, roles = "member,reader") => `${project}:${roles}`;

export type Seed = ImageRow;
export { T0 };

/** Inserts images straight into D1; unless a row says otherwise: shared, owned by "nobody". */
export const seed = (rows: Seed[]) => insertImages(rows, { visibility: "shared", owner: "nobody" });

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
