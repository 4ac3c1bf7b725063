import { Hono } from "hono";
import { importMethods, listStores } from "../../domain/discovery";
import { projectUsage } from "../../domain/quotas";
import type { AppEnv } from "../../env";

/** /v2/info: import methods, stores (+ detail for admins and services), unified-limit usage. */
export const discoveryRoutes = new Hono<AppEnv>();

discoveryRoutes.get("/import", (c) => c.json(importMethods(c.get("services").settings)));

discoveryRoutes.get("/stores", (c) => c.json({ stores: listStores(c.get("services"), c.get("ctx"), false) }));

discoveryRoutes.get("/stores/detail", (c) => c.json({ stores: listStores(c.get("services"), c.get("ctx"), true) }));

discoveryRoutes.get("/usage", async (c) => c.json({ usage: await projectUsage(c.get("services"), c.get("ctx").projectId) }));
