// The import lock (os_glance_import_task), kept in the image's Durable Object next to the upload
// lease. It is a record with a deadline: every step of the import renews it (src/durable-objects/
// import-steps.ts), and the alarm undoes an import that stopped renewing (its consumer crashed,
// its messages went to the dead-letter queue): the image is reverted as a failed import would be,
// its partial objects are removed, its task fails, and the lock is gone. Glance keeps such a lock
// until a later import steals it after 60 minutes (LP 1884596). The rules are in
// src/domain/imports/lock-rules.ts; this module keeps the record and applies them.
import type { Image } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { type ImportProgress, finishChange, importPrecondition } from "../domain/imports/lock-rules";
import type { ImportOutcome, ImportPlan, ImportState, ImportStep, Refusal } from "../domain/imports/ports";
import { IMPORT_TASK, expiredLockMessage } from "../domain/imports/properties";
import { failTask, succeedTask } from "../domain/tasks/lifecycle";
import type { ObjectHost } from "./object-host";
import type { Staging } from "./staging";

/** A store's copy handed to one delivery of the import's message (src/durable-objects/import-steps.ts beginWrite). */
export interface StoreClaim {
  /** The delivery's token (one per run of the message). */
  delivery: string;
  /** Its last sign of life: the claim lapses after the lock's lease, like the lock. */
  renewedAt: number;
}

/** The lock and the import's progress. Times in ms. */
export interface ImportRecord extends ImportProgress {
  imageId: string;
  acquiredAt: number;
  renewedAt: number;
  /** The first step ran: status importing, os_glance_importing_to_stores set. */
  started: boolean;
  /** The image was deleted: every step answers "gone". */
  cancelled: boolean;
  /** Stores being copied → the delivery copying each (absent in records written before claims). */
  claims?: Record<string, StoreClaim>;
}

const IMPORT = "import";

export const refuse = <R extends string>(reason: R, message: string): Refusal<R> => ({ ok: false, reason, message });
export const lost = (taskId: string) => refuse("lost", `Import task ${taskId} no longer holds the lock of this image.`);
export const gone = (imageId: string) => refuse("gone", `Image ${imageId} has been deleted, aborting import.`);
const busy = (imageId: string) => refuse("conflict", `New operation on image '${imageId}' is not permitted as prior operation is still in progress`);

export class ImportLock {
  constructor(
    private readonly host: ObjectHost,
    private readonly staging: Staging,
  ) {}

  private get ttlMs(): number {
    return this.host.services.settings.importLockTtl * 1000;
  }

  get record(): ImportRecord | undefined {
    return this.host.kv.get<ImportRecord>(IMPORT);
  }

  save(r: ImportRecord): void {
    this.host.kv.put(IMPORT, r);
  }

  private expired(r: ImportRecord): boolean {
    return Date.now() - r.renewedAt > this.ttlMs;
  }

  /** A claim whose delivery renewed it within the lock's lease. */
  live(c: StoreClaim): boolean {
    return Date.now() - c.renewedAt <= this.ttlMs;
  }

  /** The record if `taskId` holds the lock and the image is there; a refusal otherwise. */
  holder(imageId: string, taskId: string): ImportRecord | Refusal<"lost" | "gone"> {
    const r = this.record;
    if (!r || r.taskId !== taskId) return lost(taskId);
    if (r.cancelled) return gone(imageId);
    return r;
  }

  /** A sign of life: the record saved with a new deadline. */
  renewed(r: ImportRecord): ImportRecord {
    const next = { ...r, renewedAt: Date.now() };
    this.save(next);
    return next;
  }

  async lockHolder(): Promise<string | null> {
    const r = this.record;
    if (!r) return null;
    if (!this.expired(r)) return r.taskId;
    await this.expire(r);
    return null;
  }

  async acquire(imageId: string, plan: ImportPlan): Promise<ImportStep<{ image: Image }>> {
    const current = this.record;
    if (current && !this.expired(current)) return busy(imageId);
    if (current) await this.expire(current);
    const now = Date.now();
    this.save({
      ...plan,
      imageId,
      acquiredAt: now,
      renewedAt: now,
      started: false,
      writing: {},
      claims: {},
      done: {},
      failed: [],
      metadataApplied: false,
      outcome: null,
      staged: null,
      previous: null,
      cancelled: false,
    });
    const drop = () => this.record?.taskId === plan.taskId && this.host.kv.delete(IMPORT);
    try {
      const repo = this.host.services.imageState;
      const image = await repo.get(imageId);
      if (!image) {
        drop();
        return gone(imageId);
      }
      const refusal = importPrecondition(image, plan, { staged: !!this.staging.staged, inFlight: this.staging.inFlight });
      if (refusal) {
        drop();
        return refusal;
      }
      if (plan.method === "glance-direct") this.save({ ...this.record!, staged: this.staging.staged ?? null });
      const locked = await repo.change(imageId, { from: [image.status], set: { [IMPORT_TASK]: plan.taskId }, fields: { updatedAt: nowIso() } });
      if (!locked) {
        drop();
        return busy(imageId);
      }
      await this.host.clock.armBy(this.due);
      return { ok: true, image: locked };
    } catch (e) {
      drop();
      throw e;
    }
  }

