import { DurableObject } from "cloudflare:workers";
import { settingsFor } from "../config";
import { createDb } from "../db/client";
import { D1ImageRepository } from "../db/images-repo";
import { DomainError } from "../domain/errors";
import type { Inspection } from "../domain/images/formats/inspector";
import type { Image, ImageStatus } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import type { BeginUpload, FinishUpload, ImageLocation, NewUploadSession, UploadSessionPart, UploadedData, WrittenData } from "../domain/ports";
import type { ImportMetadata, ImportOutcome, ImportPlan } from "../domain/imports/coordinator";
import type { ScrubMessage } from "../queues/messages";
import { R2ObjectStores, objectKey } from "../store";
import { ImportLocks } from "./import-lock";
import { UploadSessions } from "./upload-sessions";

/** An upload attempt holds the image (saving) for this long past its last sign of life. */
export const LEASE_TTL_MS = 120_000;
/** Delayed delete: the scrubber removes pending_delete data this long after the delete (Glance wakeup_time). */
export const SCRUB_DELAY_SECONDS = 300;
const REAP_RETRY_MS = 60_000;

/** The one upload attempt in flight for this image (Durable Object storage, written synchronously). */
export interface Lease {
  imageId: string;
  uploadId: string;
  store: string;
  key: string;
  startedAt: number;
  renewedAt: number;
  /** The image was deleted while the attempt streamed: its object must not survive. */
  cancelled: boolean;
}

const CLEARED_DATA: Partial<Image> = { size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null };

/**
 * One instance per image id: the only writer of an image's status. Calls for one image are
 * serialized here (input gates), the upload lease lives in this object's storage, and every
 * status write is also a conditional D1 update, so the status table holds even against a
 * stray writer. Objects to remove (failed, cancelled or expired attempts) are kept in a list
 * that the alarm retries until R2 confirms.
 */
export class ImageObject extends DurableObject<Env> {
  private repo(): D1ImageRepository {
    return new D1ImageRepository(createDb(this.env.DB));
  }

  private stores(): R2ObjectStores {
    return new R2ObjectStores(settingsFor(this.env), this.env);
  }

  /** The import lock and staging (src/durable-objects/import-lock.ts, staging.ts). */
  private get imports(): ImportLocks {
    return new ImportLocks({
      storage: this.ctx.storage,
      env: this.env,
      addOrphans: (o) => this.addOrphans(o),
      reap: () => this.reap(),
      waitUntil: (p) => this.ctx.waitUntil(p),
      armAlarm: async (at) => {
        const current = await this.ctx.storage.getAlarm();
        if (at !== null && (current === null || current > at)) await this.ctx.storage.setAlarm(at);
      },
    });
  }

  /** Resumable multi-part upload sessions (src/durable-objects/upload-sessions.ts). */
  private get sessions(): UploadSessions {
    return new UploadSessions({
      storage: this.ctx.storage,
      env: this.env,
      repo: () => this.repo(),
      stores: () => this.stores(),
      hasLease: () => this.lease !== undefined,
      addOrphans: (o) => this.addOrphans(o),
      reap: () => this.reap(),
    });
  }

  private get lease(): Lease | undefined {
    return this.ctx.storage.kv.get<Lease>("lease");
  }

  private dropLease(uploadId: string): void {
    if (this.lease?.uploadId === uploadId) this.ctx.storage.kv.delete("lease");
  }

  /** Move the image from one of `from` to `to`; null if it is not in `from` (or gone). */
  async transition(id: string, from: ImageStatus[], to: ImageStatus, fields: Partial<Image> = {}): Promise<Image | null> {
    const repo = this.repo();
    const image = await repo.get(id);
    if (!image || !from.includes(image.status)) return null;
    try {
      assertTransition(image.status, to, image);
    } catch (e) {
      if (e instanceof InvalidStatusTransition) return null;
      throw e;
    }
    return repo.transition(id, [image.status], to, { ...fields, updatedAt: nowIso() });
  }

  /**
   * Soft-delete; `delayed` keeps data for the scrubber (pending_delete) when there is any.
   * Otherwise the stored objects go now. An upload in flight is cancelled: its object is
   * removed whenever it lands (finishUpload answers "gone"; the alarm covers a dead writer).
   */
  async deleteImage(id: string, delayed: boolean): Promise<Image | null> {
    const repo = this.repo();
    const image = await repo.get(id);
    if (!image) return null;
    const at = nowIso();
    const status = delayed && image.stores.length > 0 ? "pending_delete" : "deleted";
    if (!(await repo.softDeleteWithLocations(id, status, at))) return null;
    const lease = this.lease;
    if (lease) {
      this.ctx.storage.kv.put("lease", { ...lease, cancelled: true });
      this.addOrphans([{ store: lease.store, key: lease.key }]);
    }
    if (status === "deleted") {
      await this.scrub(id).catch((e) => {
        console.error(`image ${id}: removing data failed (${String(e)}); the scrubber will retry`);
        return this.enqueueScrub(id, 0);
      });
    } else {
      await this.enqueueScrub(id, SCRUB_DELAY_SECONDS);
    }
    await this.sessions.onImageDeleted();
    await this.imports.onImageDeleted();
    await this.reap();
    return { ...image, status, deleted: true, deletedAt: at, updatedAt: at };
  }

