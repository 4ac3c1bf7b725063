import { env } from "cloudflare:workers";

// Images inserted straight into D1 (rows, tags, properties), for tests that need many images or
// states the API cannot make (deleted rows, chosen timestamps); shared by the list and catalog helpers.

export interface ImageRow {
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

/** What a row gets when it does not say. */
export interface RowDefaults {
  visibility: NonNullable<ImageRow["visibility"]>;
  owner: string;
}

/** Inserts images straight into D1 (with their tags and properties); returns their ids in order. */
export async function insertImages(rows: ImageRow[], defaults: RowDefaults): Promise<string[]> {
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
        r.visibility ?? defaults.visibility,
        r.checksum ?? null,
        r.os_hash_value ? "sha512" : null,
        r.os_hash_value ?? null,
        r.min_disk ?? 0,
        r.min_ram ?? 0,
        r.owner === undefined ? defaults.owner : r.owner,
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
