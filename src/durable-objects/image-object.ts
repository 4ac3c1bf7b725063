// The image's Durable Object: one instance per image id, the only writer of the image's status
// and data fields. Calls for one image are serialized here (input gates); every status write is
// also a conditional D1 update, so the status table holds even against a stray writer. This file
// is the object's RPC surface; each concern is a module with the storage it owns:
//   upload-lease.ts     PUT /file's lease            staging.ts         PUT /stage's lease, staged data
//   import-lock.ts      the import lock               import-steps.ts    a running import's steps
//   upload-sessions.ts  multi-part upload sessions    session-upkeep.ts  their verification and timers
//   image-lifecycle.ts  transitions, delete, scrub, delete-from-store
//   orphans.ts          objects to remove, retried     alarm-clock.ts     one alarm: the earliest deadline wins
// The ports (D1, R2, the queue) come from src/wiring.ts, which subclasses this one.
import { DurableObject } from "cloudflare:workers";
import type { Inspection } from "../domain/images/formats/inspector";
import type { Image, ImageStatus } from "../domain/images/image";
import { objectKey } from "../domain/images/object-keys";
import type { ImportMetadata, ImportOutcome, ImportPlan } from "../domain/imports/ports";
import type { NewUploadSession, UploadSessionPart, UploadedData, WrittenData } from "../domain/ports";
import type { Services } from "../domain/services";
import { AlarmClock } from "./alarm-clock";
import { ImageLifecycle } from "./image-lifecycle";
import { ImportLock } from "./import-lock";
import { ImportSteps } from "./import-steps";
import { MultipartAborts } from "./multipart-aborts";
import type { ObjectHost } from "./object-host";
import { Orphans } from "./orphans";
import { SessionUpkeep } from "./session-upkeep";
import { Staging } from "./staging";
import { UploadLeases } from "./upload-lease";
import { UploadSessions } from "./upload-sessions";

export { LEASE_TTL_MS, type Lease } from "./upload-lease";
export { SCRUB_DELAY_SECONDS } from "./image-lifecycle";

/** The object's modules, built once per instance. */
interface Modules {
  uploads: UploadLeases;
  staging: Staging;
  lock: ImportLock;
  steps: ImportSteps;
  sessions: UploadSessions;
  upkeep: SessionUpkeep;
  lifecycle: ImageLifecycle;
  host: ObjectHost;
}

export abstract class ImageObject extends DurableObject<Env> {
  /** The ports this object works with (built by src/wiring.ts: this folder constructs no adapter). */
  protected abstract buildServices(): Services;

  private built?: Modules;

  private get m(): Modules {
    if (this.built) return this.built;
    const services = this.buildServices();
    const kv = this.ctx.storage.kv;
    const clock = new AlarmClock(this.ctx.storage);
    const host: ObjectHost = { kv, services, clock, orphans: new Orphans(kv, () => services.stores, clock) };
    const uploads = new UploadLeases(host);
    const staging = new Staging(host);
    const lock = new ImportLock(host, staging);
    const sessions = new UploadSessions(host, new MultipartAborts(kv, () => services.stores), () => uploads.lease !== undefined, objectKey);
    const onDeleted = async () => {
      uploads.onImageDeleted();
      await sessions.onImageDeleted();
      staging.onImageDeleted();
      lock.onImageDeleted();
    };
    this.built = {
      uploads,
      staging,
      lock,
      steps: new ImportSteps(host, lock, objectKey),
      sessions,
      upkeep: new SessionUpkeep(host, sessions),
      lifecycle: new ImageLifecycle(host, onDeleted),
      host,
    };
    return this.built;
  }

  override async alarm(): Promise<void> {
    const { uploads, staging, lock, upkeep, sessions, host } = this.m;
    await uploads.onAlarm();
    await host.orphans.reap();
    await upkeep.onAlarm();
    await staging.onAlarm();
    await lock.onAlarm();
    await host.clock.rearm([uploads.due, staging.due, lock.due, sessions.due, host.orphans.due]);
  }

