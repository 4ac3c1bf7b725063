import { Hono } from "hono";
import { setActivation } from "../../domain/images/actions";
import { createImage, requireObjectBody } from "../../domain/images/create";
import { deleteImage } from "../../domain/images/delete";
import { loadImage } from "../../domain/images/access";
import { listImages } from "../../domain/images/list";
import { addTag, deleteTag } from "../../domain/images/tags";
import { updateImage } from "../../domain/images/update";
import type { AppEnv } from "../../env";
import { absoluteUrl } from "../links";
import { readJson } from "../request-body";
import { parsePatch, patchMediaType } from "./patch";
import { propertyView, serializeImage } from "./serializers";

export const imagesRoutes = new Hono<AppEnv>();

imagesRoutes.get("/", async (c) => {
  const url = new URL(c.req.url);
  const params = [...url.searchParams.entries()];
  const page = await listImages(c.get("services"), c.get("ctx"), params);
  const first = new URLSearchParams(params.filter(([k]) => k !== "marker"));
  const view = propertyView(c);
  const body: Record<string, unknown> = {
    images: page.images.map((i) => serializeImage(i, view)),
    first: `/v2/images${first.size ? `?${first}` : ""}`,
    schema: "/v2/schemas/images",
  };
  if (page.nextMarker) {
    first.append("marker", page.nextMarker);
    body.next = `/v2/images?${first}`;
  }
  return c.json(body);
});

imagesRoutes.post("/", async (c) => {
  const services = c.get("services");
  const image = await createImage(services, c.get("ctx"), requireObjectBody(await readJson(c)));
  c.header("Location", absoluteUrl(c, services.settings.publicEndpoint, `/v2/images/${image.id}`));
  if (services.settings.enabledImportMethods.length) c.header("OpenStack-image-import-methods", services.settings.enabledImportMethods.join(","));
  c.header("OpenStack-image-store-ids", services.settings.stores.map((s) => s.id).join(","));
  return c.json(serializeImage(image, propertyView(c)), 201);
});

imagesRoutes.get("/:id", async (c) => {
  const { image } = await loadImage(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.json(serializeImage(image, propertyView(c)));
});

imagesRoutes.patch("/:id", async (c) => {
  const mediaType = patchMediaType(c.req.header("Content-Type"));
  const changes = parsePatch(await readJson(c), mediaType);
  const image = await updateImage(c.get("services"), c.get("ctx"), c.req.param("id"), changes);
  return c.json(serializeImage(image, propertyView(c)));
});

imagesRoutes.delete("/:id", async (c) => {
  await deleteImage(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.body(null, 204);
});

imagesRoutes.put("/:id/tags/:tag", async (c) => {
  await addTag(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("tag"));
  return c.body(null, 204);
});

imagesRoutes.delete("/:id/tags/:tag", async (c) => {
  await deleteTag(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("tag"));
  return c.body(null, 204);
});

imagesRoutes.post("/:id/actions/:action{deactivate|reactivate}", async (c) => {
  await setActivation(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("action") as "deactivate" | "reactivate");
  return c.body(null, 204);
});
