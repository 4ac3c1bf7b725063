// Resumable multi-part uploads (src/domain/images/upload-sessions.ts), kept per image by its
// coordinator (the image's Durable Object). Re-exported from ports.ts.
import type { Image } from "./image";
import type { Inspection } from "./formats/inspector";
import type { WrittenData } from "../store-ports";

export type UploadSessionStatus = "starting" | "uploading" | "completing" | "verifying" | "completed" | "failed" | "expired";

export interface UploadSessionPart {
  partNumber: number;
  size: number;
  etag: string;
}

/** A resumable upload of one image's data in parts (kept by the image's coordinator). */
export interface UploadSession {
  id: string;
  imageId: string;
  store: string;
  /** Object key and R2 multipart upload id (internal: never serialized). */
  key: string;
  multipartId: string;
  size: number;
  partSize: number;
  partCount: number;
  /** The SHA-512 the client expects (hex), checked before the image becomes active. */
  sha512: string | null;
  status: UploadSessionStatus;
  /** Parts received so far, ascending (empty once the session is completing or over). */
  parts: UploadSessionPart[];
  createdAt: string;
  updatedAt: string;
  /** When an idle session is aborted (null once it is no longer receiving parts). */
  expiresAt: string | null;
  /** Why a session failed or expired. */
  message: string | null;
}

export interface NewUploadSession {
  store: string;
  size: number;
  partSize: number;
  sha512: string | null;
}

/** Where one part goes, if the session takes it now. */
export interface PartTarget {
  store: string;
  key: string;
  multipartId: string;
  /** The exact length part `partNumber` must have. */
  length: number;
}

export type SessionRefusal = { ok: false; reason: "not_found" | "conflict" | "bad_request" | "unavailable"; message: string };
export type SessionAnswer<T> = ({ ok: true } & T) | SessionRefusal;

/** The outcome of hashing the assembled object (the verify job). */
export type SettleSession = { ok: true; image: Image } | { ok: false; reason: "stale" } | { ok: false; reason: "failed"; message: string };

/** Upload sessions, serialized per image with its status (the image's Durable Object). */
export interface UploadSessionCoordinator {
  /** queued → saving and a new session with an R2 multipart upload; a second session or PUT /file is refused. */
  begin(imageId: string, request: NewUploadSession): Promise<SessionAnswer<{ session: UploadSession; image: Image }>>;
  /** The session (with its received parts), also after it ended (its last state), or null. */
  get(imageId: string, sessionId: string): Promise<UploadSession | null>;
  /** The image's current or last session (parts omitted), or null. */
  current(imageId: string): Promise<UploadSession | null>;
  /** Where part `partNumber` goes, if the session is taking parts. */
  partTarget(imageId: string, sessionId: string, partNumber: number): Promise<SessionAnswer<{ target: PartTarget }>>;
  /** Records an uploaded part (a repeated part replaces the earlier one). */
  recordPart(imageId: string, sessionId: string, part: UploadSessionPart): Promise<SessionAnswer<{ part: UploadSessionPart }>>;
  /** Assembles the parts (all must be there) and queues the checksum job: the session is `verifying`. */
  complete(imageId: string, sessionId: string, sha512: string | null): Promise<SessionAnswer<{ session: UploadSession }>>;
  /** Drops the session and its parts; saving → queued. */
  abort(imageId: string, sessionId: string): Promise<SessionAnswer<{ image: Image | null }>>;
  /** After hashing: saving → active with the data (or back to queued when it is not what was announced). */
  /** `inspection`: what the data is (the coordinator judges it against the image's formats). */
  settle(imageId: string, sessionId: string, data: WrittenData | null, inspection: Inspection): Promise<SettleSession>;
}
