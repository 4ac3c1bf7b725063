import { Hono } from "hono";
import { deleteFromStore } from "../../domain/imports/delete-from-store";
import type { AppEnv } from "../../env";

/** DELETE /v2/stores/{store_id}/{image_id}: drop one store's copy of an image's data. */
export const storesRoutes = new Hono<AppEnv>();

storesRoutes.delete("/:store/:id", async (c) => {
  await deleteFromStore(c.get("services"), c.get("ctx"), c.req.param("store"), c.req.param("id"));
  return c.body(null, 204);
});
