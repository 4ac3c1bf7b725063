import { RpcTarget } from "cloudflare:workers";
import { type SQL, sql } from "drizzle-orm";
import type { LimitName, QuotaUsageRepository } from "../domain/quotas";
import type { Db } from "./client";
import { imageLocations, imageProperties, images } from "./schema";

// Unified-limit usage per owner (glance/db/sqlalchemy/api.py _image_get_*_by_owner): one
// statement, one scalar subquery per requested resource.
const UPLOADING = sql`('saving', 'uploading', 'importing')`;
// Images copying to more stores: a non-empty os_glance_importing_to_stores.
const copying = sql`EXISTS (SELECT 1 FROM ${imageProperties} p WHERE p.image_id = ${images.id}
  AND p.name = 'os_glance_importing_to_stores' AND p.value <> '')`;

const QUERIES: Record<LimitName, (owner: string) => SQL> = {
  image_size_total: (owner) => sql`SELECT coalesce(sum(${images.size}), 0) FROM ${images}
    JOIN ${imageLocations} l ON l.image_id = ${images.id} AND l.status <> 'deleted'
    WHERE ${images.owner} = ${owner} AND ${images.size} > 0 AND ${images.status} NOT IN ('killed', 'deleted')`,
  image_stage_total: (owner) => sql`SELECT coalesce(sum(${images.size}), 0) FROM ${images}
    WHERE ${images.owner} = ${owner} AND ${images.size} > 0 AND (${images.status} IN ('uploading', 'importing')
      OR (${images.status} NOT IN ('uploading', 'importing', 'killed', 'deleted') AND ${copying}))`,
  image_count_total: (owner) => sql`SELECT count(*) FROM ${images}
    WHERE ${images.owner} = ${owner} AND ${images.deleted} = 0 AND ${images.status} NOT IN ('killed', 'pending_delete', 'deleted')`,
  image_count_uploading: (owner) => sql`SELECT count(*) FROM ${images}
    WHERE ${images.owner} = ${owner} AND (${images.status} IN ${UPLOADING}
      OR (${images.status} NOT IN ('saving', 'uploading', 'importing', 'killed', 'deleted') AND ${copying}))`,
};

export class D1QuotaUsageRepository extends RpcTarget implements QuotaUsageRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async usage(owner: string, names: readonly LimitName[]): Promise<Partial<Record<LimitName, number>>> {
    if (names.length === 0) return {};
    const columns = sql.join(
      names.map((n) => sql`(${QUERIES[n](owner)}) AS ${sql.identifier(n)}`),
      sql`, `,
    );
    const row = await this.db.get<Record<string, number>>(sql`SELECT ${columns}`);
    const out: Partial<Record<LimitName, number>> = {};
    for (const n of names) out[n] = Number(row?.[n] ?? 0);
    return out;
  }
}
