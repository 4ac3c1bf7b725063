// The rules an import follows on the image, as pure functions: the status each method needs, and
// the change every step makes (glance/api/v2/images.py import_image,
// glance/async_/flows/api_image_import.py _ImportActions and its revert). The image's coordinator
// (src/durable-objects/import-*.ts) applies them under the lock, with compare-and-swap writes.
import { CLEARED_DATA, type Image, type ImageStatus, nowIso } from "../images/image";
import type { ImageChange, ImageLocation } from "../images/state-repository";
import type { WrittenData } from "../ports";
import type { ImportMetadata, ImportMethod, ImportPlan, ImportState, Refusal } from "./ports";
import { IMPORT_FAILED, IMPORTING_TO, IMPORT_TASK, STAGE_HOST, storeList } from "./properties";

const refuse = <R extends string>(reason: R, message: string): Refusal<R> => ({ ok: false, reason, message });
const joined = (stores: Iterable<string>) => [...new Set(stores)].sort().join(",");

/** What the lock keeps beyond the import's state (the coordinator's storage record). */
export interface ImportProgress extends ImportState {
  /** Keys being written, per store (removed if the attempt dies). */
  writing: Record<string, string>;
  /** glance-download: values the metadata step replaced (null = was not set). */
  previous: { diskFormat: string | null; containerFormat: string | null; properties: Record<string, string | null> } | null;
}

/**
 * The status an import method needs, checked again under the lock. glance-direct also needs
 * finished staged data and no staging in flight.
 */
export function importPrecondition(image: Image, plan: ImportPlan, staging: { staged: boolean; inFlight: boolean }): Refusal<"conflict"> | null {
  if (plan.method === "copy-image") {
    return image.status === "active" ? null : refuse("conflict", "Only images with status active can be targeted for copying");
  }
  if (image.status === "active") return refuse("conflict", "Image with status active cannot be target for import");
  if (plan.method === "glance-direct") {
    return image.status === "uploading" && staging.staged && !staging.inFlight ? null : refuse("conflict", "Image needs to be staged before 'glance-direct' method can be used");
  }
  return image.status === "queued" ? null : refuse("conflict", `Image needs to be in 'queued' state to use '${plan.method}' method`);
}

/**
 * glance api_image_import.get_flow: status importing (not for copy-image), the stores being
 * imported to listed, those stores cleared from the failed list, the stage host forgotten.
 */
export function startChange(image: Image, method: ImportMethod, stores: string[]): ImageChange {
  const from: ImageStatus[] = method === "copy-image" ? ["active"] : method === "glance-direct" ? ["uploading"] : ["queued"];
  return {
    from,
    to: method === "copy-image" ? undefined : "importing",
    fields: { updatedAt: nowIso() },
    set: {
      [IMPORTING_TO]: joined([...storeList(image, IMPORTING_TO), ...stores]),
      [IMPORT_FAILED]: storeList(image, IMPORT_FAILED)
        .filter((s) => !stores.includes(s))
        .join(","),
    },
    unset: [STAGE_HOST],
  };
}

/** The values glance-download's metadata step replaces, kept to restore them if the import fails. */
export function metadataBackup(image: Image, m: ImportMetadata): NonNullable<ImportProgress["previous"]> {
  return {
    diskFormat: image.diskFormat,
    containerFormat: image.containerFormat,
    properties: Object.fromEntries(Object.keys(m.properties).map((k) => [k, image.properties[k] ?? null])),
  };
}

/**
 * A store was written: its location (written once), the data fields if the image has none yet,
 * activation when asked and the image is importing; or a refusal when the data is not the image's.
 */
export function storeWrittenChange(
  image: Image,
  store: string,
  key: string,
  data: WrittenData & { virtualSize: number | null },
  activate: boolean,
  hashingAlgorithm: string,
): ImageChange | Refusal<"conflict"> {
  if (image.osHashValue && (image.osHashValue !== data.sha512 || image.size !== data.size)) {
    return refuse("conflict", `The data written to store ${store} does not match the image's (size ${data.size}, os_hash_value ${data.sha512}).`);
  }
  const fields: Partial<Image> = { updatedAt: nowIso() };
  if (!image.osHashValue) {
    Object.assign(fields, { size: data.size, checksum: data.md5, osHashAlgo: hashingAlgorithm, osHashValue: data.sha512, virtualSize: data.virtualSize });
  }
  return {
    from: [image.status],
    to: activate && image.status === "importing" ? "active" : undefined,
    fields,
    set: { [IMPORTING_TO]: storeList(image, IMPORTING_TO).filter((s) => s !== store).join(",") },
    addLocation: { store, key },
  };
}

/** A store failed: it moves from os_glance_importing_to_stores to os_glance_failed_import. */
export function storeFailedChange(image: Image, store: string): ImageChange {
  return {
    from: [image.status],
    fields: { updatedAt: nowIso() },
    set: {
      [IMPORTING_TO]: storeList(image, IMPORTING_TO).filter((s) => s !== store).join(","),
      [IMPORT_FAILED]: joined([...storeList(image, IMPORT_FAILED), store]),
    },
  };
}

/**
 * The end of an import (success keeps the data; failure is glance's revert: the import's new
 * locations and objects go, its failed stores and `failedStores` are listed, a non-copy image goes
 * back to queued with its data fields cleared, glance-download's metadata is restored), and the
 * objects to remove.
 */
export function finishChange(r: ImportProgress, image: Image, success: boolean, failedStores: string[] = []): { change: ImageChange; orphans: ImageLocation[] } {
  const change: ImageChange = { from: [image.status], fields: { updatedAt: nowIso() }, set: {}, unset: [] };
  const orphans: ImageLocation[] = Object.entries(r.writing).map(([store, key]) => ({ store, key }));
  if (image.properties[IMPORT_TASK] === r.taskId) change.unset!.push(IMPORT_TASK);
  change.set![IMPORTING_TO] = storeList(image, IMPORTING_TO)
    .filter((s) => !r.stores.includes(s))
    .join(",");
  if (success) {
    if (r.staged) orphans.push({ store: r.staged.store, key: r.staged.key });
    return { change, orphans };
  }
  for (const [store, key] of Object.entries(r.done)) orphans.push({ store, key });
  change.removeLocations = Object.keys(r.done);
  change.set![IMPORT_FAILED] = joined([...storeList(image, IMPORT_FAILED), ...r.failed, ...failedStores]);
  if (r.method !== "copy-image" && image.status === "importing") {
    change.to = "queued";
    Object.assign(change.fields!, CLEARED_DATA);
    if (r.staged) orphans.push({ store: r.staged.store, key: r.staged.key });
  }
  if (r.previous) {
    change.fields!.diskFormat = r.previous.diskFormat;
    change.fields!.containerFormat = r.previous.containerFormat;
    for (const [k, v] of Object.entries(r.previous.properties)) {
      if (v === null) change.unset!.push(k);
      else change.set![k] = v;
    }
  }
  return { change, orphans };
}
