// An upload session after its parts: the checksum job's answer (settle), and the alarm's duties
// (expire an idle session, look again at a `complete` cut off mid-call, chase or give up on a
// checksum job, retry multipart aborts). Deadlines: src/domain/images/upload-session-rules.ts.
import type { Inspection } from "../domain/images/formats/inspector";
import { CLEARED_DATA, type Image, nowIso } from "../domain/images/image";
import {
  COMPLETING_STUCK_MS,
  SESSION_TTL_MS,
  type SessionRecord,
  VERIFY_GIVE_UP_MS,
  VERIFY_RETRY_MS,
  judgeSessionData,
} from "../domain/images/upload-session-rules";
import type { SettleSession, WrittenData } from "../domain/ports";
import type { ObjectHost } from "./object-host";
import { SESSION, type UploadSessions } from "./upload-sessions";

export class SessionUpkeep {
  constructor(
    private readonly host: ObjectHost,
    private readonly sessions: UploadSessions,
  ) {}

  /** The checksum job's answer: activate, or fail back to queued when the data is not what was announced. */
  async settle(imageId: string, sessionId: string, data: WrittenData | null, inspection: Inspection): Promise<SettleSession> {
    const r = this.sessions.record;
    if (!r || r.id !== sessionId || r.status !== "verifying") return { ok: false, reason: "stale" };
    const repo = this.sessions.repo;
    const before = await repo.get(imageId);
    // A duplicate delivery of the job may have settled the session while D1 answered (D1 is not
    // storage: the input gate lets it in): only the first answer counts.
    if (!this.stillVerifying(sessionId)) return { ok: false, reason: "stale" };
    const { requireImageFormatMatch, hashingAlgorithm } = this.host.services.settings;
    const verdict = judgeSessionData(r, data, inspection, before, requireImageFormatMatch, hashingAlgorithm);
    if (!verdict.ok) {
      await this.sessions.fail(r, verdict.message);
      return { ok: false, reason: "failed", message: verdict.message };
    }
    const fields: Partial<Image> = verdict.fields;
    const image = await repo.activateUpload(imageId, fields, { store: r.store, key: r.key }, nowIso());
    if (!image) {
      // Not saving any more: deleted meanwhile (the object must not survive), or a duplicate
      // delivery activated it first (the object is the image's data: it stays).
      const live = await repo.locationsIn(imageId, ["active"]);
      if (live.some((l) => l.store === r.store && l.key === r.key)) return { ok: false, reason: "stale" };
      this.host.orphans.add([{ store: r.store, key: r.key }]);
      if (this.stillVerifying(sessionId)) this.sessions.kv.delete(SESSION);
      await this.host.orphans.reap();
      return { ok: false, reason: "stale" };
    }
    this.sessions.save({ ...r, status: "completed", touchedAt: Date.now() });
    return { ok: true, image };
  }

  private stillVerifying(sessionId: string): boolean {
    const now = this.sessions.record;
    return now?.id === sessionId && now.status === "verifying";
  }

  async onAlarm(): Promise<void> {
    const { sessions } = this;
    await sessions.aborts.retry();
    const r = sessions.record;
    const now = Date.now();
    if (r?.status === "uploading" && now - r.touchedAt > SESSION_TTL_MS) {
      sessions.end(r);
      await sessions.repo.transition(r.imageId, ["saving"], "queued", { ...CLEARED_DATA, updatedAt: nowIso() });
      sessions.save({ ...r, status: "expired", touchedAt: now, message: `No part arrived for ${SESSION_TTL_MS / 3600_000} hours: the session expired.` });
      await sessions.aborts.retry();
    } else if (r?.status === "completing" && now - r.touchedAt > COMPLETING_STUCK_MS) {
      await this.unstick(r);
    } else if (r?.status === "verifying" && now - (r.completedAt ?? now) > VERIFY_GIVE_UP_MS) {
      await sessions.fail(r, "The checksums of the assembled data could not be computed in time.");
    } else if (r?.status === "verifying" && now - (r.queuedAt ?? 0) > VERIFY_RETRY_MS) {
      await sessions.enqueueVerify(r);
    }
  }

  /** A `complete` cut off mid-call: if R2 assembled the object, verify it; else take parts again. */
  private async unstick(r: SessionRecord): Promise<void> {
    const head = await this.sessions.store(r.store).read(r.key, { range: { offset: 0, length: 1 } });
    await head?.body.cancel().catch(() => {});
    if (!head) {
      this.sessions.save({ ...r, status: "uploading", touchedAt: Date.now() });
      return;
    }
    this.sessions.dropParts();
    const verifying: SessionRecord = { ...r, status: "verifying", completedAt: Date.now(), touchedAt: Date.now() };
    this.sessions.save(verifying);
    await this.sessions.enqueueVerify(verifying);
  }
}
