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
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeRegistryModeConfig } from "./registry-mode-config.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// As scripts/env.sh: no telemetry, no cf.json download, no banner, for the wrangler API used
// in-process here as for the wrangler commands run below.
Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" });
const require = createRequire(import.meta.url);

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`deploy: wrangler needs Node >= 22.12 (this is ${process.versions.node}); run it as \`npm run deploy\`, which uses the Node 24 from node_modules.`);
  process.exit(2);
}

// ---- options ----

const USAGE = "usage: npm run deploy -- [--dry-run] [--skip-secret-check] [--registry] [--env NAME] [--config PATH] [--secrets-file PATH] [--var KEY:VALUE]...";
const opts = { dryRun: false, skipSecretCheck: false, registry: false, env: undefined, config: "wrangler.toml", secretsFile: undefined, vars: {} };
{
  const args = process.argv.slice(2);
  const value = (name) => {
    const v = args.shift();
    if (v === undefined || v.startsWith("--")) usage(`${name} needs a value`);
    return v;
  };
  while (args.length) {
    const a = args.shift();
    if (a === "--dry-run") opts.dryRun = true;
    else if (a === "--skip-secret-check") opts.skipSecretCheck = true;
    else if (a === "--registry") opts.registry = true;
    else if (a === "--env" || a === "-e") opts.env = value(a);
    else if (a === "--config" || a === "-c") opts.config = value(a);
    else if (a === "--secrets-file") opts.secretsFile = value(a);
    else if (a === "--var") {
      const kv = value(a);
      const i = kv.indexOf(":");
      if (i <= 0) usage(`--var takes KEY:VALUE, got "${kv}"`);
      opts.vars[kv.slice(0, i)] = kv.slice(i + 1);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else usage(`unknown option ${a}`);
  }
}
function usage(msg) {
  console.error(`deploy: ${msg}\n${USAGE}`);
  process.exit(2);
}

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

// ---- wrangler ----

// The package exports no bin path: locate it from its package.json.
const WRANGLER = join(dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");
const childEnv = { ...process.env, WRANGLER_LOG: process.env.WRANGLER_LOG ?? "log" };
function wrangler(args, { capture = false } = {}) {
  const r = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: capture ? { ...childEnv, WRANGLER_LOG: "log" } : childEnv,
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
  });
  return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}
const configArgs = (w) => ["--config", w.config, ...(opts.env ? ["--env", opts.env] : [])];
const rel = (p) => relative(ROOT, p) || p;
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

// ---- checks that need no network ----

const ZERO_UUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLACEHOLDER = /^$|placeholder|change[-_ ]?me|replace[-_ ]?me|todo|xxx|example|your[-_]|<.*>|\$\{.*\}/i;

function readConfig(w) {
  const { unstable_readConfig } = require("wrangler");
  return unstable_readConfig({ config: w.config, env: opts.env }, { hideWarnings: true });
}

/** The file as written (when wrangler's validation refuses it), with the chosen [env.NAME] on top. */
function readRawConfig(w) {
  const { experimental_readRawConfig } = require("wrangler");
  const raw = experimental_readRawConfig({ config: w.config }).rawConfig;
  return opts.env ? { ...raw, ...(raw.env?.[opts.env] ?? {}) } : raw;
}

