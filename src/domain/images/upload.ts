import type { RequestContext } from "../context";
import { DomainError, QuotaExceeded, badRequest, conflict, gone, imageNotFound, invalidImageData } from "../errors";
import { imagePayload, notify, notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { BeginUpload, ObjectStore } from "../ports";
import type { Services } from "../services";
import { loadImage } from "./access";
import { DiskFormatInspector } from "./formats/inspector";
import { judgeDiskFormat } from "./formats/match";
import type { Image } from "./image";

export interface UploadRequest {
  /** The request body (null for an empty one). */
  body: ReadableStream<Uint8Array> | null;
  /** Content-Length; null for a chunked body (x-openstack-image-size is not read, as in Glance). */
  size: number | null;
  /** X-Image-Meta-Store; the default store when absent. */
  store: string | null;
}

/** How often a streaming upload tells its coordinator it is alive (its lease lasts longer). */
const RENEW_EVERY_MS = 20_000;

/**
 * PUT /v2/images/{id}/file (glance/api/v2/image_data.py upload, location.py set_data,
 * quota/__init__.py set_data): upload_image policy, queued → saving through the image's
 * coordinator (a concurrent upload gets 409), size cap and storage quota (413), the body streamed
 * into the store with MD5/SHA-512 computed on the way, then saving → active. Any failure puts the
 * image back to queued with no data left; a delete during the upload ends it with 410.
 */
export async function uploadImageData(services: Services, ctx: RequestContext, id: string, req: UploadRequest): Promise<Image> {
  assertMutable(ctx);
  const storeId = req.store ?? services.stores.defaultId;
  const store = services.stores.get(storeId);
  if (!store) throw badRequest(`Unknown scheme '${storeId}' found in URI`);
  const { policy } = await loadImage(services, ctx, id);
  policy.enforce("upload_image", `Not allowed to upload image data for image ${id}`);

  const begun = await services.coordinator.beginUpload(id, store.id);
  if (!begun.ok) throw beginError(id, begun);
  const { uploadId, key } = begun;
  notifyImage(services, "image.update", begun.image);
  notify(services, "image.prepare", { ...imagePayload(begun.image), backend: store.id, ...importProperties(begun.image) });

  let image: Image;
  try {
    image = await streamIn(services, begun.image, store, uploadId, key, req);
  } catch (e) {
    // "gone" and "lost" were settled by the coordinator; everything else is undone here.
    if (!(e instanceof Settled)) {
      await services.coordinator.abortUpload(id, uploadId).catch((err) => console.error(`image ${id}: abort failed (the lease expiry will undo it): ${String(err)}`));
    }
    const error = e instanceof Settled ? e.error : e;
    const reason = (error instanceof DomainError && error.detail) || (error as Error).message;
    notify(services, "image.upload", `Failed to upload image data for image ${id}: ${reason}`, "ERROR");
    throw error;
  }
  notify(services, "image.upload", { ...imagePayload(image), ...importProperties(image) });
  notify(services, "image.activate", imagePayload(image));
  notifyImage(services, "image.update", image);
  return image;
}

/** An error the coordinator already cleaned up after (nothing to abort). */
class Settled extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

async function streamIn(services: Services, image: Image, store: ObjectStore, uploadId: string, key: string, req: UploadRequest): Promise<Image> {
  const id = image.id;
  const limit = await dataLimit(services, image, req.size);
  const stop = new AbortController();
  const heartbeat = setInterval(() => {
    services.coordinator.renewUpload(id, uploadId).then(
      (state) => {
        if (state === "cancelled") stop.abort(goneDuringUpload(id));
        else if (state === "lost") stop.abort(conflict(`The upload of image ${id} was abandoned.`));
      },
      (e) => console.warn(`image ${id}: lease renewal failed: ${String(e)}`),
    );
  }, RENEW_EVERY_MS);
  const inspector = new DiskFormatInspector();
  let written;
  try {
    written = await store.write(key, req.body ?? new Blob([]).stream(), {
      size: req.size,
      maxBytes: limit.bytes,
      tooLarge: limit.error,
      signal: stop.signal,
      inspect: inspector,
    });
  } finally {
    clearInterval(heartbeat);
  }
  // glance location.py set_data: the content must be what disk_format says, and safe (415 else;
  // the caller's abort removes the object and puts the image back to queued).
  const verdict = judgeDiskFormat(image, inspector.result(), services.settings.requireImageFormatMatch);
  if (!verdict.ok) throw invalidImageData(verdict.message);
  // Re-check the storage quota now that the size is known (glance: concurrent uploads, chunked bodies).
  await assertStorageQuota(services, image, written.size);
  const done = await services.coordinator.finishUpload(id, uploadId, {
    size: written.size,
    checksum: written.md5,
    osHashAlgo: services.settings.hashingAlgorithm,
    osHashValue: written.sha512,
    virtualSize: verdict.virtualSize,
  });
  if (done.ok) return done.image;
  if (done.reason === "lost") await store.delete([key]).catch(() => {});
  throw new Settled(done.reason === "gone" ? gone(done.message) : conflict(done.message));
}

function beginError(id: string, r: Extract<BeginUpload, { ok: false }>): Error {
  if (r.reason === "not_found") return imageNotFound(id);
  if (r.reason === "bad_request") return badRequest(r.message);
  return conflict(r.message);
}

const goneDuringUpload = (id: string) =>
  gone(`Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);

/** The most bytes this upload may carry: image_size_cap and what user_storage_quota leaves (413 either way). */
export async function dataLimit(services: Services, image: Image, declared: number | null): Promise<{ bytes: number; error: () => Error }> {
  const cap = services.settings.imageSizeCap;
  const tooLarge = () => new QuotaExceeded("The incoming image is too large: The provided image is too large.", cap);
  if (declared !== null && declared > cap) throw tooLarge();
  const remaining = await remainingStorage(services, image);
  if (remaining !== null) {
    if (declared !== null ? declared > remaining : remaining <= 0) throw storageQuotaError(declared, remaining);
    if (remaining < cap) return { bytes: remaining, error: () => storageQuotaError(null, remaining) };
  }
  return { bytes: cap, error: tooLarge };
}

async function remainingStorage(services: Services, image: Image): Promise<number | null> {
  const quota = services.settings.userStorageQuota;
  if (quota <= 0 || image.owner === null) return null;
  return quota - (await services.images.storageUsage(image.owner, image.id));
}

export async function assertStorageQuota(services: Services, image: Image, size: number): Promise<void> {
  const remaining = await remainingStorage(services, image);
  if (remaining !== null && size > remaining) throw storageQuotaError(size, remaining);
}

const storageQuotaError = (size: number | null, remaining: number) =>
  new QuotaExceeded(
    `Image exceeds the storage quota: The size of the data ${size ?? "None"} will exceed the limit. ${remaining} bytes remaining.`,
    remaining,
  );

/** glance/notifier.py _format_import_properties. */
export function importProperties(image: Image) {
  const list = (name: string) => (image.properties[name] ? image.properties[name].split(",") : []);
  return { os_glance_importing_to_stores: list("os_glance_importing_to_stores"), os_glance_failed_import: list("os_glance_failed_import") };
}
