// Resumable multi-part upload sessions, kept in the image's Durable Object next to the upload
// lease (ImageObject delegates here). One session per image at a time: creating it moves the image
// queued → saving (so PUT /file and a second session get 409), parts are recorded as they land in
// an R2 multipart upload, `complete` assembles them and queues a job that hashes the object, and
// `settle` (that job's answer) activates the image. An idle session is expired by the alarm: its
// multipart upload is aborted and the image goes back to queued.
import type { D1ImageRepository } from "../db/images-repo";
import { DomainError } from "../domain/errors";
import { settingsFor } from "../config";
import type { Inspection } from "../domain/images/formats/inspector";
import { judgeDiskFormat } from "../domain/images/formats/match";
import type { Image } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import type {
  ImageLocation,
  NewUploadSession,
  ObjectStores,
  PartTarget,
  SessionAnswer,
  SessionRefusal,
  SettleSession,
  UploadSession,
  UploadSessionPart,
  UploadSessionStatus,
  WrittenData,
} from "../domain/ports";
import type { VerifyUploadMessage } from "../queues/messages";
import { objectKey } from "../store";

/** A session that receives nothing for this long is aborted. */
export const SESSION_TTL_MS = 24 * 3600_000;
/** The checksum job is queued again when it has not answered after this long (a lost message). */
export const VERIFY_RETRY_MS = 15 * 60_000;
/** ...and the session fails when it still has not answered after this long. */
export const VERIFY_GIVE_UP_MS = 24 * 3600_000;
/** A `complete` that never came back (the object was reset mid-call) is looked at again after this. */
const COMPLETING_STUCK_MS = 10 * 60_000;
const ABORT_RETRY_MS = 60_000;
/** After this many failed aborts R2's own rule (incomplete uploads go after 7 days) is left to it. */
const ABORT_ATTEMPTS = 10;

/** What ImageObject lends this module (its storage and its own helpers). */
export interface SessionHost {
  readonly storage: DurableObjectStorage;
  readonly env: Env;
  repo(): D1ImageRepository;
  stores(): ObjectStores;
  /** A PUT /file attempt holds the image. */
  hasLease(): boolean;
  /** Objects to delete, retried until R2 confirms (by reap). */
  addOrphans(objects: ImageLocation[]): void;
  reap(): Promise<void>;
}

/** The stored session (times in ms); parts live under their own keys. */
export interface SessionRecord
  extends Pick<UploadSession, "id" | "imageId" | "store" | "key" | "multipartId" | "size" | "partSize" | "partCount" | "sha512" | "status" | "message"> {
  createdAt: number;
  touchedAt: number;
  /** When the checksum job was (last) queued. */
  queuedAt: number | null;
  completedAt: number | null;
}

interface PendingAbort {
  store: string;
  key: string;
  multipartId: string;
  attempts?: number;
}

const SESSION = "upload-session";
const PART_PREFIX = "upload-session-part:";
const ABORTS = "upload-session-aborts";
const OPEN: readonly UploadSessionStatus[] = ["starting", "uploading", "completing", "verifying"];
const CLEARED: Partial<Image> = { size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null };

const partKey = (n: number) => PART_PREFIX + String(n).padStart(5, "0");
const refuse = (reason: SessionRefusal["reason"], message: string): SessionRefusal => ({ ok: false, reason, message });
const noSession = (imageId: string, sessionId: string) => refuse("not_found", `No upload session ${sessionId} found for image ${imageId}`);

/** Expected length of part `n` (1-based) of a session: part_size, the last one the rest. */
export const partLength = (s: Pick<SessionRecord, "size" | "partSize" | "partCount">, n: number) =>
  n < s.partCount ? s.partSize : s.size - (s.partCount - 1) * s.partSize;

export class UploadSessions {
  constructor(private readonly host: SessionHost) {}

  private get kv(): SyncKvStorage {
    return this.host.storage.kv;
  }

  get record(): SessionRecord | undefined {
    return this.kv.get<SessionRecord>(SESSION);
  }

  private save(r: SessionRecord): void {
    this.kv.put(SESSION, r);
  }

