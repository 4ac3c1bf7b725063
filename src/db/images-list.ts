import type { ImageListQuery, ImageSortKey } from "../domain/ports";
import type { Db } from "./client";
import type { ImageRow } from "./image-rows";

// GET /v2/images in one statement. Hand-written SQL (not the drizzle builder) because the shape
// matters for speed and D1 limits:
// - A non-admin caller sees the union of disjoint "branches" (public, own, shared with me, …).
//   Each branch is its own SELECT whose index already yields the page order, and SQLite merges
//   them (`MERGE (UNION ALL)`) reading only about `limit` rows per branch. A single WHERE with
//   ORs would walk the whole live-images index whenever the caller sees few images.
// - Keyset paging: rows strictly after the marker in the full sort order (which always ends with
//   created_at and id, so it is a total order), with NULL-aware comparisons; no OFFSET.
// - Numbered parameters (`?N`) shared by all branches, because D1 allows 100 bound values.

/** Columns a filter may name: Glance name -> SQL column (never interpolate caller text). */
const COLUMNS: Record<string, string> = {
  id: "id", name: "name", disk_format: "disk_format", container_format: "container_format", size: "size",
  virtual_size: "virtual_size", status: "status", visibility: "visibility", checksum: "checksum",
  os_hash_algo: "os_hash_algo", os_hash_value: "os_hash_value", min_disk: "min_disk", min_ram: "min_ram",
  owner: "owner", protected: "protected", os_hidden: "os_hidden", created_at: "created_at",
  updated_at: "updated_at", deleted_at: "deleted_at",
}; // prettier-ignore
const INTEGER_COLUMNS = new Set(["size", "virtual_size", "min_disk", "min_ram", "protected", "os_hidden"]);
const NULLABLE_SORT_KEYS = new Set<ImageSortKey>(["name", "container_format", "disk_format", "size"]);
const MARKER_FIELD: Record<ImageSortKey, (m: NonNullable<ImageListQuery["marker"]>) => string | number | null> = {
  name: (m) => m.name,
  status: (m) => m.status,
  container_format: (m) => m.containerFormat,
  disk_format: (m) => m.diskFormat,
  size: (m) => m.size,
  id: (m) => m.id,
  created_at: (m) => m.createdAt,
  updated_at: (m) => m.updatedAt,
};
const OP_SQL = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
/** D1 binds at most 100 values per statement; past this many, values are written as literals. */
const MAX_BOUND_VALUES = 90;

class Params {
  readonly values: (string | number)[] = [];
  private readonly index = new Map<string, number>();
  /** A placeholder for `v`; equal values share one. */
  p(v: string | number): string {
    const k = `${typeof v}:${v}`;
    let n = this.index.get(k);
    if (n === undefined) {
      if (this.values.length >= MAX_BOUND_VALUES) return literal(v);
      this.values.push(v);
      n = this.values.length;
      this.index.set(k, n);
    }
    return `?${n}`;
  }
}