  /** Keeps the lock, and the claims of `delivery` when given. */
  async renew(imageId: string, taskId: string, delivery?: string): Promise<"ok" | "lost" | "gone"> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held.reason;
    const claims = { ...held.claims };
    for (const [store, c] of Object.entries(claims)) if (c.delivery === delivery) claims[store] = { ...c, renewedAt: Date.now() };
    this.renewed({ ...held, claims });
    return "ok";
  }

  /**
   * Ends the import (src/domain/imports/lock-rules.ts finishChange): success keeps the data, failure
   * reverts it. Then the task gets its outcome and the record is deleted. Each part is safe to repeat.
   */
  async finish(imageId: string, taskId: string, outcome: ImportOutcome): Promise<void> {
    const current = this.record;
    if (!current || current.taskId !== taskId) {
      // Not (or no longer) the lock holder: whoever took the lock away settled the image.
      await this.settleTask(taskId, imageId, outcome.success ? { success: false, message: lost(taskId).message } : outcome);
      return;
    }
    const r: ImportRecord = { ...current, outcome: current.outcome ?? outcome };
    this.save(r);
    const result = r.outcome!;
    const repo = this.host.services.imageState;
    const image = r.cancelled ? null : await repo.get(imageId);
    if (image) {
      const { change, orphans } = finishChange(r, image, result.success, result.success ? [] : (result.failedStores ?? []));
      await repo.change(imageId, change);
      this.host.orphans.add(orphans);
    } else {
      this.host.orphans.add(Object.entries(r.writing).map(([store, key]) => ({ store, key })));
      if (r.staged) this.host.orphans.add([r.staged]);
    }
    if (r.staged && (result.success || !image || image.status === "importing")) this.staging.dropStaged();
    await this.settleTask(taskId, imageId, result);
    if (this.record?.taskId === taskId) this.host.kv.delete(IMPORT);
    await this.host.orphans.reap();
  }

  private async settleTask(taskId: string, imageId: string, outcome: ImportOutcome): Promise<void> {
    if (outcome.success) await succeedTask(this.host.services, taskId, { image_id: imageId });
    else await failTask(this.host.services, taskId, outcome.message);
  }

  /** A lock nobody renewed in time: finish the import as failed (or as it had decided). */
  private async expire(r: ImportRecord): Promise<void> {
    let outcome = r.outcome;
    if (!outcome) {
      const task = await this.host.services.tasks.get(r.taskId, new Date().toISOString());
      outcome = task?.status === "success" ? { success: true } : { success: false, message: expiredLockMessage(this.ttlMs / 1000) };
    }
    console.warn(`image ${r.imageId}: import task ${r.taskId} stopped renewing its lock; finishing it (${outcome.success ? "success" : "failure"})`);
    await this.finish(r.imageId, r.taskId, outcome);
  }

  /** The image was deleted: partial objects go; the import's next step answers "gone". */
  onImageDeleted(): void {
    const r = this.record;
    if (!r) return;
    this.host.orphans.add(Object.entries(r.writing).map(([store, key]) => ({ store, key })));
    this.save({ ...r, cancelled: true, writing: {}, claims: {}, staged: null });
  }

  async onAlarm(): Promise<void> {
    const r = this.record;
    if (r && this.expired(r)) await this.expire(r);
  }

  /** When the lock expires, or null. */
  get due(): number | null {
    const r = this.record;
    return r ? r.renewedAt + this.ttlMs + 1 : null;
  }
}

/** The import's state as the domain sees it (the record without the lock's own fields). */
export function stateOf(r: ImportRecord): ImportState {
  return {
    taskId: r.taskId,
    method: r.method,
    stores: r.stores,
    allStoresMustSucceed: r.allStoresMustSucceed,
    done: r.done,
    failed: r.failed,
    metadataApplied: r.metadataApplied,
    outcome: r.outcome,
    staged: r.staged,
  };
}
