// Resumable multi-part upload sessions, kept in the image's Durable Object next to the upload
// lease. One session per image at a time: creating it moves the image queued → saving (so PUT
// /file and a second session get 409), parts are recorded as they land in an R2 multipart upload,
// `complete` assembles them and queues a job that hashes the object, and `settle` (that job's
// answer) activates the image. The rules (part sizes, the verdict on the data, deadlines) are in
// src/domain/images/upload-session-rules.ts; the alarm's duties in session-upkeep.ts.
import { DomainError } from "../domain/errors";
import { CLEARED_DATA, type Image, nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import { OPEN_SESSION, type SessionRecord, missingParts, missingPartsMessage, partLength, sessionDeadline, sessionView } from "../domain/images/upload-session-rules";
import type {
  NewUploadSession,
  PartTarget,
  SessionAnswer,
  SessionRefusal,
  UploadSession,
  UploadSessionPart,
} from "../domain/ports";
import type { MultipartAborts } from "./multipart-aborts";
import type { ObjectHost } from "./object-host";

export type { SessionRecord } from "../domain/images/upload-session-rules";

export const SESSION = "upload-session";
const PART_PREFIX = "upload-session-part:";

const partKey = (n: number) => PART_PREFIX + String(n).padStart(5, "0");
const refuse = (reason: SessionRefusal["reason"], message: string): SessionRefusal => ({ ok: false, reason, message });
const noSession = (imageId: string, sessionId: string) => refuse("not_found", `No upload session ${sessionId} found for image ${imageId}`);

export class UploadSessions {
  constructor(
    private readonly host: ObjectHost,
    readonly aborts: MultipartAborts,
    /** A PUT /file attempt holds the image. */
    private readonly hasLease: () => boolean,
    private readonly objectKey: (imageId: string, attempt: string) => string,
  ) {}

  get kv(): SyncKvStorage {
    return this.host.kv;
  }

  get repo() {
    return this.host.services.imageState;
  }

  get record(): SessionRecord | undefined {
    return this.kv.get<SessionRecord>(SESSION);
  }

  save(r: SessionRecord): void {
    this.kv.put(SESSION, r);
  }

  /** The record, if it is session `id` and still open. */
  private open(id: string): SessionRecord | undefined {
    const r = this.record;
    return r && r.id === id && OPEN_SESSION.includes(r.status) ? r : undefined;
  }

  private parts(): UploadSessionPart[] {
    return [...this.kv.list<UploadSessionPart>({ prefix: PART_PREFIX })].map(([, p]) => p);
  }

  private view(r: SessionRecord, withParts: boolean): UploadSession {
    return sessionView(r, withParts ? this.parts() : []);
  }

  dropParts(): void {
    for (const [k] of this.kv.list({ prefix: PART_PREFIX })) this.kv.delete(k);
  }

  async begin(imageId: string, req: NewUploadSession): Promise<SessionAnswer<{ session: UploadSession; image: Image }>> {
    const current = this.record;
    if (current && OPEN_SESSION.includes(current.status)) return refuse("conflict", `Image ${imageId} already has an upload session in progress (${current.id}).`);
    if (this.hasLease()) return refuse("conflict", "Image status transition from saving to saving is not allowed");
    const id = crypto.randomUUID();
    const now = Date.now();
    const record: SessionRecord = {
      id,
      imageId,
      store: req.store,
      key: this.objectKey(imageId, id),
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
      const repo = this.repo;
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
        this.aborts.add({ store: req.store, key: record.key, multipartId });
        await this.aborts.retry();
        return refuse("not_found", `No image found with ID ${imageId}`);
      }
      const started = { ...record, multipartId, status: "uploading" as const };
      this.save(started);
      await this.host.clock.armBy(this.due);
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
    const missing = missingParts(parts.map((p) => p.partNumber), r.partCount);
    if (missing.length > 0) return refuse("conflict", missingPartsMessage(missing, r.partCount));
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
      this.host.orphans.add([{ store: r.store, key: r.key }]);
      await this.host.orphans.reap();
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
    await this.host.clock.armBy(this.due);
    return { ok: true, session: this.view(this.record!, false) };
  }

  async abort(imageId: string, sessionId: string): Promise<SessionAnswer<{ image: Image | null }>> {
    const r = this.open(sessionId);
    if (!r) return noSession(imageId, sessionId);
    if (r.status === "completing" || r.status === "starting") return refuse("conflict", `The upload session is ${r.status}; try again in a moment.`);
    this.end(r);
    const image = await this.repo.transition(imageId, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.kv.delete(SESSION);
    await this.aborts.retry();
    await this.host.orphans.reap();
    return { ok: true, image };
  }

  /** The image was deleted: drop the session, its parts and its object (the caller reaps orphans). */
  async onImageDeleted(): Promise<void> {
    const r = this.record;
    if (!r || !OPEN_SESSION.includes(r.status)) return;
    this.end(r);
    this.kv.delete(SESSION);
    await this.aborts.retry();
  }

  // ---- helpers ----

  store(id: string) {
    const s = this.host.services.stores.get(id);
    if (!s) throw new Error(`store ${id} is not configured`);
    return s;
  }

  private notReceiving(r: SessionRecord): SessionRefusal {
    return refuse("conflict", `The upload session is ${r.status} and takes no parts${r.message ? `: ${r.message}` : "."}`);
  }

  /** Whatever the session wrote goes: its parts (multipart abort) or its assembled object. */
  end(r: SessionRecord): void {
    this.dropParts();
    if (r.status === "verifying" || r.status === "completed") this.host.orphans.add([{ store: r.store, key: r.key }]);
    else if (r.multipartId) this.aborts.add({ store: r.store, key: r.key, multipartId: r.multipartId });
  }

  /** The data is not right: object removed, saving → queued, the session kept as failed (with why). */
  async fail(r: SessionRecord, message: string): Promise<void> {
    this.dropParts();
    this.host.orphans.add([{ store: r.store, key: r.key }]);
    await this.repo.transition(r.imageId, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
    this.save({ ...r, status: "failed", touchedAt: Date.now(), message });
    await this.host.orphans.reap();
  }

  async enqueueVerify(r: SessionRecord): Promise<void> {
    this.save({ ...r, queuedAt: Date.now() });
    // A lost send is retried by the alarm (VERIFY_RETRY_MS).
    await this.host.services.jobs.verifyUpload(r.imageId, r.id).catch((e) => console.error(`image ${r.imageId}: queueing the checksum job failed: ${String(e)}`));
  }

  /** When this module next needs the alarm, or null (session-upkeep.ts). */
  get due(): number | null {
    const r = this.record;
    const d = r ? sessionDeadline(r) : null;
    const a = this.aborts.due;
    return d === null ? a : a === null ? d : Math.min(d, a);
  }
}
