// The os_glance_* bookkeeping properties of an import (glance/async_/flows/api_image_import.py
// _ImportActions), readable by users, writable by nobody (reserved names).
import type { Image } from "../images/image";

/** The import lock: the id of the task importing the image. */
export const IMPORT_TASK = "os_glance_import_task";
/** Stores still being imported to (comma separated). */
export const IMPORTING_TO = "os_glance_importing_to_stores";
/** Stores the import failed for (comma separated). */
export const IMPORT_FAILED = "os_glance_failed_import";
/** Where staged data is (hidden; Glance proxies to that worker, R2 needs no proxy). */
export const STAGE_HOST = "os_glance_stage_host";

/** A comma-separated store list property as a list (empty entries dropped). */
export function storeList(image: Pick<Image, "properties">, name: string): string[] {
  return (image.properties[name] ?? "").split(",").filter(Boolean);
}

export const expiredLockMessage = (ttlSeconds: number) =>
  `The import stopped making progress: no sign of life for ${ttlSeconds} seconds, so its lock on the image expired and the import was undone.`;
