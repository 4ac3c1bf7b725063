// Interfaces the domain needs from the outside world; adapters live in src/db, src/store,
// src/queues, src/durable-objects, src/import-sources and src/keystone, and src/wiring.ts plugs
// them in. Nothing here knows about D1, R2, Queues or Durable Objects.
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
  marker?: ImageListMarker;
  /** Case-insensitive substring of the name (the catalog's search; not a Glance filter). */
  nameContains?: string;
}

/** What keyset paging reads of the marker image: its sort values. */
export type ImageListMarker = Pick<Image, "id" | "name" | "status" | "containerFormat" | "diskFormat" | "size" | "createdAt" | "updatedAt">;

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
export type { QuotaUsageRepository } from "./quota-usage";
export type { ImportCoordinator, ImportJob, ImportPlan, ImportState } from "./imports/ports";
export type { ImageChange, ImageLocation, ImageStateRepository } from "./images/state-repository";
export type { ImportSources } from "./imports/sources";
export type { JobQueue, NotificationSink } from "./jobs";
export type { CacheEntry, CacheFill, CacheListing, ClearTarget, ImageCacheRepository } from "./cache/ports";
export type * from "./store-ports";
export type * from "./images/upload-session-ports";