  /** Removes the data of a deleted image (locations pending_delete) and ends pending_delete. Idempotent. */
  async scrub(id: string): Promise<void> {
    const repo = this.repo();
    const locations = await repo.locationsIn(id, ["pending_delete"]);
    const stores = this.stores();
    for (const [storeId, keys] of groupByStore(locations)) {
      await stores.get(storeId)?.delete(keys);
      await repo.markLocationsDeleted(id, keys, nowIso());
    }
    await repo.finishScrub(id, nowIso());
  }

  private async enqueueScrub(id: string, delaySeconds: number): Promise<void> {
    const msg: ScrubMessage = { type: "scrub_image", image_id: id };
    await this.env.EVENTS.send(msg, { contentType: "json", delaySeconds });
  }

  // ---- uploads (shared/design.md "Upload, race-free") ----

  /** queued → saving with a fresh lease; the lease is written before any I/O, so a second begin sees it. */
  async beginUpload(id: string, store: string): Promise<BeginUpload> {
    const current = this.lease;
    if (current && !expired(current)) {
      return { ok: false, reason: "conflict", message: "Image status transition from saving to saving is not allowed" };
    }
    if (current) await this.expire(current);
    const uploadId = crypto.randomUUID();
    const now = Date.now();
    const lease: Lease = { imageId: id, uploadId, store, key: objectKey(id, uploadId), startedAt: now, renewedAt: now, cancelled: false };
    this.ctx.storage.kv.put("lease", lease);
    try {
      const repo = this.repo();
      const image = await repo.get(id);
      if (!image) {
        this.dropLease(uploadId);
        return { ok: false, reason: "not_found", message: `No image found with ID ${id}` };
      }
      try {
        assertTransition(image.status, "saving", image);
      } catch (e) {
        this.dropLease(uploadId);
        if (e instanceof InvalidStatusTransition) return { ok: false, reason: "conflict", message: e.message };
        if (e instanceof DomainError) return { ok: false, reason: "bad_request", message: e.message };
        throw e;
      }
      const moved = await repo.transition(id, ["queued"], "saving", { updatedAt: nowIso() });
      if (!moved) {
        this.dropLease(uploadId);
        return { ok: false, reason: "conflict", message: "Image status transition from queued to saving is not allowed" };
      }
      await this.ctx.storage.setAlarm(now + LEASE_TTL_MS);
      return { ok: true, uploadId, key: lease.key, image: moved };
    } catch (e) {
      this.dropLease(uploadId);
      throw e;
    }
  }

