import type { RequestContext } from "../context";
import { DomainError, badRequest, forbidden } from "../errors";
import { notify } from "../notifications";
import type { ImagePolicy } from "../policy/image-policy";
import type { ImageLocation, StoredData } from "../ports";
import type { Services } from "../services";
import { loadImage } from "./access";
import { edgeCacheRead } from "../cache/edge-key";
import type { Image } from "./image";

export interface DownloadRequest {
  range: string | null;
  /** Legacy: Glance also accepts a Content-Range header on the request. */
  contentRange: string | null;
  ifNoneMatch: string | null;
  /** `prefer=store1,store2`: read from these stores first (policy download_from_store). */
  prefer: string | null;
  /** The edge location serving the request (a Cloudflare data centre code), for the cache bookkeeping. */
  edgeLocation?: string | null;
}

export type Download =
  | { kind: "no_data" }
  | { kind: "not_modified"; etag: string; image: Image }
  | {
      kind: "data";
      image: Image;
      body: ReadableStream<Uint8Array>;
      /** Set for a 206: the bytes served. */
      range: { offset: number; length: number } | null;
      length: number;
      etag: string;
      /** Settles when the body has been sent (image.send is published then); keep it alive. */
      sent: Promise<void>;
    };

/**
 * GET /v2/images/{id}/file (glance/api/v2/image_data.py download + ResponseSerializer.download):
 * deactivated → 403 for non-admins, download_image policy, no data → 204, single ranges,
 * If-None-Match on the image's hash. Active public and community data is read through the edge
 * cache (src/domain/cache/edge-key.ts).
 */
export async function downloadImageData(services: Services, ctx: RequestContext, id: string, req: DownloadRequest): Promise<Download> {
  const { image, policy } = await loadImage(services, ctx, id);
  if (image.status === "deactivated" && !ctx.isAdmin) {
    throw forbidden("The requested image has been deactivated. Image data download is forbidden.");
  }
  policy.enforce("download_image");
  // Read in parallel with the locations; never rejects.
  const edge = edgeCacheRead(services, image, req.edgeLocation ?? "local");
  const locations = preferred(services, policy, await services.images.locations(id), req.prefer);
  if (locations.length === 0) return { kind: "no_data" };

  const etag = `"${image.osHashValue ?? image.checksum ?? image.id}"`;
  if (req.ifNoneMatch !== null && matchesEtag(req.ifNoneMatch, etag)) return { kind: "not_modified", etag, image };
  const size = image.size ?? 0;
  const range = resolveRange(size, req.range, req.contentRange);
  const { cacheKey, onCache } = await edge;

  // As glance.location's get_data: a store that fails passes to the next location; when every
  // location failed, the last store error (503) is the answer.
  let failure: DomainError | null = null;
  for (const loc of locations) {
    const store = services.stores.get(loc.store);
    let data: StoredData | null | undefined;
    try {
      data = await store?.read(loc.key, { range: range ?? undefined, cacheKey, onCache });
    } catch (e) {
      if (!(e instanceof DomainError) || e.kind !== "ServiceUnavailable") throw e;
      failure = e;
      continue;
    }
    if (!data) continue;
    const expected = range ? range.length : size;
    const sent = data.delivered.then((bytes) => sendNotification(services, ctx, image, bytes, bytes === expected));
    return { kind: "data", image, body: data.body, range, length: data.length, etag, sent };
  }
  if (failure) throw failure;
  // glance_store NotFound on every location: Glance answers 204 as well.
  return { kind: "no_data" };
}

/** Locations reordered by `prefer` (unknown store → 400); the others keep their order after them. */
function preferred(services: Services, policy: ImagePolicy, locations: ImageLocation[], prefer: string | null): ImageLocation[] {
  if (prefer === null) return locations;
  policy.enforce("download_from_store", "You are not authorized to complete download_from_store action.");
  const wanted = prefer.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of wanted) if (!services.stores.get(s)) throw badRequest(`Unknown store '${s}' in prefer.`);
  const rank = (l: ImageLocation) => (wanted.includes(l.store) ? wanted.indexOf(l.store) : wanted.length);
  return [...locations].sort((a, b) => rank(a) - rank(b));
}

function sendNotification(services: Services, ctx: RequestContext, image: Image, bytes: number, complete: boolean): void {
  notify(
    services,
    "image.send",
    { bytes_sent: bytes, image_id: image.id, owner_id: image.owner, receiver_tenant_id: ctx.projectId, receiver_user_id: ctx.userId },
    complete ? "INFO" : "ERROR",
  );
}

function matchesEtag(header: string, etag: string): boolean {
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

const rangeError = (msg: string) => new DomainError("RangeNotSatisfiable", msg);

/**
 * The bytes to serve for a Range (or legacy request Content-Range) header, as Glance/webob read
 * them: one range only (400 otherwise), start beyond the data → 416, a suffix longer than the
 * data → all of it, an end past the data → up to the end.
 */
export function resolveRange(size: number, range: string | null, contentRange: string | null): { offset: number; length: number } | null {
  if (range !== null) {
    if (range.includes(",")) {
      throw badRequest("Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.");
    }
    const m = /^bytes *= *(\d*) *- *(\d*)/i.exec(range);
    if (!m || (m[1] === "" && m[2] === "")) throw rangeError("Invalid Range header.");
    let offset: number;
    let length: number;
    if (m[1] === "") {
      const suffix = Number(m[2]);
      // A zero suffix (`bytes=-0`) asks for no bytes: unsatisfiable (RFC 9110 §14.1.1), its start
      // would be `size`. (webob reads "-0" as start 0, so Glance sends the whole image as a 206.)
      if (size === 0 || suffix === 0) {
        throw rangeError(`Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`);
      }
      offset = suffix < size ? size - suffix : 0;
      length = size - offset;
    } else {
      const start = Number(m[1]);
      const end = m[2] === "" ? null : Number(m[2]) + 1;
      if (end !== null && start >= end) throw rangeError("Invalid Range header.");
      if (start >= size) {
        throw rangeError(`Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`);
      }
      offset = start;
      length = (end !== null && end < size ? end : size) - start;
    }
    return { offset, length };
  }
  if (contentRange !== null) {
    const m = /^bytes (?:(\d+)-(\d+)|[*])\/(?:(\d+)|[*])/.exec(contentRange);
    const start = m?.[1] !== undefined ? Number(m[1]) : null;
    const stop = m?.[2] !== undefined ? Number(m[2]) + 1 : null;
    const total = m?.[3] !== undefined ? Number(m[3]) : null;
    if (!m || start === null || stop === null || start >= stop || (total !== null && stop > total)) {
      throw rangeError("Invalid Content-Range header.");
    }
    if (total === null && stop > size) {
      throw rangeError(`Invalid stop position in Content-Range header. The stop position MUST be in the inclusive range [0, ${size - 1}].`);
    }
    if (start >= size) {
      throw rangeError(`Invalid start position in Content-Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`);
    }
    return { offset: start, length: Math.min(stop, size) - start };
  }
  return null;
}
