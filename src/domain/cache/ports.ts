// The bookkeeping of the edge cache (the cache management API, /v2/cache): one entry per image,
// filled and counted by real downloads. Adapter: src/db/image-cache-repo.ts. Re-exported from
// src/domain/ports.ts. Times are milliseconds since the epoch.
import type { Image } from "../images/image";

export interface CacheEntry {
  imageId: string;
  /**
   * Part of the edge cache key (src/domain/cache/edge-key.ts). A purge retires it with the entry:
   * the next download picks a new one, so no location serves the old copies again.
   */
  generation: string;
  /** Bytes of the cached copy; null while the image is only queued for prefetching. */
  size: number | null;
  hits: number;
  lastAccessed: number | null;
  lastModified: number | null;
  /** Set while PUT /v2/cache/{id} waits for its prefetch (the entry has no copy yet). */
  queuedAt: number | null;
}

/** An entry with what its image is now (null: deleted or never there). */
export interface CacheListing extends CacheEntry {
  image: Pick<Image, "status" | "visibility" | "osHashValue"> | null;
}

/** A fill of the edge cache at one location (a data centre, or the queue consumer's). */
export interface CacheFill {
  imageId: string;
  generation: string;
  size: number;
  node: string;
  at: number;
  /** A generation no entry had yet: the entry is created; otherwise it is updated only while its generation stands. */
  create: boolean;
}

export type ClearTarget = "cache" | "queue" | "both";

export interface ImageCacheRepository {
  get(imageId: string): Promise<CacheEntry | null>;
  /** Every entry with its image, by image id. */
  list(): Promise<CacheListing[]>;
  /** Queues a prefetch: a new entry with `generation`, or the existing one (already cached: unchanged). */
  queue(imageId: string, generation: string, at: number): Promise<CacheEntry>;
  /** A download served from the cache: hits + 1, last_accessed (only while `generation` stands). */
  recordHit(imageId: string, generation: string, at: number): Promise<void>;
  /** A copy was stored at `fill.node`: size, last_modified, the node; the entry leaves the queue. */
  recordFill(fill: CacheFill): Promise<void>;
  /** Where the current generation has been stored. */
  nodes(imageId: string): Promise<string[]>;
  /** Removes these entries and their nodes; how many entries there were. */
  remove(imageIds: string[]): Promise<number>;
  /** Removes the cached entries, the queued ones, or both; how many. */
  clear(target: ClearTarget): Promise<number>;
}