  // ---- status moves, delete, scrub, delete-from-store (image-lifecycle.ts)
  transition(id: string, from: ImageStatus[], to: ImageStatus, fields?: Partial<Image>) {
    return this.m.lifecycle.transition(id, from, to, fields);
  }
  deleteImage(id: string, delayed: boolean) {
    return this.m.lifecycle.deleteImage(id, delayed);
  }
  scrub(id: string) {
    return this.m.lifecycle.scrub(id);
  }
  removeStore(id: string, store: string) {
    return this.m.lifecycle.removeStore(id, store);
  }

  // ---- PUT /file (upload-lease.ts)
  beginUpload(id: string, store: string) {
    return this.m.uploads.begin(id, store, (uploadId) => objectKey(id, uploadId));
  }
  renewUpload(_id: string, uploadId: string) {
    return this.m.uploads.renew(uploadId);
  }
  finishUpload(id: string, uploadId: string, data: UploadedData) {
    return this.m.uploads.finish(id, uploadId, data);
  }
  abortUpload(id: string, uploadId: string) {
    return this.m.uploads.abort(id, uploadId);
  }

  // ---- PUT /stage (staging.ts)
  beginStage(id: string, store: string) {
    return this.m.staging.beginStage(id, store);
  }
  renewStage(_id: string, stageId: string) {
    return this.m.staging.renewStage(stageId);
  }
  finishStage(id: string, stageId: string, size: number, stageHost: string | null) {
    return this.m.staging.finishStage(id, stageId, size, stageHost);
  }
  abortStage(_id: string, stageId: string) {
    return this.m.staging.abortStage(stageId);
  }

  // ---- the import lock and an import's steps (import-lock.ts, import-steps.ts)
  importLockHolder(_id: string) {
    return this.m.lock.lockHolder();
  }
  acquireImport(id: string, plan: ImportPlan) {
    return this.m.lock.acquire(id, plan);
  }
  renewImport(id: string, taskId: string, delivery?: string) {
    return this.m.lock.renew(id, taskId, delivery);
  }
  finishImport(id: string, taskId: string, outcome: ImportOutcome) {
    return this.m.lock.finish(id, taskId, outcome);
  }
  startImport(id: string, taskId: string) {
    return this.m.steps.start(id, taskId);
  }
  applyImportMetadata(id: string, taskId: string, metadata: ImportMetadata) {
    return this.m.steps.applyMetadata(id, taskId, metadata);
  }
  beginImportWrite(id: string, taskId: string, store: string, delivery: string) {
    return this.m.steps.beginWrite(id, taskId, store, delivery);
  }
  importStoreWritten(id: string, taskId: string, store: string, key: string, data: WrittenData & { virtualSize: number | null }, activate: boolean) {
    return this.m.steps.storeWritten(id, taskId, store, key, data, activate);
  }
  importStoreFailed(id: string, taskId: string, store: string, key: string) {
    return this.m.steps.storeFailed(id, taskId, store, key);
  }

  // ---- upload sessions (upload-sessions.ts, session-upkeep.ts)
  beginSession(id: string, req: NewUploadSession) {
    return this.m.sessions.begin(id, req);
  }
  getSession(_id: string, sessionId: string) {
    return this.m.sessions.get(sessionId);
  }
  currentSession(_id: string) {
    return this.m.sessions.current();
  }
  sessionPartTarget(id: string, sessionId: string, partNumber: number) {
    return this.m.sessions.partTarget(id, sessionId, partNumber);
  }
  recordSessionPart(id: string, sessionId: string, part: UploadSessionPart) {
    return this.m.sessions.recordPart(id, sessionId, part);
  }
  completeSession(id: string, sessionId: string, sha512: string | null) {
    return this.m.sessions.complete(id, sessionId, sha512);
  }
  abortSession(id: string, sessionId: string) {
    return this.m.sessions.abort(id, sessionId);
  }
  settleSession(id: string, sessionId: string, data: WrittenData | null, inspection: Inspection) {
    return this.m.upkeep.settle(id, sessionId, data, inspection);
  }
}
