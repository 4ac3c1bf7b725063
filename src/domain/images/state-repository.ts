// The writes the image's coordinator (its Durable Object) makes: status transitions, data fields,
// locations. Every change is a compare-and-swap on the image row, so the status table holds even
// against a stray writer. Adapter: src/db/image-state-repo.ts. Re-exported from ports.ts.
import type { Image, ImageStatus } from "./image";

export interface ImageLocation {
  store: string;
  key: string;
}

/** One atomic change an upload, import, staging or delete-from-store makes to an image. */
export interface ImageChange {
  /** Only if the status is one of these (compare-and-swap); any live status otherwise. */
  from?: readonly ImageStatus[];
  to?: ImageStatus;
  fields?: Partial<Image>;
  /** Extra properties to set, and to remove. */
  set?: Record<string, string>;
  unset?: string[];
  /** A location for this store, written once: an active location of the store is kept as is. */
  addLocation?: ImageLocation;
  /** Stores whose active locations end (their objects are removed by the caller). */
  removeLocations?: string[];
}

export interface ImageStateRepository {
  /** A live (not deleted) image, or null. */
  get(id: string): Promise<Image | null>;
  /** Compare-and-swap on status, setting the given data fields in the same statement; the image as saved, or null. */
  transition(id: string, from: readonly ImageStatus[], to: ImageStatus, fields?: Partial<Image>): Promise<Image | null>;
  /** The changed image, or null when it was not live (or not in `from`). */
  change(id: string, c: ImageChange): Promise<Image | null>;
  /** saving → active with the data fields and the location, in one batch. */
  activateUpload(id: string, fields: Partial<Image>, location: ImageLocation, at: string): Promise<Image | null>;
  /** Soft delete; live locations become pending_delete (the scrubber's list). False when already gone. */
  softDelete(id: string, status: "deleted" | "pending_delete", at: string): Promise<boolean>;
  /** Locations of any image (deleted ones included) in the given statuses, oldest first. */
  locationsIn(id: string, statuses: readonly string[]): Promise<ImageLocation[]>;
  /** The object key of the store's active location, or null. */
  locationKey(id: string, store: string): Promise<string | null>;
  /** Marks locations whose objects are gone. */
  markLocationsDeleted(id: string, keys: string[], at: string): Promise<void>;
  /** pending_delete → deleted once the scrubber removed the data. */
  finishScrub(id: string, at: string): Promise<void>;
}
