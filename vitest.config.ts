import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";
// (a plain .mjs script: scripts/registry-mode-config.mjs)
import { writeRegistryModeConfig } from "./scripts/registry-mode-config.mjs";

// Tests run inside workerd with real local D1, R2, Queues and Durable Objects, in two projects:
// "direct" (the API Worker with its D1 binding, as deployed by default) and "registry" (the
// integration suite again, with the data access layer behind the registry Worker's RPC).

/** wrangler.toml in registry mode, with D1 kept for the registry entrypoint the test script exports beside the API. */
const registryModeConfig = () =>
  writeRegistryModeConfig(".wrangler/test/wrangler.registry-mode.toml", {
    name: "glance-registry-mode-test",
    main: "test/setup/registry-mode-entry.ts",
    service: "glance-registry-mode-test",
    keepD1: true,
  });

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  const worker = (configPath: string) =>
    cloudflareTest({
      wrangler: { configPath },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          // Tests use the header-trusting development mode unless a test overrides it.
          AUTH_MODE: "development",
          GLANCE_CONFIG: JSON.stringify({ notification_sink: true }),
        },
        // Every outbound fetch() goes through this Worker: it serves *.example.com (web-download
        // and glance-download sources) and passes the rest on (test/setup/import-origin.mjs).
        // REPLICA_DB: a second local D1, the lagging read replica of test/helpers/lagging-d1.ts.
        d1Databases: { DB: "00000000-0000-0000-0000-000000000000", REPLICA_DB: "glance-replica-test" },
        outboundService: "import-origin",
        workers: [{ name: "import-origin", modules: true, compatibilityDate: "2026-01-01", script: readFileSync("test/setup/import-origin.mjs", "utf8") }],
      },
    });
  const common = {
    setupFiles: ["./test/setup/apply-migrations.ts"],
    // A Keystone v3 stand-in served over real HTTP from the Node side (keystone-mode tests).
    globalSetup: ["./test/setup/keystone-standin.mjs"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  };
  return {
    test: {
      projects: [
        { plugins: [worker("./wrangler.toml")], test: { ...common, name: "direct", include: ["test/**/*.test.ts"] } },
        { plugins: [worker(registryModeConfig())], test: { ...common, name: "registry", include: ["test/integration/**/*.test.ts"] } },
      ],
    },
  };
});
