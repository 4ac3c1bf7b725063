import { Hono } from "hono";
import { queueImage } from "../../domain/cache/queue";
import { clearCache, cleanCache, deleteCacheEntry, pruneCache } from "../../domain/cache/purge";
import { cacheState, cachedNodes } from "../../domain/cache/state";
import type { AppEnv } from "../../env";

/** The cache management API (/v2/cache, Image API 2.14/2.16/2.18) over the edge cache of downloads. */
export const cacheRoutes = new Hono<AppEnv>();

cacheRoutes.get("/", async (c) => c.json(await cacheState(c.get("services"), c.get("ctx"))));

cacheRoutes.delete("/", async (c) => {
  await clearCache(c.get("services"), c.get("ctx"), c.req.header("x-image-cache-clear-target") ?? null);
  return c.body(null, 204);
});

cacheRoutes.post("/clean", async (c) => {
  await cleanCache(c.get("services"), c.get("ctx"));
  return c.body(null, 200);
});

cacheRoutes.post("/prune", async (c) => c.json(await pruneCache(c.get("services"), c.get("ctx"))));

cacheRoutes.get("/nodes/:id", async (c) => c.json(await cachedNodes(c.get("services"), c.get("ctx"), c.req.param("id"))));

cacheRoutes.put("/:id", async (c) => {
  await queueImage(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.body(null, 202);
});

cacheRoutes.delete("/:id", async (c) => {
  await deleteCacheEntry(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.body(null, 204);
});
