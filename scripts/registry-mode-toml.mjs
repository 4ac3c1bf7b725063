// The text transformation behind scripts/registry-mode-config.mjs, with no file access, so that
// test/integration/registry.test.ts can check it inside workerd: wrangler.toml in, the API
// Worker's registry-mode configuration out (GLANCE_DATA_API = "registry", a REGISTRY Service
// Binding to the registry Worker's `Registry` entrypoint, no D1 binding unless keepD1).

/**
 * Options: name (the Worker's name), main (entry module, as the config will reference it),
 * service (the registry Worker's name), keepD1 (tests only), migrationsDir (with keepD1: the
 * migrations folder as the config will reference it).
 */
export function registryModeToml(base, { name, main = "src/index.ts", service = "glance-registry", keepD1 = false, migrationsDir = "migrations" } = {}) {
  const swap = (s, from, to) => {
    if (!from.test(s)) throw new Error(`registry-mode-config: wrangler.toml no longer has ${String(from)}`);
    return s.replace(from, to);
  };
  let toml = base;
  if (name) toml = swap(toml, /^name = ".*"$/m, `name = "${name}"`);
  toml = swap(toml, /^main = ".*"$/m, `main = "${main}"`);
  toml = swap(toml, /^\[vars\]$/m, '[vars]\n# Data access through the registry Worker (README "The registry layer").\nGLANCE_DATA_API = "registry"');
  if (keepD1) toml = swap(toml, /migrations_dir = "migrations"/, `migrations_dir = "${migrationsDir}"`);
  else toml = swap(toml, /\[\[d1_databases\]\][^[]*/, "");
  return `${toml}\n[[services]]\nbinding = "REGISTRY"\nservice = "${service}"\nentrypoint = "Registry"\n`;
}
