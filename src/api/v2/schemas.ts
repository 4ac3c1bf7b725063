import { Hono } from "hono";
import type { AppEnv } from "../../env";

export const schemasRoutes = new Hono<AppEnv>();
schemasRoutes.get("/image", (c) => c.json({ name: "image", properties: {}, additionalProperties: { type: "string" } }));
