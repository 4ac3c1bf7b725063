import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with real local D1, R2, Queues and Durable Objects.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Tests use the header-trusting development mode unless a test overrides it.
            AUTH_MODE: "development",
            GLANCE_CONFIG: JSON.stringify({ notification_sink: true }),
          },
          // Every outbound fetch() goes through this Worker: it serves *.example.com (web-download
          // and glance-download sources) and passes the rest on (test/setup/import-origin.mjs).
          outboundService: "import-origin",
          workers: [
            { name: "import-origin", modules: true, compatibilityDate: "2026-01-01", script: readFileSync("test/setup/import-origin.mjs", "utf8") },
          ],
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts"],
      // A Keystone v3 stand-in served over real HTTP from the Node side (keystone-mode tests).
      globalSetup: ["./test/setup/keystone-standin.mjs"],
      include: ["test/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
