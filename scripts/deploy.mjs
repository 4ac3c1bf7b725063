#!/usr/bin/env node
// `npm run deploy`: refuse a configuration that must not reach production, then apply the remote
// D1 migrations and deploy, Worker by Worker.
//
//   npm run deploy                          checks, secrets, remote D1 migrations, wrangler deploy
//   npm run deploy -- --dry-run             offline checks only, then wrangler deploy --dry-run --outdir <tmp>
//   npm run deploy -- --skip-secret-check   deploy even when `wrangler secret list` cannot answer
//   npm run deploy -- --registry            registry mode (README "The registry layer"): the registry
//                                           Worker (wrangler.registry.toml, owner of D1 and its
//                                           migrations) first, then the API Worker with no D1 binding
//
// Other options: --env NAME (a wrangler environment, [env.NAME] in the config), --config PATH (the
// image service's config, default wrangler.toml), --secrets-file PATH (secrets uploaded with this
// deploy, JSON or .env: they count as present and their values are validated), --var KEY:VALUE
// (a var override, passed on to wrangler deploy). AUTH_MODE, GLANCE_CONFIG, STORES, KEYSTONE_URL,
// POLICY and PROPERTY_PROTECTIONS set in the environment override the config's [vars] too, as they
// do for `npm start`, and are passed on to wrangler deploy the same way.
//
// Order: every check of every Worker runs before anything is deployed; then each Worker in turn
// gets its remote migrations and its deploy. With --registry the registry Worker
// (`wrangler.registry.toml` beside the image service's config) goes first, since the image service
// binds to it, and the image service's config is its registry-mode variant (no D1 binding, a
// REGISTRY Service Binding), written by scripts/registry-mode-config.mjs from the config.
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { checkConfigScript, checkSecrets, migrationsApplyLocally, offlineChecks, readSecretsFile, requiredSecrets } from "./deploy/checks.mjs";
import { parseOptions } from "./deploy/options.mjs";
import { ROOT, configArgs, readConfig, readRawConfig, rel, strip, wrangler } from "./deploy/wrangler.mjs";
import { writeRegistryModeConfig } from "./registry-mode-config.mjs";

// As scripts/env.sh: no telemetry, no cf.json download, no banner, for the wrangler API used
// in-process here as for the wrangler commands run below.
Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" });

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`deploy: wrangler needs Node >= 22.12 (this is ${process.versions.node}); run it as \`npm run deploy\`, which uses the Node 24 from node_modules.`);
  process.exit(2);
}

// ---- options (scripts/deploy/options.mjs) ----

const opts = parseOptions(process.argv.slice(2));

// ---- the Workers, in deploy order ----

/** Vars of the image service that the environment may override (as scripts/start.sh takes them). */
const ENV_OVERRIDABLE = ["AUTH_MODE", "GLANCE_CONFIG", "STORES", "KEYSTONE_URL", "POLICY", "PROPERTY_PROTECTIONS"];
const mainConfig = resolve(ROOT, opts.config);
const WORKERS = opts.registry
  ? [
      { role: "registry", config: join(dirname(mainConfig), "wrangler.registry.toml"), optional: false, imageService: false },
      {
        role: "image service",
        config: resolve(ROOT, writeRegistryModeConfig(relative(ROOT, join(dirname(mainConfig), ".wrangler/deploy/wrangler.registry-mode.toml")))),
        optional: false,
        imageService: true,
      },
    ]
  : [{ role: "image service", config: mainConfig, optional: false, imageService: true }];

// ---- run (wrangler: scripts/deploy/wrangler.mjs; checks: scripts/deploy/checks.mjs) ----

const present = WORKERS.filter((w) => {
  if (existsSync(w.config)) return true;
  if (!w.optional) {
    console.error(`deploy: ${rel(w.config)} not found`);
    process.exit(2);
  }
  return false;
});
const secretsFromFile = opts.secretsFile ? readSecretsFile(opts.secretsFile) : {};

