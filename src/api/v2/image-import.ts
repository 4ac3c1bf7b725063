import { Hono } from "hono";
import { importImage } from "../../domain/imports/import";
import { assertStagingEnabled, stageImageData } from "../../domain/imports/stage";
import type { AppEnv } from "../../env";
import { readJson } from "../request-body";
import { assertOctetStream, bodyLength } from "./image-data";

/** PUT /v2/images/{id}/stage and POST /v2/images/{id}/import (interoperable image import). */
export const imageImportRoutes = new Hono<AppEnv>();

imageImportRoutes.put("/:id/stage", async (c) => {
  const services = c.get("services");
  // glance's deserializer: 404 without glance-direct, then the media type (415).
  assertStagingEnabled(services.settings);
  assertOctetStream(c.req.header("Content-Type"));
  const size = bodyLength(c.req.header("Content-Length"));
  await stageImageData(services, c.get("ctx"), c.req.param("id"), { body: c.req.raw.body, size });
  return c.body(null, 204);
});

imageImportRoutes.post("/:id/import", async (c) => {
  const body = await readJson(c);
  await importImage(c.get("services"), c.get("ctx"), c.req.param("id"), { body, storeHeader: c.req.header("X-Image-Meta-Store") ?? null });
  return c.body(null, 202);
});