  async renewUpload(_id: string, uploadId: string): Promise<"ok" | "cancelled" | "lost"> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) return "lost";
    if (lease.cancelled) return "cancelled";
    const now = Date.now();
    this.ctx.storage.kv.put("lease", { ...lease, renewedAt: now });
    await this.ctx.storage.setAlarm(now + LEASE_TTL_MS);
    return "ok";
  }

  /** saving → active with the data and its location, if this attempt still holds the image. */
  async finishUpload(id: string, uploadId: string, data: UploadedData): Promise<FinishUpload> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) {
      return { ok: false, reason: "lost", message: `The upload of image ${id} took too long and was abandoned.` };
    }
    const gone: FinishUpload = {
      ok: false,
      reason: "gone",
      message: `Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
    };
    if (lease.cancelled) {
      await this.discard(lease);
      return gone;
    }
    const repo = this.repo();
    const fields: Partial<Image> = { ...data };
    const image = await repo.activateUpload(id, fields, { store: lease.store, key: lease.key }, nowIso());
    if (!image) {
      // Not saving any more: deleted meanwhile (the only other way out of saving is this lease).
      await this.discard(lease);
      return gone;
    }
    this.dropLease(uploadId);
    return { ok: true, image };
  }

  /** The attempt failed: its object goes, saving → queued with the data fields cleared. */
  async abortUpload(id: string, uploadId: string): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.uploadId !== uploadId) return;
    this.addOrphans([{ store: lease.store, key: lease.key }]);
    if (!lease.cancelled) await this.repo().transition(id, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.dropLease(uploadId);
    await this.reap();
  }

  private async discard(lease: Lease): Promise<void> {
    this.addOrphans([{ store: lease.store, key: lease.key }]);
    this.dropLease(lease.uploadId);
    await this.reap();
  }

  /** A writer that stopped renewing (its Worker died, the client vanished): undo its attempt. */
  private async expire(lease: Lease): Promise<void> {
    const id = lease.imageId;
    const repo = this.repo();
    const active = await repo.locationsIn(id, ["active"]);
    if (!active.some((l) => l.key === lease.key)) this.addOrphans([{ store: lease.store, key: lease.key }]);
    if (!lease.cancelled) await repo.transition(id, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.dropLease(lease.uploadId);
    await this.reap();
  }

  override async alarm(): Promise<void> {
    const lease = this.lease;
    if (lease && expired(lease)) await this.expire(lease);
    await this.reap();
    const next = this.lease;
    if (next) await this.ctx.storage.setAlarm(next.renewedAt + LEASE_TTL_MS);
    else if (this.orphans.length > 0) await this.ctx.storage.setAlarm(Date.now() + REAP_RETRY_MS);
    await this.sessions.onAlarm();
    await this.imports.onAlarm();
  }

  // ---- staging and imports: thin delegations (logic in import-lock.ts) ----

  beginStage(id: string, store: string) {
    return this.imports.staging.beginStage(id, store);
  }

  renewStage(_id: string, stageId: string) {
    return this.imports.staging.renewStage(stageId);
  }

  finishStage(id: string, stageId: string, size: number, stageHost: string | null) {
    return this.imports.staging.finishStage(id, stageId, size, stageHost);
  }

  abortStage(_id: string, stageId: string) {
    return this.imports.staging.abortStage(stageId);
  }

  importLockHolder(_id: string) {
    return this.imports.lockHolder();
  }

  acquireImport(id: string, plan: ImportPlan) {
    return this.imports.acquire(id, plan);
  }

  startImport(id: string, taskId: string) {
    return this.imports.start(id, taskId);
  }

  renewImport(id: string, taskId: string) {
    return this.imports.renew(id, taskId);
  }

  applyImportMetadata(id: string, taskId: string, metadata: ImportMetadata) {
    return this.imports.applyMetadata(id, taskId, metadata);
  }

  beginImportWrite(id: string, taskId: string, store: string) {
    return this.imports.beginWrite(id, taskId, store);
  }

  importStoreWritten(id: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    return this.imports.storeWritten(id, taskId, store, key, data, activate);
  }

  importStoreFailed(id: string, taskId: string, store: string) {
    return this.imports.storeFailed(id, taskId, store);
  }

  finishImport(id: string, taskId: string, outcome: ImportOutcome) {
    return this.imports.finish(id, taskId, outcome);
  }

  removeStore(id: string, store: string) {
    return this.imports.removeStore(id, store);
  }

  // ---- upload sessions: thin delegations (logic in upload-sessions.ts) ----

  beginSession(id: string, req: NewUploadSession) {
    return this.sessions.begin(id, req);
  }

  getSession(_id: string, sessionId: string) {
    return this.sessions.get(sessionId);
  }

  currentSession(_id: string) {
    return this.sessions.current();
  }

  sessionPartTarget(id: string, sessionId: string, partNumber: number) {
    return this.sessions.partTarget(id, sessionId, partNumber);
  }

  recordSessionPart(id: string, sessionId: string, part: UploadSessionPart) {
    return this.sessions.recordPart(id, sessionId, part);
  }

  completeSession(id: string, sessionId: string, sha512: string | null) {
    return this.sessions.complete(id, sessionId, sha512);
  }

  abortSession(id: string, sessionId: string) {
    return this.sessions.abort(id, sessionId);
  }

  settleSession(id: string, sessionId: string, data: WrittenData | null, inspection: Inspection) {
    return this.sessions.settle(id, sessionId, data, inspection);
  }

  // ---- objects to remove, retried until they are gone ----

  private get orphans(): ImageLocation[] {
    return this.ctx.storage.kv.get<ImageLocation[]>("orphans") ?? [];
  }

  private addOrphans(objects: ImageLocation[]): void {
    const all = this.orphans;
    for (const o of objects) if (!all.some((x) => x.key === o.key && x.store === o.store)) all.push(o);
    this.ctx.storage.kv.put("orphans", all);
  }

  private async reap(): Promise<void> {
    const pending = this.orphans;
    if (pending.length === 0) return;
    const stores = this.stores();
    const done = new Set<string>();
    for (const [storeId, keys] of groupByStore(pending)) {
      try {
        await stores.get(storeId)?.delete(keys);
        keys.forEach((k) => done.add(`${storeId}\u0000${k}`));
      } catch (e) {
        console.error(`store ${storeId}: deleting ${keys.length} object(s) failed: ${String(e)}`);
      }
    }
    // Re-read: an attempt may have added orphans while R2 answered.
    const left = this.orphans.filter((o) => !done.has(`${o.store}\u0000${o.key}`));
    if (left.length > 0) {
      this.ctx.storage.kv.put("orphans", left);
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + REAP_RETRY_MS);
    } else {
      this.ctx.storage.kv.delete("orphans");
    }
  }
}

const expired = (lease: Lease) => Date.now() - lease.renewedAt > LEASE_TTL_MS;

function groupByStore(locations: ImageLocation[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of locations) m.set(l.store, [...(m.get(l.store) ?? []), l.key]);
  return m;
}
