/// <reference types="vite/client" />
// (vite/client: `?raw` imports and import.meta.glob, which the tests use.)
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
declare namespace Cloudflare {
  interface Env {
    /** The read-replication tests' lagging replica (vitest.config.ts). */
    REPLICA_DB: D1Database;
  }
}