/** Secrets given with --secrets-file (JSON object or .env lines). */
function readSecretsFile(path) {
  const text = readFileSync(resolve(ROOT, path), "utf8");
  if (text.trimStart().startsWith("{")) {
    const o = JSON.parse(text);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  }
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** Which secrets the image service needs in the chosen AUTH_MODE: each entry is "one of" these names. */
function requiredSecrets(vars) {
  if (vars.AUTH_MODE === "keystone") return [["KEYSTONE_SERVICE_TOKEN", "KEYSTONE_SERVICE_CREDENTIALS"]];
  if ((vars.AUTH_MODE ?? "strict") === "strict") return [["STATIC_TOKENS"]];
  return [];
}

/** Problems found in one Worker's configuration, without the network. */
function offlineChecks(w, config, vars, overriddenFrom) {
  const problems = [];
  const where = rel(w.config) + (opts.env ? ` [env.${opts.env}]` : "");
  const add = (msg) => problems.push(`${where}: ${msg}`);

  if (vars.AUTH_MODE === "development") {
    const from = overriddenFrom.AUTH_MODE ?? "[vars]";
    add(`AUTH_MODE is "development" (from ${from}): it trusts X-Project-Id/X-Roles headers from anyone. Use "strict" (STATIC_TOKENS) or "keystone" (KEYSTONE_URL + a service secret).`);
  }
  for (const db of config.d1_databases ?? []) {
    const id = db.database_id ?? "";
    if (!id || ZERO_UUID.test(id)) {
      add(`D1 binding ${db.binding} has the placeholder database_id "${id}": create the database (\`wrangler d1 create ${db.database_name || "<name>"}\`) and put the id it prints in database_id.`);
    } else if (!UUID.test(id)) {
      add(`D1 binding ${db.binding}: database_id "${id}" is not a database id (a UUID, as \`wrangler d1 create\` prints it).`);
    }
    if (!db.database_name || PLACEHOLDER.test(db.database_name)) add(`D1 binding ${db.binding}: database_name "${db.database_name ?? ""}" is empty or a placeholder.`);
  }
  for (const b of config.r2_buckets ?? []) {
    if (!b.bucket_name || PLACEHOLDER.test(b.bucket_name)) {
      add(`R2 binding ${b.binding}: bucket_name "${b.bucket_name ?? ""}" is empty or a placeholder: create the bucket (\`wrangler r2 bucket create <name>\`) and name it here.`);
    }
  }
  for (const kv of config.kv_namespaces ?? []) {
    if (!kv.id || PLACEHOLDER.test(kv.id) || /^0+$/.test(kv.id)) add(`KV binding ${kv.binding}: id "${kv.id ?? ""}" is empty or a placeholder.`);
  }
  const queues = [
    ...(config.queues?.producers ?? []).map((q) => [`queue producer ${q.binding}`, q.queue]),
    ...(config.queues?.consumers ?? []).flatMap((q) => [[`queue consumer`, q.queue], ...(q.dead_letter_queue !== undefined ? [["dead_letter_queue", q.dead_letter_queue]] : [])]),
  ];
  for (const [what, name] of queues) if (!name || PLACEHOLDER.test(name)) add(`${what}: queue name "${name ?? ""}" is empty or a placeholder.`);

  if (w.imageService) {
    // Every store of STORES must name an R2 binding the config declares.
    let stores = [];
    try {
      stores = JSON.parse(vars.STORES ?? "[]");
    } catch {
      /* check-config.mjs reports the parse error */
    }
    const buckets = new Set((config.r2_buckets ?? []).map((b) => b.binding));
    for (const s of Array.isArray(stores) ? stores : []) {
      if (s && typeof s.binding === "string" && !buckets.has(s.binding)) add(`STORES names the R2 binding ${s.binding} (store ${s.id}), which has no [[r2_buckets]] entry.`);
    }
    if (vars.AUTH_MODE === "keystone" && !(vars.KEYSTONE_URL ?? "").trim()) {
      add(`AUTH_MODE keystone needs the KEYSTONE_URL var (e.g. https://keystone.example.com/v3), in [vars] or as KEYSTONE_URL=... npm run deploy.`);
    }
  }
  return problems;
}

/** scripts/check-config.mjs: the Worker's own parser over the vars (and secrets when known). */
function checkConfigScript(vars, secretValues, secretNames) {
  const args = Object.entries(vars)
    .filter(([, v]) => typeof v === "string")
    .map(([k, v]) => `${k}:${v}`);
  // Secret values are unknown unless they come from --secrets-file: stand-ins let the parser check
  // everything else (keystone mode refuses to parse without a service secret).
  for (const name of secretNames) {
    if (secretValues[name] !== undefined) args.push(`${name}:${secretValues[name]}`);
    else if (name === "KEYSTONE_SERVICE_TOKEN") args.push(`${name}:stand-in`);
  }
  const r = spawnSync(process.execPath, [join(ROOT, "scripts/check-config.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? null : strip((r.stderr || r.stdout || `check-config.mjs exited with ${r.status}`).trim());
}

/** Local, offline: the migrations apply cleanly to an empty database (dry runs only). */
function migrationsApplyLocally(w, binding) {
  const dir = mkdtempSync(join(tmpdir(), "glance-deploy-migrations-"));
  const r = wrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", dir, ...configArgs(w)], { capture: true });
  rmSync(dir, { recursive: true, force: true });
  return r.status === 0 ? null : strip(`${r.stdout}\n${r.stderr}`).trim().split("\n").slice(-6).join("\n");
}

// ---- run ----

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
    config = readConfig(w);
  } catch (e) {
    // wrangler's own validation refused it: say why, and still run ours over the raw file.
    problems.push(`${rel(w.config)}: wrangler refuses it: ${strip(String(e.message ?? e)).replace(/\n/g, "\n    ")}`);
    try {
      config = readRawConfig(w);
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
  problems.push(...offlineChecks(w, config, vars, overriddenFrom));
  if (w.imageService) {
    const err = checkConfigScript(vars, secretsFromFile, w.required.flat());
    if (err) problems.push(`${rel(w.config)}: scripts/check-config.mjs refused it: ${err.replace(/^configuration error: /, "")}`);
  }
}

// Secrets: names only (values cannot be read back). Needs credentials and the network.
for (const w of present) {
  if (w.required.length === 0) continue;
  const missingFromFile = w.required.filter((oneOf) => !oneOf.some((n) => secretsFromFile[n]));
  if (missingFromFile.length === 0) {
    notes.push(`${w.role}: secrets ${w.required.map((o) => o.join(" or ")).join(", ")} come from ${opts.secretsFile}`);
    continue;
  }
  const wanted = missingFromFile.map((o) => o.join(" or ")).join(", ");
  if (opts.dryRun) {
    notes.push(`${w.role}: secrets not checked (dry run, needs the network): AUTH_MODE ${w.vars.AUTH_MODE ?? "strict"} needs ${wanted}`);
    continue;
  }
  if (opts.skipSecretCheck) {
    notes.push(`${w.role}: secret check skipped (--skip-secret-check): make sure ${wanted} is set (wrangler secret put), or every request answers 401/500`);
    continue;
  }
  const r = wrangler(["secret", "list", "--format", "json", ...configArgs(w)], { capture: true });
  let names = null;
  if (r.status === 0) {
    try {
      const json = JSON.parse(r.stdout.slice(r.stdout.indexOf("[")));
      names = new Set(json.map((s) => s.name));
    } catch {
      /* unreadable answer: treated as not listed */
    }
  }
  if (!names) {
    // wrangler's first error line, first sentence (its advice about tokens follows in ours).
    const line = strip(`${r.stderr}\n${r.stdout}`).split("\n").map((l) => l.replace(/^\s*✘\s*\[ERROR\]\s*/, "").trim()).find((l) => l);
    const why = line ? line.replace(/^(.*?\.)\s.*$/, "$1") : `exit ${r.status}`;
    problems.push(
      `${rel(w.config)}: cannot list the secrets of ${w.name} (\`wrangler secret list\`: ${why}), so the ${wanted} secret that AUTH_MODE ${w.vars.AUTH_MODE ?? "strict"} needs cannot be checked. ` +
        `Log in (CLOUDFLARE_API_TOKEN, or \`wrangler login\`), pass the secrets with --secrets-file, or rerun with --skip-secret-check if you know they are set.`,
    );
    continue;
  }
  for (const oneOf of missingFromFile) {
    if (!oneOf.some((n) => names.has(n))) {
      problems.push(`${rel(w.config)}: secret ${oneOf.join(" or ")} is not set on ${w.name} (AUTH_MODE ${w.vars.AUTH_MODE ?? "strict"} needs it): \`wrangler secret put ${oneOf[0]}\`${opts.env ? ` --env ${opts.env}` : ""}, or --secrets-file.`);
    }
  }
}

if (opts.dryRun) {
  for (const w of present) {
    for (const binding of w.d1Bindings ?? []) {
      const err = migrationsApplyLocally(w, binding);
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
    const r = wrangler(["deploy", "--dry-run", "--outdir", outdir, ...configArgs(w), ...varArgs]);
    if (r.status !== 0) process.exit(r.status);
    const files = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
    const bytes = files.reduce((n, f) => n + statSync(join(outdir, f)).size, 0);
    console.log(`deploy: [dry run] ${w.role}: bundle ${files.join(", ")} = ${(bytes / 1024).toFixed(1)} KiB in ${outdir} (scripts/bundle-size.sh compares it with the limits)`);
    continue;
  }
  for (const binding of w.d1Bindings) {
    console.log(`\ndeploy: ${w.role}: applying remote D1 migrations (${binding})`);
    const m = wrangler(["d1", "migrations", "apply", binding, "--remote", ...configArgs(w)]);
    if (m.status !== 0) {
      console.error(`deploy: remote D1 migrations failed for ${w.name}; nothing deployed for it${present.indexOf(w) > 0 ? " (the Workers before it are deployed)" : ""}.`);
      process.exit(m.status);
    }
  }
  console.log(`\ndeploy: ${w.role}: wrangler deploy ${basename(w.config)}`);
  const d = wrangler(["deploy", ...configArgs(w), ...varArgs, ...secretArgs]);
  if (d.status !== 0) process.exit(d.status);
}
console.log(opts.dryRun ? "\ndeploy: dry run done: nothing was uploaded." : "\ndeploy: done.");
