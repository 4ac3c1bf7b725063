import { Hono } from "hono";
import { SCHEMA_DOCUMENTS, schemaDocument } from "../../domain/schemas";
import type { AppEnv } from "../../env";

// GET /v2/schemas/... (glance/api/v2/schemas.py). One explicit route per document, so that other
// methods on a known document answer 405 + Allow and unknown names 404, as in Glance.
export const schemasRoutes = new Hono<AppEnv>();

for (const path of Object.keys(SCHEMA_DOCUMENTS)) {
  schemasRoutes.get(`/${path}`, (c) => c.json(schemaDocument(c.get("services").settings, path)));
}