  /** The record, if it is session `id` and still open. */
  private open(id: string): SessionRecord | undefined {
    const r = this.record;
    return r && r.id === id && OPEN.includes(r.status) ? r : undefined;
  }

  /** True while a session holds the image. */
  get active(): boolean {
    const r = this.record;
    return !!r && OPEN.includes(r.status);
  }

  private parts(): UploadSessionPart[] {
    return [...this.kv.list<UploadSessionPart>({ prefix: PART_PREFIX })].map(([, p]) => p);
  }

  private dropParts(): void {
    for (const [k] of this.kv.list({ prefix: PART_PREFIX })) this.kv.delete(k);
  }

  view(r: SessionRecord, withParts: boolean): UploadSession {
    const receiving = r.status === "starting" || r.status === "uploading";
    return {
      id: r.id,
      imageId: r.imageId,
      store: r.store,
      key: r.key,
      multipartId: r.multipartId,
      size: r.size,
      partSize: r.partSize,
      partCount: r.partCount,
      sha512: r.sha512,
      status: r.status,
      parts: withParts && receiving ? this.parts() : [],
      createdAt: nowIso(new Date(r.createdAt)),
      updatedAt: nowIso(new Date(r.touchedAt)),
      expiresAt: receiving ? nowIso(new Date(r.touchedAt + SESSION_TTL_MS)) : null,
      message: r.message,
    };
  }

  async begin(imageId: string, req: NewUploadSession): Promise<SessionAnswer<{ session: UploadSession; image: Image }>> {
    const current = this.record;
    if (current && OPEN.includes(current.status)) return refuse("conflict", `Image ${imageId} already has an upload session in progress (${current.id}).`);
    if (this.host.hasLease()) return refuse("conflict", "Image status transition from saving to saving is not allowed");
    const id = crypto.randomUUID();
    const now = Date.now();
    const record: SessionRecord = {
      id,
      imageId,
      store: req.store,
      key: objectKey(imageId, id),
      multipartId: "",
      size: req.size,
      partSize: req.partSize,
      partCount: Math.ceil(req.size / req.partSize),
      sha512: req.sha512,
      status: "starting",
      createdAt: now,
      touchedAt: now,
      queuedAt: null,
      completedAt: null,
      message: null,
    };
    // Written before any I/O: a concurrent begin (or PUT /file) sees the image taken.
    this.dropParts();
    this.save(record);
    const mine = () => this.record?.id === id;
    const undo = () => {
      if (mine()) this.kv.delete(SESSION);
    };
    try {
      const repo = this.host.repo();
      const image = await repo.get(imageId);
      if (!image) {
        undo();
        return refuse("not_found", `No image found with ID ${imageId}`);
      }
      try {
        assertTransition(image.status, "saving", image);
      } catch (e) {
        undo();
        if (e instanceof InvalidStatusTransition) return refuse("conflict", e.message);
        if (e instanceof DomainError) return refuse("bad_request", e.message);
        throw e;
      }
      const moved = await repo.transition(imageId, ["queued"], "saving", { updatedAt: nowIso() });
      if (!moved) {
        undo();
        return refuse("conflict", "Image status transition from queued to saving is not allowed");
      }
      let multipartId: string;
      try {
        multipartId = await this.store(req.store).multipart.create(record.key);
      } catch (e) {
        console.error(`image ${imageId}: starting a multipart upload failed: ${String(e)}`);
        if (mine()) await repo.transition(imageId, ["saving"], "queued", { updatedAt: nowIso() });
        undo();
        return refuse("unavailable", `Error writing the image data to store ${req.store}.`);
      }
      if (!mine()) {
        // The image was deleted meanwhile: nothing may be left behind.
        this.queueAbort({ store: req.store, key: record.key, multipartId });
        await this.retryAborts();
        return refuse("not_found", `No image found with ID ${imageId}`);
      }
      const started = { ...record, multipartId, status: "uploading" as const };
      this.save(started);
      await this.scheduleAlarm();
      return { ok: true, session: this.view(started, true), image: moved };
    } catch (e) {
      undo();
      throw e;
    }
  }

  get(sessionId: string): UploadSession | null {
    const r = this.record;
    return r && r.id === sessionId ? this.view(r, true) : null;
  }