/** A SQL literal that is safe for any text (hex-encoded UTF-8, so no quoting or NUL issues). */
function literal(v: string | number): string {
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  const hex = [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `CAST(X'${hex}' AS TEXT)`;
}

/** One branch of the visibility union: extra conditions, optionally driven by the member index. */
interface Branch {
  where: string[];
  member?: { project: string; status: string | null };
}

/** Which images the viewer may list (glance/db/sqlalchemy/api.py _select_images_query + image_get_all). */
function branches(q: ImageListQuery, P: Params): Branch[] {
  const vis = (v: string) => `images.visibility = ${P.p(v)}`;
  const v = q.visibility;
  const { isAdmin, projectId: p } = q.viewer;
  if (isAdmin) {
    if (v === "all") return [{ where: [] }];
    if (v) return [{ where: [vis(v)] }];
    // Other projects' community images only when asked for.
    return [{ where: [`(images.owner IS ${p === null ? "NULL" : P.p(p)} OR images.visibility <> ${P.p("community")})`] }];
  }
  const pub: Branch = { where: [vis("public")] };
  const communityAll: Branch = { where: [vis("community")] };
  if (p === null) {
    if (!v) return [pub];
    return v === "public" ? [pub] : v === "community" ? [communityAll] : v === "all" ? [pub, communityAll] : [];
  }
  const own = (where: string) => ({ where: [`images.owner = ${P.p(p)}`, where] });
  const sharedWithMe: Branch = {
    where: [vis("shared"), `images.owner IS NOT ${P.p(p)}`],
    member: { project: p, status: q.memberStatus === "all" ? null : q.memberStatus },
  };
  switch (v) {
    case undefined:
      return [pub, own(`images.visibility <> ${P.p("public")}`), sharedWithMe];
    case "public":
      return [pub];
    case "private":
      return [own(vis("private"))];
    case "shared":
      return [own(vis("shared")), sharedWithMe];
    case "community":
      return [communityAll];
    case "all":
      return [pub, own(`images.visibility <> ${P.p("public")}`), sharedWithMe, { where: [vis("community"), `images.owner IS NOT ${P.p(p)}`] }];
  }
}

/** Conditions every branch shares: live, not killed, the caller's filters, the keyset. */
function commonWhere(q: ImageListQuery, P: Params): string[] {
  const w = ["images.deleted = 0", `images.status <> ${P.p("killed")}`, `images.os_hidden = ${q.osHidden ? 1 : 0}`];
  if (q.protected !== undefined) w.push(`images.protected = ${q.protected ? 1 : 0}`);
  const bind = (col: string, v: string | number) => (INTEGER_COLUMNS.has(col) && typeof v === "string" && /^-?\d+$/.test(v) ? P.p(Number(v)) : P.p(v));
  for (const [key, values] of Object.entries(q.exact)) {
    const col = `images.${column(key)}`;
    if (values.length === 1) w.push(`${col} = ${bind(key, values[0])}`);
    else w.push(`${col} IN (SELECT value FROM json_each(${P.p(JSON.stringify(values))}))`);
  }
  for (const r of q.ranges) w.push(`images.${column(r.column)} ${OP_SQL[r.op]} ${bind(r.column, r.value)}`);
  for (const t of q.tags) w.push(`EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = images.id AND t.value = ${P.p(t)})`);
  for (const [name, value] of Object.entries(q.properties))
    w.push(`EXISTS (SELECT 1 FROM image_properties p WHERE p.name = ${P.p(name)} AND p.value = ${P.p(value)} AND p.image_id = images.id)`);
  // LIKE is case-insensitive for ASCII in SQLite; the caller's text is bound and its wildcards escaped.
  if (q.nameContains) w.push(`images.name LIKE ${P.p(`%${q.nameContains.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)} ESCAPE '\\'`);
  if (q.marker) w.push(...keyset(q, P));
  return w;
}

function column(key: string): string {
  const c = COLUMNS[key];
  if (!c) throw new Error(`not a filterable image column: ${key}`);
  return c;
}

/**
 * Rows after the marker: OR over i of (k1..k(i-1) equal AND ki after), plus a redundant bound on
 * the first key that an index can range-scan. NULL sorts first ascending and last descending
 * (SQLite's native order, as Glance on SQLite/MySQL).
 */
function keyset(q: ImageListQuery, P: Params): string[] {
  const m = q.marker!;
  const terms = q.sort.map((s) => ({ ...s, col: `images.${column(s.key)}`, v: MARKER_FIELD[s.key](m), nullable: NULLABLE_SORT_KEYS.has(s.key) }));
  const same = (t: (typeof terms)[number]) => (t.v === null ? `${t.col} IS NULL` : `${t.col} = ${P.p(t.v)}`);
  const after = (t: (typeof terms)[number]): string | null => {
    if (t.dir === "asc") return t.v === null ? `${t.col} IS NOT NULL` : `${t.col} > ${P.p(t.v)}`;
    if (t.v === null) return null; // nothing sorts after NULL descending
    return t.nullable ? `(${t.col} < ${P.p(t.v)} OR ${t.col} IS NULL)` : `${t.col} < ${P.p(t.v)}`;
  };
  const ors: string[] = [];
  terms.forEach((t, i) => {
    const a = after(t);
    if (a !== null) ors.push([...terms.slice(0, i).map(same), a].join(" AND "));
  });
  const out = [ors.length ? `(${ors.map((o) => `(${o})`).join(" OR ")})` : "0"];
  const [first] = terms;
  if (first.v === null) {
    if (first.dir === "desc") out.push(`${first.col} IS NULL`);
  } else if (first.dir === "asc") out.push(`${first.col} >= ${P.p(first.v)}`);
  else if (!first.nullable) out.push(`${first.col} <= ${P.p(first.v)}`);
  return out;
}

/** AND as a balanced tree: D1 caps expression depth at 100, which a flat chain of many filters exceeds. */
function and(terms: string[]): string {
  if (terms.length <= 8) return terms.join(" AND ");
  const mid = Math.ceil(terms.length / 2);
  return `(${and(terms.slice(0, mid))}) AND (${and(terms.slice(mid))})`;
}

/**
 * Without ANALYZE statistics SQLite prefers an index that yields the page order and filters row by
 * row, even for `id IN (...)` or a checksum: a whole branch scan. An exact filter on one of these
 * (most selective first) makes that index drive the branch instead; the few matches are sorted.
 */
const DRIVING_INDEXES: [string, string][] = [
  ["id", "sqlite_autoindex_images_1"],
  ["os_hash_value", "ix_images_os_hash_value"],
  ["checksum", "ix_images_checksum"],
  ["name", "ix_images_name"],
];

/** The SQL and its bound values for one page (exported for EXPLAIN QUERY PLAN in tests); null = no rows. */
export function listImagesSql(q: ImageListQuery): { sql: string; values: (string | number)[] } | null {
  if (Object.values(q.exact).some((v) => v.length === 0)) return null; // `in:` with no values
  const P = new Params();
  const bs = branches(q, P);
  if (bs.length === 0) return null;
  const common = commonWhere(q, P);
  const orderBy = q.sort.map((s) => `${column(s.key)} ${s.dir.toUpperCase()}`).join(", ");
  const driver = DRIVING_INDEXES.find(([key]) => key in q.exact)?.[1];
  const selects = bs.map((b) => {
    const where = [...common, ...b.where];
    if (!b.member) return `SELECT images.* FROM images${driver ? ` INDEXED BY ${driver}` : ""} WHERE ${and(where)}`;
    // Driven by the caller's memberships (usually few): CROSS JOIN fixes that join order.
    const m = [`m.member = ${P.p(b.member.project)}`];
    if (b.member.status !== null) m.push(`m.status = ${P.p(b.member.status)}`);
    return `SELECT images.* FROM image_members m CROSS JOIN images ON images.id = m.image_id WHERE ${and([...m, ...where])}`;
  });
  const sql = `${selects.join(" UNION ALL ")} ORDER BY ${orderBy} LIMIT ${Math.max(0, Math.trunc(q.limit))}`;
  return { sql, values: P.values };
}

/** One page of image rows (keyset paging), in `q.sort` order. */
export async function listImageRows(db: Db, q: ImageListQuery): Promise<ImageRow[]> {
  const stmt = listImagesSql(q);
  if (!stmt) return [];
  const { results } = await db.$client
    .prepare(stmt.sql)
    .bind(...stmt.values)
    .all<Record<string, unknown>>();
  return results.map(toRow);
}

function toRow(r: Record<string, unknown>): ImageRow {
  return {
    id: r.id as string,
    name: r.name as string | null,
    diskFormat: r.disk_format as string | null,
    containerFormat: r.container_format as string | null,
    size: r.size as number | null,
    virtualSize: r.virtual_size as number | null,
    status: r.status as string,
    visibility: r.visibility as string,
    checksum: r.checksum as string | null,
    osHashAlgo: r.os_hash_algo as string | null,
    osHashValue: r.os_hash_value as string | null,
    minDisk: r.min_disk as number,
    minRam: r.min_ram as number,
    owner: r.owner as string | null,
    protected: Boolean(r.protected),
    osHidden: Boolean(r.os_hidden),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    deleted: Boolean(r.deleted),
    deletedAt: r.deleted_at as string | null,
    version: r.version as number,
  };
}
