import { Hono } from "hono";
import { unsupportedMediaType } from "../../domain/errors";
import { downloadImageData } from "../../domain/images/download";
import { uploadImageData } from "../../domain/images/upload";
import type { AppEnv } from "../../env";

export const imageDataRoutes = new Hono<AppEnv>();

/** glance wsgi Request.get_content_type: the media type (parameters ignored) must be octet-stream. */
export function assertOctetStream(contentType: string | undefined): void {
  const type = contentType?.split(";")[0].trim().toLowerCase();
  if (type !== "application/octet-stream") throw unsupportedMediaType(`Invalid content type ${type || "None"}`);
}

/**
 * The body's length: Content-Length (HTTP framing makes it exact), null for a chunked body. As in
 * Glance (image_data.py: `request.content_length or None`), x-openstack-image-size is not read: the
 * size is what arrives, and a wrong, larger, smaller or malformed hint changes nothing.
 */
export function bodyLength(contentLength: string | undefined): number | null {
  return contentLength !== undefined && /^\d{1,16}$/.test(contentLength.trim()) ? Number(contentLength.trim()) : null;
}

imageDataRoutes.put("/:id/file", async (c) => {
  assertOctetStream(c.req.header("Content-Type"));
  const size = bodyLength(c.req.header("Content-Length"));
  const store = c.req.header("X-Image-Meta-Store") ?? null;
  await uploadImageData(c.get("services"), c.get("ctx"), c.req.param("id"), { body: c.req.raw.body, size, store });
  return c.body(null, 204);
});

imageDataRoutes.get("/:id/file", async (c) => {
  const h = (name: string) => c.req.header(name) ?? null;
  const r = await downloadImageData(c.get("services"), c.get("ctx"), c.req.param("id"), {
    range: h("Range"),
    contentRange: h("Content-Range"),
    ifNoneMatch: h("If-None-Match"),
    prefer: c.req.query("prefer") ?? null,
    edgeLocation: (c.req.raw.cf?.colo as string | undefined) ?? null,
  });
  if (r.kind === "no_data") return c.body(null, 204);
  if (r.kind === "not_modified") return c.body(null, 304, { ETag: r.etag, ...freshness(r.image) });
  c.executionCtx.waitUntil(r.sent);
  const headers: Record<string, string> = { "Content-Type": "application/octet-stream", "Content-Length": String(r.length), ETag: r.etag, ...freshness(r.image) };
  if (r.image.checksum) headers["Content-MD5"] = r.image.checksum;
  if (r.range) headers["Content-Range"] = `bytes ${r.range.offset}-${r.range.offset + r.range.length - 1}/${r.image.size}`;
  return c.body(r.body, r.range ? 206 : 200, headers);
});

/**
 * Caching by others (README "Downloads at the edge"): the Worker is the only cache that may answer
 * without asking (its edge cache, after the access check). Public and community data may be kept by
 * shared caches, but must be revalidated on every use (a conditional GET answers 304 only after the
 * Worker checked access and status again), so a revoked, deactivated or deleted image is never served
 * stale; anything else is the caller's alone.
 */
function freshness(image: { visibility: string; updatedAt: string }): Record<string, string> {
  const anyone = image.visibility === "public" || image.visibility === "community";
  return {
    "Cache-Control": anyone ? "public, max-age=0, must-revalidate" : "private, no-cache",
    Vary: "X-Auth-Token",
    "Last-Modified": new Date(image.updatedAt).toUTCString(),
  };
}
