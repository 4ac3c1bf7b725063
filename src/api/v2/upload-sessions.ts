import { Hono } from "hono";
import { badRequest, unsupportedMediaType } from "../../domain/errors";
import { parsePartNumber } from "../../domain/images/upload-session-request";
import {
  abortUploadSession,
  completeUploadSession,
  createUploadSession,
  getUploadSession,
  listUploadSessions,
  presignSessionPart,
  recordDirectPart,
  uploadSessionPart,
} from "../../domain/images/upload-sessions";
import type { UploadSession, UploadSessionPart } from "../../domain/ports";
import type { AppEnv } from "../../env";
import { absoluteUrl } from "../links";
import { readJson } from "../request-body";

// Resumable multi-part uploads (README "Large images"), beside Glance's PUT /file.
export const uploadSessionRoutes = new Hono<AppEnv>();

const sessionPath = (s: UploadSession) => `/v2/images/${s.imageId}/upload-sessions/${s.id}`;

const serializePart = (p: UploadSessionPart) => ({ part_number: p.partNumber, size: p.size, etag: p.etag });

/** The session as clients see it (the object key and R2's upload id stay inside). */
function serializeSession(s: UploadSession, direct: boolean): Record<string, unknown> {
  return {
    id: s.id,
    image_id: s.imageId,
    status: s.status,
    store: s.store,
    size: s.size,
    part_size: s.partSize,
    part_count: s.partCount,
    sha512: s.sha512,
    parts: s.parts.map(serializePart),
    direct_upload: direct,
    message: s.message,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    expires_at: s.expiresAt,
    self: sessionPath(s),
    schema: "/v2/schemas/upload-session",
  };
}

const mediaType = (h: string | undefined) => h?.split(";")[0].trim().toLowerCase() ?? "";

uploadSessionRoutes.post("/:id/upload-sessions", async (c) => {
  const services = c.get("services");
  const s = await createUploadSession(services, c.get("ctx"), c.req.param("id"), await readJson(c));
  const direct = services.stores.get(s.store)?.multipart.direct ?? false;
  c.header("Location", absoluteUrl(c, services.settings.publicEndpoint, sessionPath(s)));
  return c.json(serializeSession(s, direct), 201);
});

uploadSessionRoutes.get("/:id/upload-sessions", async (c) => {
  const services = c.get("services");
  const list = await listUploadSessions(services, c.get("ctx"), c.req.param("id"));
  const direct = (s: UploadSession) => services.stores.get(s.store)?.multipart.direct ?? false;
  return c.json({ upload_sessions: list.map((s) => serializeSession(s, direct(s))), schema: "/v2/schemas/upload-sessions" });
});

uploadSessionRoutes.get("/:id/upload-sessions/:sid", async (c) => {
  const services = c.get("services");
  const s = await getUploadSession(services, c.get("ctx"), c.req.param("id"), c.req.param("sid"));
  return c.json(serializeSession(s, services.stores.get(s.store)?.multipart.direct ?? false));
});

// The bytes of part n (application/octet-stream), or, for a part sent straight to R2 with a
// presigned URL, the ETag R2 answered (application/json).
uploadSessionRoutes.put("/:id/upload-sessions/:sid/parts/:n", async (c) => {
  const { id, sid } = c.req.param();
  const n = parsePartNumber(c.req.param("n"));
  const type = mediaType(c.req.header("Content-Type"));
  let part: UploadSessionPart;
  if (type === "application/json") {
    part = await recordDirectPart(c.get("services"), c.get("ctx"), id, sid, n, await readJson(c));
  } else if (type === "application/octet-stream") {
    part = await uploadSessionPart(c.get("services"), c.get("ctx"), id, sid, n, c.req.raw.body, declaredLength(c.req.header("Content-Length")));
  } else {
    throw unsupportedMediaType(`Invalid content type ${type || "None"}`);
  }
  return c.json(serializePart(part));
});

uploadSessionRoutes.post("/:id/upload-sessions/:sid/parts/:n/url", async (c) => {
  const { id, sid } = c.req.param();
  const r = await presignSessionPart(c.get("services"), c.get("ctx"), id, sid, parsePartNumber(c.req.param("n")));
  return c.json({ method: r.method, url: r.url, headers: r.headers, expires_at: r.expiresAt });
});

uploadSessionRoutes.post("/:id/upload-sessions/:sid/complete", async (c) => {
  const services = c.get("services");
  const s = await completeUploadSession(services, c.get("ctx"), c.req.param("id"), c.req.param("sid"), await readJson(c));
  return c.json(serializeSession(s, services.stores.get(s.store)?.multipart.direct ?? false), 202);
});

uploadSessionRoutes.delete("/:id/upload-sessions/:sid", async (c) => {
  await abortUploadSession(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("sid"));
  return c.body(null, 204);
});

function declaredLength(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d{1,16}$/.test(raw.trim())) throw badRequest(`Invalid Content-Length ${raw}.`);
  return Number(raw.trim());
}
