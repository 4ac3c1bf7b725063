// Interfaces the domain needs from the outside world; adapters live in src/db, src/store,
// src/queues, src/durable-objects, src/import-sources and src/keystone, and src/wiring.ts plugs
// them in. Nothing here knows about D1, R2, Queues or Durable Objects.
import type { Inspection } from "./images/formats/inspector";
import type { Image, ImageStatus } from "./images/image";
import type { ImageLocation } from "./images/state-repository";
import type { ImageMember, MemberStatus } from "./members/member";

export type ImageSortKey = "name" | "status" | "container_format" | "disk_format" | "size" | "id" | "created_at" | "updated_at";
export type ImageFilterOp = "eq" | "neq" | "gt" | "gte" | "lt" | "lte";

/** A validated GET /v2/images query (built by src/domain/images/list.ts). Column names are Glance's snake_case. */
export interface ImageListQuery {
  /** The caller: admin sees every project; projectId null = anonymous. */
  viewer: { isAdmin: boolean; projectId: string | null };
  visibility?: "public" | "private" | "shared" | "community" | "all";
  /** Membership status required for images shared with the caller ("all" = any). */
  memberStatus: "accepted" | "pending" | "rejected" | "all";
  osHidden: boolean;
  protected?: boolean;
  /** Image column -> accepted values (one value = equality, several = IN). */
  exact: Record<string, string[]>;
  /** Comparisons on image columns (created_at/updated_at thresholds are canonical UTC strings). */
  ranges: { column: string; op: ImageFilterOp; value: string | number }[];
  /** Every tag must be present (AND). */
  tags: string[];
  /** Extra property name -> exact value (AND). */
  properties: Record<string, string>;
  /** Complete order: unique keys, always ending with created_at and id (a total order). */
  sort: { key: ImageSortKey; dir: "asc" | "desc" }[];
  limit: number;
  /** Rows strictly after this image in `sort` order (keyset paging). */
  marker?: Image;
}

export interface ImageRepository {
  /** A live (not deleted) image, or null. */
  get(id: string): Promise<Image | null>;
  /** True if any row, deleted or not, has this id. */
  exists(id: string): Promise<boolean>;
  /** Inserts an image with its properties and tags atomically; false if the id exists. */
  create(image: Image): Promise<boolean>;
  /**
   * Saves metadata (columns, properties, tags) iff the stored version is `image.version` and
   * the status is still one of `allowedStatuses` (if given). Returns the saved image or null on
   * a lost race.
   */
  save(image: Image, allowedStatuses?: readonly ImageStatus[]): Promise<Image | null>;
  list(q: ImageListQuery): Promise<Image[]>;
  countLive(owner: string): Promise<number>;
  getMemberStatus(imageId: string, member: string): Promise<string | null>;
  /** Where a live image's bytes are (active locations, oldest first). */
  locations(imageId: string): Promise<ImageLocation[]>;
  /** glance user_get_storage_usage: size x live locations over the owner's images, except `excludeId`. */
  storageUsage(owner: string, excludeId: string): Promise<number>;
}

export interface Notifier {
  /** Best-effort, after the write succeeded (oslo.messaging semantics); never throws. */
  publish(eventType: string, payload: unknown, priority?: "INFO" | "ERROR" | "WARN"): void;
}

/** The per-image serializer (a Durable Object in production). Decides every status transition. */
export interface ImageCoordinator {
  /** Move `id` from one of `from` to `to` (with data fields); null when the image was not in `from`. */
  transition(id: string, from: readonly ImageStatus[], to: ImageStatus, fields?: Partial<Image>): Promise<Image | null>;
  /** Delete the image (deleted or pending_delete), dropping its data; null when already gone. */
  deleteImage(id: string, delayed: boolean): Promise<Image | null>;
  /** Removes the data of a deleted image (pending_delete locations) and ends pending_delete. Idempotent. */
  scrub(id: string): Promise<void>;
  /** queued → saving and a lease for this attempt (a second concurrent begin is refused). */
  beginUpload(id: string, store: string): Promise<BeginUpload>;
  /** Keeps the lease alive; "cancelled" when the image was deleted meanwhile, "lost" when expired. */
  renewUpload(id: string, uploadId: string): Promise<"ok" | "cancelled" | "lost">;
  /** saving → active with the data fields and the location, if the lease still holds. */
  finishUpload(id: string, uploadId: string, data: UploadedData): Promise<FinishUpload>;
  /** Drops the attempt's object and moves saving → queued with the data fields cleared. */
  abortUpload(id: string, uploadId: string): Promise<void>;
}

export type BeginUpload =
  | { ok: true; uploadId: string; key: string; image: Image }
  | { ok: false; reason: "not_found" | "conflict" | "bad_request"; message: string };

export type FinishUpload = { ok: true; image: Image } | { ok: false; reason: "gone" | "lost"; message: string };

