// The import lock, kept in the image's Durable Object next to the upload lease (ImageObject
// delegates here; staging is in staging.ts). Everything an import changes on the image goes
// through these methods, so it is serialized with uploads, deletes and other imports of the image.
//
// The lock (os_glance_import_task) is a record in this object's storage with a deadline: every
// step of the import renews it, and the alarm undoes an import that stopped renewing (its consumer
// crashed, its messages went to the dead-letter queue): the image is reverted as a failed import
// would be, its partial objects are removed, its task fails, and the lock is gone. Glance keeps
// such a lock until a later import steals it after 60 minutes (LP 1884596).
import { servicesForEnv } from "../api/services";
import { settingsFor } from "../config";
import { createDb } from "../db/client";
import { D1ImportRepository, type ImageChange } from "../db/import-repo";
import type { Image, ImageStatus } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import type {
  ImportMetadata,
  ImportOutcome,
  ImportPlan,
  ImportState,
  ImportStep,
  Refusal,
} from "../domain/imports/coordinator";
import { IMPORT_FAILED, IMPORTING_TO, IMPORT_TASK, STAGE_HOST, expiredLockMessage, storeList } from "../domain/imports/properties";
import type { ImageLocation, WrittenData } from "../domain/ports";
import { failTask, succeedTask } from "../domain/tasks/lifecycle";
import { objectKey } from "../store";
import { Staging } from "./staging";

/** What ImageObject lends this module. */
export interface ImportHost {
  readonly storage: DurableObjectStorage;
  readonly env: Env;
  addOrphans(objects: ImageLocation[]): void;
  reap(): Promise<void>;
  waitUntil(p: Promise<unknown>): void;
  /** Sets the alarm to `at` unless an earlier one is set (null: nothing to wait for). */
  armAlarm(at: number | null): Promise<void>;
}

/** The lock and the import's progress. Times in ms. */
export interface ImportRecord extends ImportState {
  imageId: string;
  acquiredAt: number;
  renewedAt: number;
  /** The first step ran: status importing, os_glance_importing_to_stores set. */
  started: boolean;
  /** Keys being written, per store (removed if the attempt dies). */
  writing: Record<string, string>;
  /** glance-download: values the metadata step replaced (null = was not set). */
  previous: { diskFormat: string | null; containerFormat: string | null; properties: Record<string, string | null> } | null;
  /** The image was deleted: every step answers "gone". */
  cancelled: boolean;
}

const IMPORT = "import";
const CLEARED: Partial<Image> = { size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null };

const refuse = <R extends string>(reason: R, message: string): Refusal<R> => ({ ok: false, reason, message });
const lost = (taskId: string) => refuse("lost", `Import task ${taskId} no longer holds the lock of this image.`);
const gone = (imageId: string) => refuse("gone", `Image ${imageId} has been deleted, aborting import.`);

export class ImportLocks {
  readonly staging: Staging;

  constructor(private readonly host: ImportHost) {
    this.staging = new Staging(host);
  }

  private get kv(): SyncKvStorage {
    return this.host.storage.kv;
  }

  private repo(): D1ImportRepository {
    return new D1ImportRepository(createDb(this.host.env.DB));
  }

  private get ttlMs(): number {
    return settingsFor(this.host.env).importLockTtl * 1000;
  }

  get record(): ImportRecord | undefined {
    return this.kv.get<ImportRecord>(IMPORT);
  }

  private save(r: ImportRecord): void {
    this.kv.put(IMPORT, r);
  }

  // ---- the import lock ----

  private expired(r: ImportRecord): boolean {
    return Date.now() - r.renewedAt > this.ttlMs;
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
    if (current && !this.expired(current)) {
      return refuse("conflict", `New operation on image '${imageId}' is not permitted as prior operation is still in progress`);
    }
    if (current) await this.expire(current);
    const now = Date.now();
    const record: ImportRecord = {
      ...plan,
      imageId,
      acquiredAt: now,
      renewedAt: now,
      started: false,
      writing: {},
      done: {},
      failed: [],
      metadataApplied: false,
      outcome: null,
      staged: null,
      previous: null,
      cancelled: false,
    };
    this.save(record);
    const drop = () => this.record?.taskId === plan.taskId && this.kv.delete(IMPORT);
    try {
      const repo = this.repo();
      const image = await repo.get(imageId);
      if (!image) {
        drop();
        return gone(imageId);
      }
      const refusal = this.precondition(image, plan);
      if (refusal) {
        drop();
        return refusal;
      }
      if (plan.method === "glance-direct") this.save({ ...this.record!, staged: this.staging.staged ?? null });
      const locked = await repo.change(imageId, { from: [image.status], set: { [IMPORT_TASK]: plan.taskId }, fields: { updatedAt: nowIso() } });
      if (!locked) {
        drop();
        return refuse("conflict", `New operation on image '${imageId}' is not permitted as prior operation is still in progress`);
      }
      await this.scheduleAlarm();
      return { ok: true, image: locked };
    } catch (e) {
      drop();
      throw e;
    }
  }

