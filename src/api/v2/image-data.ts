import { Hono } from "hono";
import { badRequest, unsupportedMediaType } from "../../domain/errors";
import { downloadImageData } from "../../domain/images/download";
import { uploadImageData } from "../../domain/images/upload";
import type { AppEnv } from "../../env";

export const imageDataRoutes = new Hono<AppEnv>();

/** glance wsgi Request.get_content_type: the media type (parameters ignored) must be octet-stream. */
export function assertOctetStream(contentType: string | undefined): void {
  const type = contentType?.split(";")[0].trim().toLowerCase();
  if (type !== "application/octet-stream") throw unsupportedMediaType(`Invalid content type ${type || "None"}`);
}

/** x-openstack-image-size, else Content-Length; null for a chunked body. */
export function declaredSize(imageSize: string | undefined, contentLength: string | undefined): number | null {
  const raw = imageSize ?? contentLength;
  if (raw === undefined) return null;
  if (!/^\d{1,16}$/.test(raw.trim())) throw badRequest(`Invalid image size ${raw}: expected a non-negative integer.`);
  return Number(raw.trim());
}

imageDataRoutes.put("/:id/file", async (c) => {
  assertOctetStream(c.req.header("Content-Type"));
  const size = declaredSize(c.req.header("x-openstack-image-size"), c.req.header("Content-Length"));
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
  });
  if (r.kind === "no_data") return c.body(null, 204);
  if (r.kind === "not_modified") return c.body(null, 304, { ETag: r.etag });
  c.executionCtx.waitUntil(r.sent);
  const headers: Record<string, string> = { "Content-Type": "application/octet-stream", "Content-Length": String(r.length), ETag: r.etag };
  if (r.image.checksum) headers["Content-MD5"] = r.image.checksum;
  if (r.range) headers["Content-Range"] = `bytes ${r.range.offset}-${r.range.offset + r.range.length - 1}/${r.image.size}`;
  return c.body(r.body, r.range ? 206 : 200, headers);
});