  current(): UploadSession | null {
    const r = this.record;
    return r ? this.view(r, false) : null;
  }

  partTarget(imageId: string, sessionId: string, n: number): SessionAnswer<{ target: PartTarget }> {
    const r = this.open(sessionId);
    if (!r) return this.record?.id === sessionId ? this.notReceiving(this.record) : noSession(imageId, sessionId);
    if (r.status !== "uploading") return this.notReceiving(r);
    if (!Number.isInteger(n) || n < 1 || n > r.partCount) return refuse("bad_request", `Part number ${n} is out of range: this session has parts 1 to ${r.partCount}.`);
    return { ok: true, target: { store: r.store, key: r.key, multipartId: r.multipartId, length: partLength(r, n) } };
  }

  recordPart(imageId: string, sessionId: string, part: UploadSessionPart): SessionAnswer<{ part: UploadSessionPart }> {
    const t = this.partTarget(imageId, sessionId, part.partNumber);
    if (!t.ok) return t;
    if (part.size !== t.target.length) return refuse("bad_request", `Part ${part.partNumber} must be ${t.target.length} bytes, not ${part.size}.`);
    this.kv.put(partKey(part.partNumber), part);
    this.save({ ...this.record!, touchedAt: Date.now() });
    return { ok: true, part };
  }