  /** The status an import method needs (glance/api/v2/images.py import_image), checked again under the lock. */
  private precondition(image: Image, plan: ImportPlan): Refusal<"conflict"> | null {
    if (plan.method === "copy-image") {
      return image.status === "active" ? null : refuse("conflict", "Only images with status active can be targeted for copying");
    }
    if (image.status === "active") return refuse("conflict", "Image with status active cannot be target for import");
    if (plan.method === "glance-direct") {
      return image.status === "uploading" && this.staging.staged && !this.staging.inFlight ? null : refuse("conflict", "Image needs to be staged before 'glance-direct' method can be used");
    }
    return image.status === "queued" ? null : refuse("conflict", `Image needs to be in 'queued' state to use '${plan.method}' method`);
  }

  /** The record if `taskId` holds the lock and the image is there; a refusal otherwise. */
  private holder(imageId: string, taskId: string): ImportRecord | Refusal<"lost" | "gone"> {
    const r = this.record;
    if (!r || r.taskId !== taskId) return lost(taskId);
    if (r.cancelled) return gone(imageId);
    return r;
  }

  private renewed(r: ImportRecord): ImportRecord {
    const next = { ...r, renewedAt: Date.now() };
    this.save(next);
    return next;
  }

  async start(imageId: string, taskId: string): Promise<ImportStep<{ image: Image; state: ImportState; fresh: boolean }>> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held;
    const repo = this.repo();
    let image = await repo.get(imageId);
    if (!image) return gone(imageId);
    let fresh = false;
    if (!held.started) {
      // glance api_image_import.get_flow: status importing (not for copy-image), the stores being
      // imported to listed, those stores cleared from the failed list, the stage host forgotten.
      const from: ImageStatus[] = held.method === "copy-image" ? ["active"] : held.method === "glance-direct" ? ["uploading"] : ["queued"];
      const importing = storeList(image, IMPORTING_TO);
      const change: ImageChange = {
        from,
        to: held.method === "copy-image" ? undefined : "importing",
        fields: { updatedAt: nowIso() },
        set: {
          [IMPORTING_TO]: [...new Set([...importing, ...held.stores])].sort().join(","),
          [IMPORT_FAILED]: storeList(image, IMPORT_FAILED)
            .filter((s) => !held.stores.includes(s))
            .join(","),
        },
        unset: [STAGE_HOST],
      };
      const changed = await repo.change(imageId, change);
      if (!changed) {
        if (!(await repo.get(imageId))) return gone(imageId);
        return refuse("conflict", `Image ${imageId} is no longer in the status this import needs (${image.status}).`);
      }
      image = changed;
      fresh = true;
    }
    const r = this.renewed({ ...this.record!, started: true });
    await this.scheduleAlarm();
    return { ok: true, image, state: stateOf(r), fresh };
  }

  async renew(imageId: string, taskId: string): Promise<"ok" | "lost" | "gone"> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held.reason;
    this.renewed(held);
    await this.scheduleAlarm();
    return "ok";
  }

  async applyMetadata(imageId: string, taskId: string, m: ImportMetadata): Promise<ImportStep<{ image: Image }>> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held;
    const repo = this.repo();
    const image = await repo.get(imageId);
    if (!image) return gone(imageId);
    if (held.metadataApplied) return { ok: true, image };
    const previous: ImportRecord["previous"] = {
      diskFormat: image.diskFormat,
      containerFormat: image.containerFormat,
      properties: Object.fromEntries(Object.keys(m.properties).map((k) => [k, image.properties[k] ?? null])),
    };
    // Saved first: a retry after a crash must still know the values to restore.
    this.save({ ...held, previous: held.previous ?? previous });
    const changed = await repo.change(imageId, {
      from: [image.status],
      fields: { diskFormat: m.diskFormat, containerFormat: m.containerFormat, updatedAt: nowIso() },
      set: m.properties,
    });
    if (!changed) return refuse("conflict", `Image ${imageId} changed while its metadata was imported.`);
    this.renewed({ ...this.record!, metadataApplied: true });
    return { ok: true, image: changed };
  }

  async beginWrite(imageId: string, taskId: string, store: string): Promise<ImportStep<{ key: string }>> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held;
    const previous = held.writing[store];
    if (previous) this.host.addOrphans([{ store, key: previous }]);
    const key = objectKey(imageId, crypto.randomUUID());
    this.renewed({ ...held, writing: { ...held.writing, [store]: key } });
    await this.host.reap();
    return { ok: true, key };
  }

  async storeWritten(imageId: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) {
      this.host.addOrphans([{ store, key }]);
      await this.host.reap();
      return held;
    }
    if (held.writing[store] !== key) {
      // A later delivery of the same message started this store again: its write counts, ours goes.
      this.host.addOrphans([{ store, key }]);
      await this.host.reap();
      return refuse("superseded", `Another attempt of import task ${taskId} is writing store ${store}.`);
    }
    const repo = this.repo();
    const image = await repo.get(imageId);
    if (!image) return gone(imageId);
    if (image.osHashValue && (image.osHashValue !== data.sha512 || image.size !== data.size)) {
      return refuse("conflict", `The data written to store ${store} does not match the image's (size ${data.size}, os_hash_value ${data.sha512}).`);
    }
    const settings = settingsFor(this.host.env);
    const fields: Partial<Image> = { updatedAt: nowIso() };
    if (!image.osHashValue) {
      Object.assign(fields, {
        size: data.size,
        checksum: data.md5,
        osHashAlgo: settings.hashingAlgorithm,
        osHashValue: data.sha512,
        virtualSize: data.virtualSize,
      });
    }
    const to = activate && image.status === "importing" ? "active" : undefined;
    const changed = await repo.change(imageId, {
      from: [image.status],
      to,
      fields,
      set: { [IMPORTING_TO]: storeList(image, IMPORTING_TO).filter((s) => s !== store).join(",") },
      addLocation: { store, key },
    });
    if (!changed) return (await repo.get(imageId)) ? refuse("conflict", `Image ${imageId} changed while store ${store} was written.`) : gone(imageId);
    // Written once: when the store already had an active location (a redelivered step), ours goes.
    const winner = (await repo.locationKey(imageId, store)) ?? key;
    if (winner !== key) this.host.addOrphans([{ store, key }]);
    const writing = { ...this.record!.writing };
    delete writing[store];
    this.renewed({ ...this.record!, writing, done: { ...this.record!.done, [store]: winner } });
    await this.host.reap();
    return { ok: true as const, image: changed, activated: to === "active", key: winner };
  }

  async storeFailed(imageId: string, taskId: string, store: string): Promise<ImportStep<{ image: Image }>> {
    const held = this.holder(imageId, taskId);
    if ("ok" in held) return held;
    const writing = { ...held.writing };
    if (writing[store]) this.host.addOrphans([{ store, key: writing[store] }]);
    delete writing[store];
    this.renewed({ ...held, writing, failed: [...new Set([...held.failed, store])] });
    const repo = this.repo();
    const image = await repo.get(imageId);
    if (!image) return gone(imageId);
    const changed = await repo.change(imageId, {
      from: [image.status],
      fields: { updatedAt: nowIso() },
      set: {
        [IMPORTING_TO]: storeList(image, IMPORTING_TO).filter((s) => s !== store).join(","),
        [IMPORT_FAILED]: [...new Set([...storeList(image, IMPORT_FAILED), store])].sort().join(","),
      },
    });
    await this.host.reap();
    return changed ? { ok: true, image: changed } : refuse("conflict", `Image ${imageId} changed while store ${store} failed.`);
  }

  /**
   * Ends the import. Success: staged data goes, the lock is dropped. Failure (glance's revert): the
   * import's new locations and objects go, its stores leave os_glance_importing_to_stores, the
   * image goes back to queued (copy-image: stays active), glance-download's metadata is restored.
   * Then the task gets its outcome and the record is deleted. Each part is safe to repeat.
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
    const repo = this.repo();
    const image = r.cancelled ? null : await repo.get(imageId);
    const orphans: ImageLocation[] = Object.entries(r.writing).map(([store, key]) => ({ store, key }));
    if (image) {
      const change: ImageChange = { from: [image.status], fields: { updatedAt: nowIso() }, set: {}, unset: [] };
      if (image.properties[IMPORT_TASK] === taskId) change.unset!.push(IMPORT_TASK);
      change.set![IMPORTING_TO] = storeList(image, IMPORTING_TO)
        .filter((s) => !r.stores.includes(s))
        .join(",");
      if (!result.success) this.revert(r, image, change, orphans);
      if (result.success && r.staged) orphans.push({ store: r.staged.store, key: r.staged.key });
      await repo.change(imageId, change);
    } else if (r.staged) {
      orphans.push({ store: r.staged.store, key: r.staged.key });
    }
    if (r.staged && (result.success || !image || image.status === "importing")) this.staging.dropStaged();
    this.host.addOrphans(orphans);
    await this.settleTask(taskId, imageId, result);
    if (this.record?.taskId === taskId) this.kv.delete(IMPORT);
    await this.host.reap();
  }

  /** Adds to `change` what undoing a failed import takes. */
  private revert(r: ImportRecord, image: Image, change: ImageChange, orphans: ImageLocation[]): void {
    const added = Object.keys(r.done);
    for (const [store, key] of Object.entries(r.done)) orphans.push({ store, key });
    change.removeLocations = added;
    change.set![IMPORT_FAILED] = [...new Set([...storeList(image, IMPORT_FAILED), ...r.failed])].sort().join(",");
    if (r.method !== "copy-image" && image.status === "importing") {
      change.to = "queued";
      Object.assign(change.fields!, CLEARED);
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
  }

  private async settleTask(taskId: string, imageId: string, outcome: ImportOutcome): Promise<void> {
    const services = servicesForEnv(this.host.env, (p) => this.host.waitUntil(p), null);
    if (outcome.success) await succeedTask(services, taskId, { image_id: imageId });
    else await failTask(services, taskId, outcome.message);
  }

  /** A lock nobody renewed in time: finish the import as failed (or as it had decided). */
  private async expire(r: ImportRecord): Promise<void> {
    let outcome = r.outcome;
    if (!outcome) {
      const services = servicesForEnv(this.host.env, (p) => this.host.waitUntil(p), null);
      const task = await services.tasks.get(r.taskId, new Date().toISOString());
      outcome = task?.status === "success" ? { success: true } : { success: false, message: expiredLockMessage(this.ttlMs / 1000) };
    }
    console.warn(`image ${r.imageId}: import task ${r.taskId} stopped renewing its lock; finishing it (${outcome.success ? "success" : "failure"})`);
    await this.finish(r.imageId, r.taskId, outcome);
  }

  // ---- DELETE /v2/stores/{store}/{image} (glance ImagesController.delete_from_store) ----

  async removeStore(imageId: string, store: string): Promise<{ ok: true; image: Image } | Refusal<"not_found" | "conflict" | "forbidden">> {
    const repo = this.repo();
    const image = await repo.get(imageId);
    if (!image) return refuse("not_found", `Failed to find image ${imageId}`);
    if (image.status !== "active") return refuse("conflict", "It's not allowed to remove image data from store if image status is not 'active'");
    if (image.stores.length === 1) {
      return refuse("forbidden", "Cannot delete image data from the only store containing it. Consider deleting the image instead.");
    }
    const key = await repo.locationKey(imageId, store);
    if (!key) return refuse("not_found", `Image ${imageId} is not stored in store ${store}.`);
    const changed = await repo.change(imageId, { from: ["active"], fields: { updatedAt: nowIso() }, removeLocations: [store] });
    if (!changed) return refuse("conflict", "It's not allowed to remove image data from store if image status is not 'active'");
    this.host.addOrphans([{ store, key }]);
    await this.host.reap();
    return { ok: true, image: changed };
  }

  // ---- hooks ----

  /** The image was deleted: staged data and partial objects go; the import's next step answers "gone". */
  async onImageDeleted(): Promise<void> {
    this.staging.onImageDeleted();
    const r = this.record;
    if (r) {
      this.host.addOrphans(Object.entries(r.writing).map(([store, key]) => ({ store, key })));
      this.save({ ...r, cancelled: true, writing: {}, staged: null });
    }
  }

  /** Alarm duty: expire a dead staging attempt and a dead import. Then re-arm. */
  async onAlarm(): Promise<void> {
    await this.staging.onAlarm();
    const r = this.record;
    if (r && this.expired(r)) await this.expire(r);
    await this.scheduleAlarm();
  }

  /** Sets the alarm for the next deadline here, unless an earlier alarm is set. */
  async scheduleAlarm(): Promise<void> {
    const r = this.record;
    const due = [this.staging.due, r ? r.renewedAt + this.ttlMs + 1 : null].filter((t): t is number => t !== null);
    await this.host.armAlarm(due.length ? Math.min(...due) : null);
  }
}

function stateOf(r: ImportRecord): ImportState {
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
