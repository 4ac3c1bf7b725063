import type { RequestContext } from "../context";
import { DomainError, badRequest, conflict, notFound, serviceUnavailable } from "../errors";
import { imagePayload, notify, notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { PresignedRequest, SessionRefusal, UploadSession, UploadSessionPart } from "../ports";
import type { Services } from "../services";
import { loadImage } from "./access";
import { DiskFormatInspector } from "./formats/inspector";
import { assertStorageQuota, dataLimit, importProperties } from "./upload";
import { parseCompleteRequest, parseDirectPart, parseSessionRequest } from "./upload-session-request";

// Resumable multi-part uploads (README "Large images"): an API beside Glance's for data larger
// than one request may carry. Every verb is authorized as PUT /file is (upload_image, with 404
// masking); the image's coordinator serializes the session with the image's status.

/** How long a presigned part URL stays valid. */
export const PRESIGN_TTL_SECONDS = 3600;

function refusal(r: SessionRefusal): DomainError {
  switch (r.reason) {
    case "not_found":
      return notFound(r.message);
    case "conflict":
      return conflict(r.message);
    case "bad_request":
      return badRequest(r.message);
    case "unavailable":
      return serviceUnavailable(r.message);
  }
}

async function authorize(services: Services, ctx: RequestContext, id: string, write: boolean) {
  if (write) assertMutable(ctx);
  const loaded = await loadImage(services, ctx, id);
  loaded.policy.enforce("upload_image", `Not allowed to upload image data for image ${id}`);
  return loaded;
}

/** POST /v2/images/{id}/upload-sessions: queued → saving, a session of ceil(size/part_size) parts. */
export async function createUploadSession(services: Services, ctx: RequestContext, id: string, body: unknown): Promise<UploadSession> {
  const req = parseSessionRequest(body);
  assertMutable(ctx);
  const storeId = req.store ?? services.stores.defaultId;
  const store = services.stores.get(storeId);
  if (!store) throw badRequest(`Unknown scheme '${storeId}' found in URI`);
  const { image } = await authorize(services, ctx, id, true);
  await dataLimit(services, image, req.size); // 413: image_size_cap, user_storage_quota
  const begun = await services.uploadSessions.begin(id, { store: store.id, size: req.size, partSize: req.partSize, sha512: req.sha512 });
  if (!begun.ok) throw refusal(begun);
  notifyImage(services, "image.update", begun.image);
  notify(services, "image.prepare", { ...imagePayload(begun.image), backend: store.id, ...importProperties(begun.image) });
  return begun.session;
}

/** GET .../upload-sessions/{sid}: the session and the parts received (what a resuming client needs). */
export async function getUploadSession(services: Services, ctx: RequestContext, id: string, sessionId: string): Promise<UploadSession> {
  await authorize(services, ctx, id, false);
  const s = await services.uploadSessions.get(id, sessionId);
  if (!s) throw notFound(`No upload session ${sessionId} found for image ${id}`);
  return s;
}

/** GET .../upload-sessions: the image's current or last session (at most one). */
export async function listUploadSessions(services: Services, ctx: RequestContext, id: string): Promise<UploadSession[]> {
  await authorize(services, ctx, id, false);
  const s = await services.uploadSessions.current(id);
  return s ? [s] : [];
}

/** PUT .../parts/{n} with the bytes: streamed into R2 as part n (exactly its length); a repeat replaces it. */
export async function uploadSessionPart(
  services: Services,
  ctx: RequestContext,
  id: string,
  sessionId: string,
  n: number,
  body: ReadableStream<Uint8Array> | null,
  declared: number | null,
): Promise<UploadSessionPart> {
  await authorize(services, ctx, id, true);
  const t = await services.uploadSessions.partTarget(id, sessionId, n);
  if (!t.ok) throw refusal(t);
  const { length } = t.target;
  if (declared !== null && declared !== length) throw badRequest(`Part ${n} must be ${length} bytes; the request has ${declared}.`);
  const store = services.stores.get(t.target.store);
  if (!store) throw serviceUnavailable(`Store ${t.target.store} is not available.`);
  let etag: string;
  try {
    etag = await store.multipart.uploadPart(t.target.key, t.target.multipartId, n, body ?? new Blob([]).stream(), length);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    // Aborted, expired or deleted while the part streamed: say so rather than blame the store.
    const now = await services.uploadSessions.partTarget(id, sessionId, n);
    if (!now.ok) throw refusal(now);
    console.error(`image ${id}: part ${n} of session ${sessionId} failed: ${String(e)}`);
    throw serviceUnavailable(`Error writing the image data to store ${store.id}.`);
  }
  const rec = await services.uploadSessions.recordPart(id, sessionId, { partNumber: n, size: length, etag });
  if (!rec.ok) throw refusal(rec);
  return rec.part;
}

/** PUT .../parts/{n} as JSON: records a part the client sent straight to R2 with a presigned URL. */
export async function recordDirectPart(services: Services, ctx: RequestContext, id: string, sessionId: string, n: number, body: unknown): Promise<UploadSessionPart> {
  const { etag } = parseDirectPart(body);
  await authorize(services, ctx, id, true);
  const t = await services.uploadSessions.partTarget(id, sessionId, n);
  if (!t.ok) throw refusal(t);
  if (!services.stores.get(t.target.store)?.multipart.direct) throw badRequest(`Store ${t.target.store} takes parts through this API only (no direct uploads configured).`);
  // The presigned URL signs the part's Content-Length, so R2 held it to exactly this size.
  const rec = await services.uploadSessions.recordPart(id, sessionId, { partNumber: n, size: t.target.length, etag });
  if (!rec.ok) throw refusal(rec);
  return rec.part;
}

/** POST .../parts/{n}/url: a presigned PUT straight to R2 (only with S3 credentials configured). */
export async function presignSessionPart(services: Services, ctx: RequestContext, id: string, sessionId: string, n: number): Promise<PresignedRequest> {
  await authorize(services, ctx, id, true);
  const t = await services.uploadSessions.partTarget(id, sessionId, n);
  if (!t.ok) throw refusal(t);
  const store = services.stores.get(t.target.store);
  const url = await store?.multipart.presignPart(t.target.key, t.target.multipartId, n, t.target.length, PRESIGN_TTL_SECONDS);
  if (!url) throw badRequest(`Store ${t.target.store} takes parts through this API only (no direct uploads configured).`);
  return url;
}

/** POST .../complete: all parts there → assembled; the session is `verifying` until the checksum job settles it. */
export async function completeUploadSession(services: Services, ctx: RequestContext, id: string, sessionId: string, body: unknown): Promise<UploadSession> {
  const { sha512 } = parseCompleteRequest(body);
  const { image } = await authorize(services, ctx, id, true);
  const s = await services.uploadSessions.current(id);
  if (s?.id === sessionId && s.status === "uploading") await assertStorageQuota(services, image, s.size); // quota may have shrunk
  const done = await services.uploadSessions.complete(id, sessionId, sha512);
  if (!done.ok) throw refusal(done);
  return done.session;
}

/** DELETE .../upload-sessions/{sid}: parts dropped, saving → queued. */
export async function abortUploadSession(services: Services, ctx: RequestContext, id: string, sessionId: string): Promise<void> {
  await authorize(services, ctx, id, true);
  const r = await services.uploadSessions.abort(id, sessionId);
  if (!r.ok) throw refusal(r);
  if (r.image) notifyImage(services, "image.update", r.image);
}

/**
 * The checksum job (a Queue message, redelivered until it settles): reads the assembled object
 * once through MD5 and SHA-512, then the coordinator activates the image with checksum,
 * os_hash_value and size, or puts it back to queued when the data is not what was announced.
 * Idempotent: a session that is no longer verifying is left alone (null; else the bytes read).
 */
export async function verifyUploadSession(
  services: Pick<Services, "settings" | "notifier" | "stores" | "uploadSessions">,
  id: string,
  sessionId: string,
): Promise<number | null> {
  const s = await services.uploadSessions.current(id);
  if (!s || s.id !== sessionId || s.status !== "verifying") return null;
  const store = services.stores.get(s.store);
  if (!store) throw new Error(`store ${s.store} is not configured`);
  const inspector = new DiskFormatInspector();
  const data = await store.digest(s.key, inspector);
  const r = await services.uploadSessions.settle(id, sessionId, data, inspector.result());
  if (r.ok) {
    notify(services, "image.upload", { ...imagePayload(r.image), ...importProperties(r.image) });
    notify(services, "image.activate", imagePayload(r.image));
    notifyImage(services, "image.update", r.image);
  } else if (r.reason === "failed") {
    notify(services, "image.upload", `Failed to upload image data for image ${id}: ${r.message}`, "ERROR");
  }
  return data?.size ?? 0;
}
