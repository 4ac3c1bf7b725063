export const IMAGE_STATUSES = [
  "queued",
  "saving",
  "uploading",
  "importing",
  "active",
  "killed",
  "deactivated",
  "pending_delete",
  "deleted",
] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const VISIBILITIES = ["public", "community", "shared", "private"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** An image as the domain sees it: plain data, no behaviour. */
export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  osHidden: boolean;
  owner: string | null;
  containerFormat: string | null;
  diskFormat: string | null;
  minDisk: number;
  minRam: number;
  size: number | null;
  virtualSize: number | null;
  checksum: string | null;
  osHashAlgo: string | null;
  osHashValue: string | null;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  deletedAt: string | null;
  /** Extra properties (strings; null only for kernel_id/ramdisk_id, as Glance), including system os_glance_* ones. */
  properties: Record<string, string | null>;
  tags: string[];
  /** Store ids holding the data (Glance `stores`). */
  stores: string[];
  /** CAS guard for metadata saves. */
  version: number;
}

// glance/api/v2/images.py: attributes a client may never write.
export const READONLY_ATTRIBUTES = new Set([
  "created_at",
  "updated_at",
  "status",
  "checksum",
  "size",
  "virtual_size",
  "direct_url",
  "self",
  "file",
  "schema",
  "id",
  "os_hash_algo",
  "os_hash_value",
  "stores",
]);
// Attributes reserved for the service: 403 "is reserved".
export const RESERVED_ATTRIBUTES = new Set(["location", "deleted", "deleted_at"]);
export const isReservedProperty = (name: string) => RESERVED_ATTRIBUTES.has(name) || name.startsWith("os_glance");

/** Base (column) attributes a client may set; the rest of the keys are extra properties. */
export const WRITABLE_BASE_ATTRIBUTES = new Set([
  "name",
  "visibility",
  "protected",
  "os_hidden",
  "owner",
  "container_format",
  "disk_format",
  "min_disk",
  "min_ram",
  "tags",
]);

// Properties kept on the image but never shown (glance hides these from responses).
export const HIDDEN_PROPERTIES = new Set(["os_glance_stage_host", "os_glance_hash_op_host"]);

export function nowIso(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The data fields an image loses whenever it goes back to queued (Glance resets size and hashes). */
export const CLEARED_DATA: Readonly<Partial<Image>> = Object.freeze({ size: null, virtualSize: null, checksum: null, osHashAlgo: null, osHashValue: null });
