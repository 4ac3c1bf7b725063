import { type SQL, asc, desc, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

// Keyset ("seek") paging for drizzle queries: a page starts strictly after the marker row in the
// full sort order, so it stays stable under concurrent inserts and costs no OFFSET scan.

/**
 * A sortable column and how to read the same value off a marker row. Nullable columns must be
 * wrapped (e.g. coalesce) on both sides: SQL comparisons with NULL are never true, and a NULL
 * marker value would make every page after it empty.
 */
export interface SortColumn<Row> {
  col: SQLiteColumn | SQL;
  of: (row: Row) => unknown;
}

/**
 * Glance's paginate_query keys: the requested one, then created_at and id as tie-breakers, so the
 * order is total and no row is skipped or repeated across pages.
 */
export const withTieBreakers = <K extends string>(key: K) => [...new Set([key, "created_at", "id"])] as K[];

/**
 * ORDER BY for `keys` in `dir`, and the condition "after `marker`":
 * OR over i of (k1..k(i-1) equal AND ki strictly after). `after` is undefined without a marker,
 * which drizzle's and() skips.
 */
export function keyset<K extends string, Row>(columns: Record<K, SortColumn<Row>>, keys: K[], dir: "asc" | "desc", marker: Row | undefined) {
  const cols = keys.map((k) => ({ col: columns[k].col, value: marker === undefined ? null : columns[k].of(marker) }));
  const order = cols.map((c) => (dir === "asc" ? asc(c.col) : desc(c.col)));
  if (marker === undefined) return { order, after: undefined };
  const cmp = dir === "asc" ? sql`>` : sql`<`;
  const ors: SQL[] = cols.map((c, i) => {
    const eqs = cols.slice(0, i).map((p) => sql`${p.col} = ${p.value}`);
    return sql.join([...eqs, sql`${c.col} ${cmp} ${c.value}`], sql` and `);
  });
  return { order, after: sql`(${sql.join(ors.map((o) => sql`(${o})`), sql` or `)})` };
}