export interface UploadedData {
  size: number;
  checksum: string;
  osHashAlgo: string;
  osHashValue: string;
  virtualSize: number | null;
}

/** One store (an R2 bucket): streaming writes that hash on the way, ranged reads, deletes. */
export interface ObjectStore {
  readonly id: string;
  /**
   * Streams `body` into `key` (never buffering more than one part), computing size, MD5 and
   * SHA-512. Rejects on any failure, leaving no object behind.
   */
  write(key: string, body: ReadableStream<Uint8Array>, options: WriteOptions): Promise<WrittenData>;
  /** The object's bytes (a range of them), or null when there is no such object. */
  read(key: string, options?: ReadOptions): Promise<StoredData | null>;
  delete(keys: string[]): Promise<void>;
  /** Size, MD5 and SHA-512 of a stored object, read through once (null when there is none). */
  digest(key: string, inspect?: ChunkObserver): Promise<WrittenData | null>;
  /** Multipart uploads assembled across requests (upload sessions, imports that pull data). */
  readonly multipart: MultipartUploads;
}

export interface WriteOptions {
  /** Declared length (x-openstack-image-size / Content-Length); null for a chunked body. */
  size: number | null;
  /** More bytes than this fails the write with `tooLarge()`. */
  maxBytes: number;
  tooLarge: () => Error;
  /** Aborting cancels the body and fails the write with the signal's reason. */
  signal?: AbortSignal;
  /** Sees every chunk, in order (the disk format inspector). */
  inspect?: ChunkObserver;
}

export interface ChunkObserver {
  update(chunk: Uint8Array): void;
}

export interface WrittenData {
  size: number;
  md5: string;
  sha512: string;
}

export interface ReadOptions {
  range?: { offset: number; length: number };
  /** Set for data anyone may read (public/community): served through the edge cache under this key. */
  cacheKey?: string;
}

export interface StoredData {
  body: ReadableStream<Uint8Array>;
  /** Bytes in `body`. */
  length: number;
  /** Bytes the consumer took; settles (never rejects) when the body ends, fails or is cancelled. */
  delivered: Promise<number>;
}

export interface ObjectStores {
  /** null for an unknown store id. */
  get(id: string): ObjectStore | null;
  readonly defaultId: string;
}

export type AddMemberResult = "added" | "duplicate" | "quota" | "gone";

/** Image memberships (sharing). Adapter: src/db/members-repo.ts. */
export interface MemberRepository {
  /** Every membership of an image, oldest first. */
  list(imageId: string): Promise<ImageMember[]>;
  get(imageId: string, memberId: string): Promise<ImageMember | null>;
  /**
   * Adds a membership atomically: "quota" when the image already has `quota` members (negative =
   * unlimited), "duplicate" when the project is already a member, "gone" when the image is deleted.
   */
  add(member: ImageMember, quota: number): Promise<AddMemberResult>;
  setStatus(
    imageId: string,
    memberId: string,
    status: MemberStatus,
    updatedAt: string,
  ): Promise<ImageMember | null>;
  /** False when there was no such membership. */
  remove(imageId: string, memberId: string): Promise<boolean>;
}

export type { MetadefRepository } from "./metadefs/repository";
export type { TaskChanges, TaskListQuery, TaskRepository } from "./tasks/repository";
export type { QuotaUsageRepository } from "./quotas";
export type { ImportCoordinator, ImportJob, ImportPlan, ImportState } from "./imports/ports";
export type { ImageChange, ImageLocation, ImageStateRepository } from "./images/state-repository";
export type { ImportSources } from "./imports/sources";
export type { JobQueue, NotificationSink } from "./jobs";

// ---- resumable multi-part uploads (src/domain/images/upload-sessions.ts) ----

/** R2 multipart upload, driven part by part (each part possibly in another request or job). */
export interface MultipartUploads {
  /** Starts a multipart upload of `key`; returns its upload id. */
  create(key: string): Promise<string>;
  /** Streams exactly `length` bytes of `body` as part `partNumber`; returns the part's etag. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: ReadableStream<Uint8Array>, length: number): Promise<string>;
  /** Assembles the parts (ascending part numbers); returns the object's size. */
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<number>;
  /** Drops the upload and every part uploaded so far. */
  abort(key: string, uploadId: string): Promise<void>;
  /** A presigned S3 request for one part (bytes straight to R2), or null when no S3 credentials are set. */
  presignPart(key: string, uploadId: string, partNumber: number, length: number, expiresSeconds: number): Promise<PresignedRequest | null>;
  /** True when presignPart can answer (S3-compatible credentials configured for this store). */
  readonly direct: boolean;
}

export interface PresignedRequest {
  method: "PUT";
  url: string;
  /** Headers the request must carry exactly (they are signed). */
  headers: Record<string, string>;
  expiresAt: string;
}

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
