import { badRequest } from "../errors";

// Limits of an upload session's parts. R2 multipart: parts >= 5 MiB (the last may be smaller),
// all but the last the same size, at most 10,000 parts, each at most 5 GiB. Cloudflare refuses
// request bodies over 100 MB (Free/Pro), so a client sending parts through the Worker keeps them
// below that: the default part size is 64 MiB.
export const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const DEFAULT_PART_SIZE = 64 * MiB;

export interface SessionRequest {
  size: number;
  partSize: number;
  sha512: string | null;
  store: string | null;
}

const FIELDS = new Set(["size", "part_size", "sha512", "store"]);

function object(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (Array.isArray(body) || typeof body !== "object" || body === null) throw badRequest("Expected a JSON object.");
  return body as Record<string, unknown>;
}

/** A lowercase 128-hex-digit SHA-512, or null when absent. */
export function parseSha512(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !/^[0-9a-fA-F]{128}$/.test(value)) throw badRequest("sha512 must be 128 hexadecimal digits.");
  return value.toLowerCase();
}

/** The smallest whole-MiB part size (>= the default) that fits `size` in MAX_PARTS parts. */
export function defaultPartSize(size: number): number {
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  return Math.max(DEFAULT_PART_SIZE, needed);
}

/** POST /v2/images/{id}/upload-sessions body: `{"size", "part_size"?, "sha512"?, "store"?}`. */
export function parseSessionRequest(body: unknown): SessionRequest {
  const o = object(body);
  const extra = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (extra.length > 0) throw badRequest(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(", ")} unexpected).`);
  const size = o.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) throw badRequest("size must be the image's size in bytes, an integer of at least 1.");
  let partSize = defaultPartSize(size);
  if (o.part_size !== undefined) {
    const p = o.part_size;
    if (typeof p !== "number" || !Number.isSafeInteger(p) || p < MIN_PART_SIZE || p > MAX_PART_SIZE) {
      throw badRequest(`part_size must be an integer from ${MIN_PART_SIZE} (5 MiB) to ${MAX_PART_SIZE} (5 GiB).`);
    }
    if (Math.ceil(size / p) > MAX_PARTS) throw badRequest(`part_size ${p} makes more than ${MAX_PARTS} parts; use at least ${defaultPartSize(size)}.`);
    partSize = p;
  }
  const store = o.store;
  if (store !== undefined && (typeof store !== "string" || store === "")) throw badRequest("store must be a store id.");
  return { size, partSize, sha512: parseSha512(o.sha512), store: (store as string | undefined) ?? null };
}

/** POST .../complete body: `{"sha512"?}` (may also be empty). */
export function parseCompleteRequest(body: unknown): { sha512: string | null } {
  const o = object(body);
  const extra = Object.keys(o).filter((k) => k !== "sha512");
  if (extra.length > 0) throw badRequest(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(", ")} unexpected).`);
  return { sha512: parseSha512(o.sha512) };
}

/** A part number from the path: 1 to MAX_PARTS. */
export function parsePartNumber(raw: string): number {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PARTS) throw badRequest(`Invalid part number ${raw}: expected 1 to ${MAX_PARTS}.`);
  return Number(raw);
}

/** PUT .../parts/{n} as JSON (a part sent straight to R2 with a presigned URL): `{"etag"}`. */
export function parseDirectPart(body: unknown): { etag: string } {
  const o = object(body);
  if (typeof o.etag !== "string" || !/^[\x21-\x7e]{1,256}$/.test(o.etag)) throw badRequest('Expected {"etag": "<the ETag R2 answered for the part>"}.');
  return { etag: o.etag.replace(/^"|"$/g, "") };
}