const problems = [];
const notes = [];
for (const w of present) {
  Object.assign(w, { name: basename(w.config), required: [], overrides: {}, vars: {}, d1Bindings: [] });
  let config;
  try {
    config = readConfig(w, opts.env);
  } catch (e) {
    // wrangler's own validation refused it: say why, and still run ours over the raw file.
    problems.push(`${rel(w.config)}: wrangler refuses it: ${strip(String(e.message ?? e)).replace(/\n/g, "\n    ")}`);
    try {
      config = readRawConfig(w, opts.env);
    } catch {
      continue;
    }
  }
  w.name = config.name;
  // D1 bindings with a migrations folder (wrangler's default is ./migrations beside the config).
  w.d1Bindings = (config.d1_databases ?? []).filter((d) => existsSync(join(dirname(w.config), d.migrations_dir ?? "migrations"))).map((d) => d.binding);
  // Effective vars: the config's, then the environment's overrides, then --var (image service only).
  const vars = { ...(config.vars ?? {}) };
  const overriddenFrom = {};
  if (w.imageService) {
    for (const name of ENV_OVERRIDABLE) {
      if (process.env[name] !== undefined && process.env[name] !== "") {
        vars[name] = w.overrides[name] = process.env[name];
        overriddenFrom[name] = `the ${name} environment variable`;
      }
    }
    for (const [k, v] of Object.entries(opts.vars)) {
      vars[k] = w.overrides[k] = v;
      overriddenFrom[k] = `--var ${k}`;
    }
    for (const [k, from] of Object.entries(overriddenFrom)) notes.push(`${w.role}: ${k} overridden by ${from}`);
  }
  w.vars = vars;
  w.required = w.imageService ? requiredSecrets(vars) : [];
  problems.push(...offlineChecks(w, config, vars, overriddenFrom, opts.env));
  if (w.imageService) {
    const err = checkConfigScript(vars, secretsFromFile, w.required.flat());
    if (err) problems.push(`${rel(w.config)}: scripts/check-config.mjs refused it: ${err.replace(/^configuration error: /, "")}`);
  }
}

checkSecrets(present, opts, secretsFromFile, problems, notes);

if (opts.dryRun) {
  for (const w of present) {
    for (const binding of w.d1Bindings ?? []) {
      const err = migrationsApplyLocally(w, binding, opts.env);
      if (err) problems.push(`${rel(w.config)}: the D1 migrations of ${binding} do not apply to an empty local database:\n      ${err.replace(/\n/g, "\n      ")}`);
    }
  }
}

for (const n of notes) console.log(`deploy: note: ${n}`);
if (problems.length) {
  console.error(`\ndeploy: refusing to deploy (${problems.length} problem${problems.length > 1 ? "s" : ""}):`);
  for (const p of problems) console.error(`  - ${p}`);
  console.error("");
  process.exit(1);
}
console.log(`deploy: configuration checks passed for ${present.map((w) => `${w.name} (${rel(w.config)})`).join(", ")}`);

for (const w of present) {
  const varArgs = Object.entries(w.overrides).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const secretArgs = w.imageService && opts.secretsFile ? ["--secrets-file", resolve(ROOT, opts.secretsFile)] : [];
  if (opts.dryRun) {
    const outdir = mkdtempSync(join(tmpdir(), `glance-deploy-${w.name}-`));
    console.log(`\ndeploy: [dry run] ${w.role}: would apply remote D1 migrations (${w.d1Bindings.join(", ") || "none"}); building into ${outdir}`);
    const r = wrangler(["deploy", "--dry-run", "--outdir", outdir, ...configArgs(w, opts.env), ...varArgs]);
    if (r.status !== 0) process.exit(r.status);
    const files = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
    const bytes = files.reduce((n, f) => n + statSync(join(outdir, f)).size, 0);
    console.log(`deploy: [dry run] ${w.role}: bundle ${files.join(", ")} = ${(bytes / 1024).toFixed(1)} KiB in ${outdir} (scripts/bundle-size.sh compares it with the limits)`);
    continue;
  }
  for (const binding of w.d1Bindings) {
    console.log(`\ndeploy: ${w.role}: applying remote D1 migrations (${binding})`);
    const m = wrangler(["d1", "migrations", "apply", binding, "--remote", ...configArgs(w, opts.env)]);
    if (m.status !== 0) {
      console.error(`deploy: remote D1 migrations failed for ${w.name}; nothing deployed for it${present.indexOf(w) > 0 ? " (the Workers before it are deployed)" : ""}.`);
      process.exit(m.status);
    }
  }
  console.log(`\ndeploy: ${w.role}: wrangler deploy ${basename(w.config)}`);
  const d = wrangler(["deploy", ...configArgs(w, opts.env), ...varArgs, ...secretArgs]);
  if (d.status !== 0) process.exit(d.status);
}
console.log(opts.dryRun ? "\ndeploy: dry run done: nothing was uploaded." : "\ndeploy: done.");
