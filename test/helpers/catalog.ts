import { call } from "./api";
import { type ImageRow, insertImages } from "./d1-images";

// Helpers for the catalog tests: images inserted straight into D1, pages fetched and read back
// (the ids they link to, their paging links), and a D1 binding that records each round trip.

/** Inserts images straight into D1; unless a row says otherwise: public, owned by "catalog-owner". */
export const seed = (rows: ImageRow[]) => insertImages(rows, { visibility: "public", owner: "catalog-owner" });

const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

export interface Page {
  status: number;
  html: string;
  /** The images the page links to, in order. */
  ids: string[];
  links: Partial<Record<"next" | "prev" | "first", string>>;
}

/** GET a catalog page as a browser would (anonymous unless `token`). */
export async function page(path: string, token: string | null = null): Promise<Page> {
  const r = await call("GET", path, { token, headers: { Accept: "text/html" } });
  const html = await r.text();
  const ids = [...html.matchAll(/<a href="\/catalog\/images\/([^"]+)">/g)].map((m) => m[1]);
  const links: Page["links"] = {};
  for (const m of html.matchAll(/<a href="([^"]+)" rel="(next|prev|first)">/g)) links[m[2] as "next"] = unescape(m[1]);
  return { status: r.status, html, ids, links };
}

export async function ids(path: string): Promise<string[]> {
  const p = await page(path);
  if (p.status !== 200) throw new Error(`${path}: ${p.status}`);
  return p.ids;
}

/** Follows `rel` links from `path` to the end: each page's ids, in the order visited. */
export async function walk(path: string, rel: "next" | "prev" = "next"): Promise<{ pages: string[][]; last: Page }> {
  const pages: string[][] = [];
  let p = await page(path);
  for (;;) {
    if (p.status !== 200) throw new Error(`${path}: ${p.status}`);
    pages.push(p.ids);
    const href = p.links[rel];
    if (!href || pages.length > 50) return { pages, last: p };
    p = await page(href);
  }
}

export interface Trip {
  kind: "all" | "first" | "run" | "raw" | "batch";
  sql: string;
}

/** A D1 binding that records every round trip (statement executions and batches). */
export function countingD1(real: D1Database): { db: D1Database; trips: Trip[] } {
  const trips: Trip[] = [];
  const track = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    for (const kind of ["all", "first", "run", "raw"] as const) {
      const original = (stmt[kind] as (...a: unknown[]) => unknown).bind(stmt);
      (stmt as unknown as Record<string, unknown>)[kind] = (...a: unknown[]) => {
        trips.push({ kind, sql });
        return original(...a);
      };
    }
    const bind = stmt.bind.bind(stmt);
    stmt.bind = (...values: unknown[]) => track(bind(...values), sql);
    return stmt;
  };
  const db = {
    prepare: (sql: string) => track(real.prepare(sql), sql),
    batch: (stmts: D1PreparedStatement[]) => {
      trips.push({ kind: "batch", sql: `${stmts.length} statements` });
      return real.batch(stmts);
    },
    exec: (sql: string) => {
      trips.push({ kind: "run", sql });
      return real.exec(sql);
    },
    withSession: () => db,
    dump: () => real.dump(),
  } as unknown as D1Database;
  return { db, trips };
}
