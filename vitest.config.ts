import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
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
