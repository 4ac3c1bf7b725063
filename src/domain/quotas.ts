// Unified limits per project (glance/quota/keystone.py with use_keystone_limits): four resources,
// limits from configuration (settings.unifiedLimits; Glance asks Keystone), usage counted in D1.
// Sizes are whole MiB, counts are images. A check fails when usage + delta > limit (oslo.limit);
// a negative or missing limit is unlimited. With unified limits off only image_count_total applies
// (the top-level image_count_total option) and GET /v2/info/usage shows nothing, as Glance.
import { QuotaExceeded } from "./errors";
import type { Services } from "./services";
import type { LimitName, Settings } from "./settings";
import type { QuotaUsageRepository } from "./quota-usage";

export type { QuotaUsageRepository } from "./quota-usage";

export type { LimitName } from "./settings";
export const LIMIT_NAMES: readonly LimitName[] = ["image_size_total", "image_stage_total", "image_count_total", "image_count_uploading"];


const MiB = 1024 * 1024;
/** Whole MiB, rounded down (glance: size // units.Mi). */
export const toMiB = (bytes: number) => Math.floor(bytes / MiB);
const isSize = (name: LimitName) => name === "image_size_total" || name === "image_stage_total";

/** The limit for `project` (negative = unlimited). */
export function limitFor(settings: Settings, project: string, name: LimitName): number {
  const u = settings.unifiedLimits;
  if (!u) return name === "image_count_total" ? settings.imageCountTotal : -1;
  return u.projects[project]?.[name] ?? u.defaults[name] ?? -1;
}

async function usageOf(services: Services, project: string, names: readonly LimitName[]): Promise<Partial<Record<LimitName, number>>> {
  const raw = await services.quotaUsage.usage(project, names);
  const out: Partial<Record<LimitName, number>> = {};
  for (const n of names) out[n] = isSize(n) ? toMiB(raw[n] ?? 0) : (raw[n] ?? 0);
  return out;
}

async function enforce(services: Services, project: string | null, name: LimitName, delta: number): Promise<void> {
  if (project === null) return;
  const limit = limitFor(services.settings, project, name);
  if (limit < 0) return;
  const usage = (await usageOf(services, project, [name]))[name] ?? 0;
  if (usage + delta > limit) {
    const unit = isSize(name) ? " MiB" : "";
    throw new QuotaExceeded(`Resource ${name} is over limit: ${usage}${unit} of ${limit}${unit} used, ${delta}${unit} requested.`, limit, usage);
  }
}

/** image create: one more image (glance enforce_image_count_total, delta 1). */
export const assertImageCountTotal = (services: Services, project: string | null) => enforce(services, project, "image_count_total", 1);

/** upload and import pre-checks (delta 0), glance-direct import flow (delta = image size in MiB). */
export const assertImageSizeTotal = (services: Services, project: string | null, deltaMiB = 0) =>
  enforce(services, project, "image_size_total", deltaMiB);

/** stage (delta 0); web-download, copy-image and glance-download flows (delta = image size in MiB). */
export const assertStageTotal = (services: Services, project: string | null, deltaMiB = 0) => enforce(services, project, "image_stage_total", deltaMiB);

/**
 * upload and stage, after the image counts as uploading (glance: delta 0, so a limit of N allows N
 * at once); web-download, copy-image and glance-download flows.
 */
export const assertCountUploading = (services: Services, project: string | null, delta = 0) => enforce(services, project, "image_count_uploading", delta);

/** GET /v2/info/usage: every limit with its usage, or {} when unified limits are off. */
export async function projectUsage(services: Services, project: string | null): Promise<Partial<Record<LimitName, { usage: number; limit: number }>>> {
  if (!services.settings.unifiedLimits || project === null) return {};
  const usage = await usageOf(services, project, LIMIT_NAMES);
  const out: Partial<Record<LimitName, { usage: number; limit: number }>> = {};
  for (const n of LIMIT_NAMES) out[n] = { usage: usage[n] ?? 0, limit: limitFor(services.settings, project, n) };
  return out;
}
