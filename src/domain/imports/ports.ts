// The per-image side of staging and interoperable import: the import lock, staged data and every
// status/location change an import makes, serialized with the image's other writes. Adapter: the
// image's Durable Object (src/durable-objects/import-lock.ts, reached through
// src/durable-objects/image-object-client.ts). Re-exported from src/domain/ports.ts.
import type { Image } from "../images/image";
import type { WrittenData } from "../store-ports";

export const IMPORT_METHODS = ["glance-direct", "web-download", "copy-image", "glance-download"] as const;
/**
 * The methods of POST /import, and `location-import`: POST /v2/images/{id}/locations, run by the
 * same machinery (a location_import task; never a method a client can name).
 */
export type ImportMethod = (typeof IMPORT_METHODS)[number] | "location-import";

/** What POST /import asked for, fixed when the lock is taken. */
export interface ImportPlan {
  taskId: string;
  method: ImportMethod;
  stores: string[];
  allStoresMustSucceed: boolean;
}

/** One queued import: the consumer runs it with runImport (src/domain/imports/run.ts). */
export interface ImportJob {
  taskId: string;
  imageId: string;
  /** The caller's token (glance-download reads the remote Glance with it); null when there is none. */
  authToken: string | null;
  requestId: string | null;
  /** The caller's roles. */
  roles: string[];
}

/** Data staged by PUT /stage (glance-direct's source). */
export interface StagedData {
  store: string;
  key: string;
  size: number;
}

/** An import's progress as the image's coordinator keeps it (survives a crashed consumer). */
export interface ImportState extends ImportPlan {
  /** Stores written and recorded by this import → object key. */
  done: Record<string, string>;
  /** Stores that failed (all_stores_must_succeed=false goes on past them). */
  failed: string[];
  /** glance-download: the remote image's metadata was applied. */
  metadataApplied: boolean;
  /** Set once the outcome is decided: finishing again completes it. */
  outcome: ImportOutcome | null;
  staged: StagedData | null;
}

/** How an import ended; a failure may name stores to list as failed (those it never filled when its data could not be read). */
export type ImportOutcome = { success: true } | { success: false; message: string; failedStores?: string[] };

export type Refusal<R extends string> = { ok: false; reason: R; message: string };

export type BeginStage = { ok: true; stageId: string; key: string; image: Image } | Refusal<"not_found" | "conflict">;
export type FinishStage = { ok: true; image: Image } | Refusal<"gone" | "lost">;

/**
 * Lost: the lock is no longer this task's (expired, finished). Gone: the image was deleted.
 * Superseded: another delivery of the same message took this step over (it carries on).
 */
export type ImportStep<T> = ({ ok: true } & T) | Refusal<"lost" | "gone" | "conflict" | "superseded">;

/** Changes glance-download makes from the remote image's metadata (undone if the import fails). */
export interface ImportMetadata {
  diskFormat: string;
  containerFormat: string;
  properties: Record<string, string>;
}

export interface ImportCoordinator {
  // ---- PUT /stage: a lease like an upload's, queued → uploading, data under a key per attempt
  beginStage(imageId: string, store: string): Promise<BeginStage>;
  renewStage(imageId: string, stageId: string): Promise<"ok" | "cancelled" | "lost">;
  /** Records the staged data (size, and os_glance_stage_host when set); the image stays uploading. */
  finishStage(imageId: string, stageId: string, size: number, stageHost: string | null): Promise<FinishStage>;
  /** Drops the attempt's object; uploading → queued. */
  abortStage(imageId: string, stageId: string): Promise<void>;

  // ---- the import lock (os_glance_import_task) and the import's steps
  /** The task holding a live lock, or null (an expired lock is undone first). */
  lockHolder(imageId: string): Promise<string | null>;
  /** Takes the lock for `plan.taskId` if the image is (still) in the state the method needs. */
  acquire(imageId: string, plan: ImportPlan): Promise<ImportStep<{ image: Image }>>;
  /** First call: status → importing (not for copy-image) and the os_glance_* bookkeeping; `fresh` then. */
  start(imageId: string, taskId: string): Promise<ImportStep<{ image: Image; state: ImportState; fresh: boolean }>>;
  /** A sign of life: keeps the lock, and the store claims of `delivery` (one run of the message) when given. */
  renew(imageId: string, taskId: string, delivery?: string): Promise<"ok" | "lost" | "gone">;
  applyMetadata(imageId: string, taskId: string, metadata: ImportMetadata): Promise<ImportStep<{ image: Image }>>;
  /**
   * Claims `store`'s copy for `delivery` and answers a fresh object key to write (a dead
   * delivery's object is dropped; `done` with its key when that one was recorded after all).
   * Busy: another delivery is copying the store and alive; ask again. Superseded: another
   * delivery wrote or failed the store meanwhile and carries the import on.
   */
  beginWrite(imageId: string, taskId: string, store: string, delivery: string): Promise<ImportStep<{ key: string; done: boolean }> | Refusal<"busy">>;
  /** Records the store's location (once: `key` is the one that stands), the data fields, and activation when `activate`. */
  storeWritten(
    imageId: string,
    taskId: string,
    store: string,
    key: string,
    data: WrittenData & { virtualSize: number | null },
    activate: boolean,
  ): Promise<ImportStep<{ image: Image; activated: boolean; key: string }>>;
  /** The store failed: its object (`key`, the claim's) goes, the store moves from importing to failed. */
  storeFailed(imageId: string, taskId: string, store: string, key: string): Promise<ImportStep<{ image: Image }>>;
  /** Ends the import: success keeps the data, failure reverts it; the task is finished and the lock dropped. */
  finish(imageId: string, taskId: string, outcome: ImportOutcome): Promise<void>;

  // ---- DELETE /v2/stores/{store}/{image}
  removeStore(imageId: string, store: string): Promise<{ ok: true; image: Image } | Refusal<"not_found" | "conflict" | "forbidden">>;
}
