import { Hono } from "hono";
import { addLocation } from "../../domain/locations/add-location";
import { listLocations } from "../../domain/locations/list-locations";
import type { AppEnv } from "../../env";
import { readJson } from "../request-body";

/** POST/GET /v2/images/{id}/locations (Image API 2.17). */
export const imageLocationsRoutes = new Hono<AppEnv>();

imageLocationsRoutes.post("/:id/locations", async (c) => {
  await addLocation(c.get("services"), c.get("ctx"), c.req.param("id"), await readJson(c));
  return c.body(null, 202);
});

imageLocationsRoutes.get("/:id/locations", async (c) => c.json(await listLocations(c.get("services"), c.get("ctx"), c.req.param("id"))));
