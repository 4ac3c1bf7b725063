// The rules of a resumable upload session, as pure functions (README "Large images"): part sizes,
// what `complete` needs, and the verdict on the assembled data. The image's coordinator
// (src/durable-objects/upload-sessions.ts) keeps the session and applies them.
import type { Inspection } from "./formats/inspector";
import { judgeDiskFormat } from "./formats/match";
import { type Image, nowIso } from "./image";
import type { UploadSession, UploadSessionPart, UploadSessionStatus, WrittenData } from "../ports";

/** A session that receives nothing for this long is aborted. */
export const SESSION_TTL_MS = 24 * 3600_000;
/** The checksum job is queued again when it has not answered after this long (a lost message). */
export const VERIFY_RETRY_MS = 15 * 60_000;
/** ...and the session fails when it still has not answered after this long. */
export const VERIFY_GIVE_UP_MS = 24 * 3600_000;
/** A `complete` that never came back (the object was reset mid-call) is looked at again after this. */
export const COMPLETING_STUCK_MS = 10 * 60_000;

/** Statuses in which a session holds the image (saving). */
export const OPEN_SESSION: readonly UploadSessionStatus[] = ["starting", "uploading", "completing", "verifying"];

/** Expected length of part `n` (1-based): part_size, the last one the rest. */
export const partLength = (s: Pick<UploadSession, "size" | "partSize" | "partCount">, n: number) =>
  n < s.partCount ? s.partSize : s.size - (s.partCount - 1) * s.partSize;

/** Part numbers 1..count not in `have`. */
export function missingParts(have: Iterable<number>, count: number): number[] {
  const got = new Set(have);
  const missing: number[] = [];
  for (let n = 1; n <= count; n++) if (!got.has(n)) missing.push(n);
  return missing;
}

/** The 409 message for missing parts (the first 20 listed). */
export function missingPartsMessage(missing: number[], count: number): string {
  const list = missing.slice(0, 20).join(", ") + (missing.length > 20 ? ", ..." : "");
  return `The upload session is missing ${missing.length} of ${count} parts: ${list}.`;
}

export type SessionVerdict = { ok: true; fields: Partial<Image> } | { ok: false; message: string };

/**
 * The checksum job's findings against what the session announced, then, as for PUT /file, the
 * content against the image's disk_format (and its safety). `image` null: the image is gone.
 */
export function judgeSessionData(
  expected: { size: number; sha512: string | null },
  data: WrittenData | null,
  inspection: Inspection,
  image: Image | null,
  requireFormatMatch: boolean,
  hashingAlgorithm: string,
): SessionVerdict {
  if (data === null) return { ok: false, message: "The assembled data was not found." };
  if (data.size !== expected.size) return { ok: false, message: `The assembled data is ${data.size} bytes, not the ${expected.size} announced.` };
  if (expected.sha512 && data.sha512 !== expected.sha512) {
    return { ok: false, message: `The data's sha512 ${data.sha512} does not match the expected ${expected.sha512}.` };
  }
  const verdict = image ? judgeDiskFormat(image, inspection, requireFormatMatch) : null;
  if (verdict && !verdict.ok) return { ok: false, message: verdict.message };
  const virtualSize = verdict?.ok ? verdict.virtualSize : null;
  return { ok: true, fields: { size: data.size, checksum: data.md5, osHashAlgo: hashingAlgorithm, osHashValue: data.sha512, virtualSize } };
}

/** When a session next needs its coordinator's attention (times in ms), or null. */
export function sessionDeadline(r: Pick<SessionRecord, "status" | "touchedAt" | "queuedAt" | "completedAt">): number | null {
  switch (r.status) {
    case "starting":
    case "uploading":
      return r.touchedAt + SESSION_TTL_MS + 1;
    case "completing":
      return r.touchedAt + COMPLETING_STUCK_MS + 1;
    case "verifying":
      return Math.min((r.queuedAt ?? 0) + VERIFY_RETRY_MS, (r.completedAt ?? 0) + VERIFY_GIVE_UP_MS) + 1;
    default:
      return null;
  }
}

/** The session as its coordinator stores it (times in ms); parts are kept apart. */
export interface SessionRecord
  extends Pick<UploadSession, "id" | "imageId" | "store" | "key" | "multipartId" | "size" | "partSize" | "partCount" | "sha512" | "status" | "message"> {
  createdAt: number;
  touchedAt: number;
  /** When the checksum job was (last) queued. */
  queuedAt: number | null;
  completedAt: number | null;
}

/** The session as the API shows it; parts (and the expiry) only while it takes parts. */
export function sessionView(r: SessionRecord, parts: UploadSessionPart[]): UploadSession {
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
    parts: receiving ? parts : [],
    createdAt: nowIso(new Date(r.createdAt)),
    updatedAt: nowIso(new Date(r.touchedAt)),
    expiresAt: receiving ? nowIso(new Date(r.touchedAt + SESSION_TTL_MS)) : null,
    message: r.message,
  };
}
