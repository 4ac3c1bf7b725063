import type { LimitName } from "./settings";

/** Usage counted from the database (adapter: src/db/usage-repo.ts). Re-exported from ports.ts and quotas.ts. */
export interface QuotaUsageRepository {
  /**
   * `owner`'s current usage for each name (glance/db/sqlalchemy/api.py user_get_*):
   * - image_size_total: bytes, size × live locations of images not killed/deleted;
   * - image_stage_total: bytes, images uploading/importing plus those copying to stores
   *   (non-empty os_glance_importing_to_stores);
   * - image_count_total: images not killed/pending_delete/deleted (as image create counts them);
   * - image_count_uploading: images saving/uploading/importing plus those copying.
   */
  usage(owner: string, names: readonly LimitName[]): Promise<Partial<Record<LimitName, number>>>;
}
