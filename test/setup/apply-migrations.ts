import { applyD1Migrations, env } from "cloudflare:test";

// Idempotent: every test file starts from a migrated database.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
