// The API Worker's configuration in registry mode (README "The registry layer"), derived from
// wrangler.toml so the two never drift: GLANCE_DATA_API = "registry", a REGISTRY Service Binding to
// the registry Worker's `Registry` entrypoint, and no D1 binding (the registry Worker has it).
// Used by `npm start` (GLANCE_DATA_API=registry), `npm run deploy -- --registry` and the vitest
// project "registry" (which keeps D1 and binds to itself: see vitest.config.ts). The text itself is
// scripts/registry-mode-toml.mjs.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { registryModeToml } from "./registry-mode-toml.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Writes the config to `out` (paths in it are made relative to `out`'s folder) and returns `out`.
 * Options: name (the Worker's name), main (entry module, relative to the repo), service (the
 * registry Worker's name), keepD1 (tests only).
 */
export function writeRegistryModeConfig(out, { name, main = "src/index.ts", service = "glance-registry", keepD1 = false } = {}) {
  const base = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const outDir = dirname(resolve(ROOT, out));
  const rel = (p) => relative(outDir, join(ROOT, p)) || ".";
  const toml = registryModeToml(base, { name, main: rel(main), service, keepD1, migrationsDir: rel("migrations") });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(ROOT, out), toml);
  return out;
}

// As a command: node scripts/registry-mode-config.mjs OUT
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? ".wrangler/registry-mode/wrangler.toml";
  console.log(writeRegistryModeConfig(out));
}