  async complete(imageId: string, sessionId: string, sha512: string | null): Promise<SessionAnswer<{ session: UploadSession }>> {
    const r = this.open(sessionId);
    if (!r) return this.record?.id === sessionId ? this.notReceiving(this.record) : noSession(imageId, sessionId);
    if (r.status === "verifying") return { ok: true, session: this.view(r, false) }; // a repeated complete
    if (r.status !== "uploading") return this.notReceiving(r);
    if (sha512 && r.sha512 && sha512 !== r.sha512) return refuse("bad_request", "The sha512 given does not match the one given when the session was created.");
    const parts = this.parts();
    const have = new Set(parts.map((p) => p.partNumber));
    const missing: number[] = [];
    for (let n = 1; n <= r.partCount; n++) if (!have.has(n)) missing.push(n);
    if (missing.length > 0) {
      const list = missing.slice(0, 20).join(", ") + (missing.length > 20 ? ", ..." : "");
      return refuse("conflict", `The upload session is missing ${missing.length} of ${r.partCount} parts: ${list}.`);
    }
    this.save({ ...r, status: "completing", sha512: sha512 ?? r.sha512, touchedAt: Date.now() });
    let size: number;
    try {
      size = await this.store(r.store).multipart.complete(r.key, r.multipartId, parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
    } catch (e) {
      console.error(`image ${imageId}: completing the multipart upload failed: ${String(e)}`);
      if (this.record?.id === sessionId && this.record.status === "completing") this.save({ ...this.record, status: "uploading" });
      return refuse("unavailable", "The parts could not be assembled; retry, and upload a part again if it keeps failing.");
    }
    const now = this.record;
    if (now?.id !== sessionId || now.status !== "completing") {
      // Deleted (or aborted) while R2 assembled it: the object must not survive.
      this.host.addOrphans([{ store: r.store, key: r.key }]);
      await this.host.reap();
      return noSession(imageId, sessionId);
    }
    if (size !== r.size) {
      await this.fail(now, `The assembled data is ${size} bytes, not the ${r.size} announced.`);
      return refuse("conflict", `The assembled data is ${size} bytes, not the ${r.size} announced.`);
    }
    this.dropParts();
    const verifying: SessionRecord = { ...now, status: "verifying", completedAt: Date.now(), touchedAt: Date.now() };
    this.save(verifying);
    await this.enqueueVerify(verifying);
    await this.scheduleAlarm();
    return { ok: true, session: this.view(this.record!, false) };
  }

  async abort(imageId: string, sessionId: string): Promise<SessionAnswer<{ image: Image | null }>> {
    const r = this.open(sessionId);
    if (!r) return noSession(imageId, sessionId);
    if (r.status === "completing" || r.status === "starting") return refuse("conflict", `The upload session is ${r.status}; try again in a moment.`);
    this.end(r);
    const image = await this.host.repo().transition(imageId, ["saving"], "queued", { ...CLEARED, updatedAt: nowIso() });
    this.kv.delete(SESSION);
    await this.retryAborts();
    await this.host.reap();
    return { ok: true, image };
  }

  /** The checksum job's answer: activate, or fail back to queued when the data is not what was announced. */
  async settle(imageId: string, sessionId: string, data: WrittenData | null, inspection: Inspection): Promise<SettleSession> {
    const r = this.record;
    if (!r || r.id !== sessionId || r.status !== "verifying") return { ok: false, reason: "stale" };
    const failure =
      data === null
        ? "The assembled data was not found."
        : data.size !== r.size
          ? `The assembled data is ${data.size} bytes, not the ${r.size} announced.`
          : r.sha512 && data.sha512 !== r.sha512
            ? `The data's sha512 ${data.sha512} does not match the expected ${r.sha512}.`
            : null;
    const repo = this.host.repo();
    const before = await repo.get(imageId);
    // As for PUT /file: the content must be what disk_format says, and safe.
    const verdict = before ? judgeDiskFormat(before, inspection, settingsFor(this.host.env).requireImageFormatMatch) : null;
    const refusal = failure ?? (verdict && !verdict.ok ? verdict.message : null);
    if (refusal || !data) {
      await this.fail(r, refusal!);
      return { ok: false, reason: "failed", message: refusal! };
    }
    const virtualSize = verdict?.ok ? verdict.virtualSize : null;
    const fields: Partial<Image> = { size: data.size, checksum: data.md5, osHashAlgo: "sha512", osHashValue: data.sha512, virtualSize };
    const image = await repo.activateUpload(imageId, fields, { store: r.store, key: r.key }, nowIso());
    if (!image) {
      // Not saving any more (deleted meanwhile): the object must not survive.
      this.host.addOrphans([{ store: r.store, key: r.key }]);
      this.kv.delete(SESSION);
      await this.host.reap();
      return { ok: false, reason: "stale" };
    }
    this.save({ ...r, status: "completed", touchedAt: Date.now() });
    return { ok: true, image };
  }

  /** The image was deleted: drop the session, its parts and its object (the caller reaps orphans). */
  async onImageDeleted(): Promise<void> {
    const r = this.record;
    if (!r || !OPEN.includes(r.status)) return;
    this.end(r);
    this.kv.delete(SESSION);
    await this.retryAborts();
  }

  /** Alarm duty: retry aborts, expire an idle session, chase a checksum job. Then re-arm. */
  async onAlarm(): Promise<void> {
    await this.retryAborts();
    const r = this.record;
    const now = Date.now();
    if (r?.status === "uploading" && now - r.touchedAt > SESSION_TTL_MS) {
      this.end(r);
      await this.host.repo().transition(r.imageId, ["saving"], "queued", { ...CLEARED, updatedAt: nowIso() });
      this.save({ ...r, status: "expired", touchedAt: now, message: `No part arrived for ${SESSION_TTL_MS / 3600_000} hours: the session expired.` });
      await this.retryAborts();
    } else if (r?.status === "completing" && now - r.touchedAt > COMPLETING_STUCK_MS) {
      await this.unstick(r);
    } else if (r?.status === "verifying" && now - (r.completedAt ?? now) > VERIFY_GIVE_UP_MS) {
      await this.fail(r, "The checksums of the assembled data could not be computed in time.");
    } else if (r?.status === "verifying" && now - (r.queuedAt ?? 0) > VERIFY_RETRY_MS) {
      await this.enqueueVerify(r);
    }
    await this.scheduleAlarm();
  }

  /** Sets the alarm for what this module waits for, unless an earlier one is set. */
  async scheduleAlarm(): Promise<void> {
    const r = this.record;
    const due: number[] = [];
    if (r?.status === "uploading" || r?.status === "starting") due.push(r.touchedAt + SESSION_TTL_MS + 1);
    if (r?.status === "completing") due.push(r.touchedAt + COMPLETING_STUCK_MS + 1);
    if (r?.status === "verifying") due.push(Math.min((r.queuedAt ?? 0) + VERIFY_RETRY_MS, (r.completedAt ?? 0) + VERIFY_GIVE_UP_MS) + 1);
    if ((this.kv.get<PendingAbort[]>(ABORTS) ?? []).length > 0) due.push(Date.now() + ABORT_RETRY_MS);
    if (due.length === 0) return;
    const at = Math.min(...due);
    const set = await this.host.storage.getAlarm();
    if (set === null || set > at || set < Date.now()) await this.host.storage.setAlarm(at);
  }

  // ---- helpers ----

  private store(id: string) {
    const s = this.host.stores().get(id);
    if (!s) throw new Error(`store ${id} is not configured`);
    return s;
  }

  private notReceiving(r: SessionRecord): SessionRefusal {
    return refuse("conflict", `The upload session is ${r.status} and takes no parts${r.message ? `: ${r.message}` : "."}`);
  }

  /** Whatever the session wrote goes: its parts (multipart abort) or its assembled object. */
  private end(r: SessionRecord): void {
    this.dropParts();
    if (r.status === "verifying" || r.status === "completed") this.host.addOrphans([{ store: r.store, key: r.key }]);
    else if (r.multipartId) this.queueAbort({ store: r.store, key: r.key, multipartId: r.multipartId });
  }

  /** The data is not right: object removed, saving → queued, the session kept as failed (with why). */
  private async fail(r: SessionRecord, message: string): Promise<void> {
    this.dropParts();
    this.host.addOrphans([{ store: r.store, key: r.key }]);
    await this.host.repo().transition(r.imageId, ["saving"], "queued", { ...CLEARED, updatedAt: nowIso() });
    this.save({ ...r, status: "failed", touchedAt: Date.now(), message });
    await this.host.reap();
  }

  /** A `complete` cut off mid-call: if R2 assembled the object, verify it; else take parts again. */
  private async unstick(r: SessionRecord): Promise<void> {
    const head = await this.store(r.store).read(r.key, { range: { offset: 0, length: 1 } });
    await head?.body.cancel().catch(() => {});
    if (!head) {
      this.save({ ...r, status: "uploading", touchedAt: Date.now() });
      return;
    }
    this.dropParts();
    const verifying: SessionRecord = { ...r, status: "verifying", completedAt: Date.now(), touchedAt: Date.now() };
    this.save(verifying);
    await this.enqueueVerify(verifying);
  }

  private async enqueueVerify(r: SessionRecord): Promise<void> {
    const msg: VerifyUploadMessage = { type: "verify_upload", image_id: r.imageId, session_id: r.id };
    this.save({ ...r, queuedAt: Date.now() });
    // A lost send is retried by the alarm (VERIFY_RETRY_MS).
    await this.host.env.EVENTS.send(msg, { contentType: "json" }).catch((e) => console.error(`image ${r.imageId}: queueing the checksum job failed: ${String(e)}`));
  }

  private queueAbort(a: PendingAbort): void {
    this.kv.put(ABORTS, [...(this.kv.get<PendingAbort[]>(ABORTS) ?? []), a]);
  }

  /** Aborts multipart uploads until R2 confirms (R2 also drops incomplete uploads after 7 days). */
  private async retryAborts(): Promise<void> {
    const pending = this.kv.get<PendingAbort[]>(ABORTS) ?? [];
    if (pending.length === 0) return;
    const done = new Set<string>();
    const failed = new Set<string>();
    for (const a of pending) {
      try {
        await this.store(a.store).multipart.abort(a.key, a.multipartId);
        done.add(a.multipartId);
      } catch (e) {
        console.error(`store ${a.store}: aborting multipart upload of ${a.key} failed: ${String(e)}`);
        failed.add(a.multipartId);
      }
    }
    // Re-read: a session may have queued another abort while R2 answered.
    const left = (this.kv.get<PendingAbort[]>(ABORTS) ?? [])
      .filter((a) => !done.has(a.multipartId))
      .map((a) => (failed.has(a.multipartId) ? { ...a, attempts: (a.attempts ?? 0) + 1 } : a))
      .filter((a) => (a.attempts ?? 0) < ABORT_ATTEMPTS);
    if (left.length > 0) this.kv.put(ABORTS, left);
    else this.kv.delete(ABORTS);
  }
}
