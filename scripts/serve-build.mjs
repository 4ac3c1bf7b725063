// The build step of `npm start` (scripts/serve.mjs serves what it writes), in its own short-lived
// process so that wrangler never stays in the server's memory. For each wrangler config given (-c;
// the first is the Worker that answers on the port):
//   - the Worker bundle as `wrangler deploy --dry-run --outdir` builds it (the deployed bundle, no
//     dev-only middleware), rebuilt only when a file the last bundle was made from (its source
//     map's sources), package-lock.json or this script is newer than it, or the config differs;
//   - its Miniflare options (bindings: D1, R2, Queues, Durable Objects, services, vars and
//     .dev.vars) from wrangler's unstable_getMiniflareWorkerOptions, the function wrangler's dev
//     server and the vitest pool derive them with: the served Worker gets the bindings `wrangler
//     dev` would give it.
// Writes OUT/plan.json: [{ config, name, scriptPath, modulesRoot, options }] and prints its path.
// OUT defaults to a folder of .wrangler/serve/ per set of configs (two modes started side by side
// never share one). When nothing changed, it returns without loading wrangler (well under a second).
//
//   node scripts/serve-build.mjs [-c wrangler.toml ...] [--out DIR]
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const configs = [];
let out = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "-c" || argv[i] === "--config") configs.push(path.resolve(argv[++i]));
  else if (argv[i] === "--out") out = path.resolve(argv[++i]);
  else throw new Error(`serve-build: unknown argument ${argv[i]}`);
}
if (configs.length === 0) configs.push(path.join(ROOT, "wrangler.toml"));
out ??= path.join(ROOT, ".wrangler/serve", createHash("sha256").update(configs.join("\n")).digest("hex").slice(0, 12));
const planPath = path.join(out, "plan.json");

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return null;
  }
};
const newer = (p, than) => {
  const t = mtime(p);
  return t === null || t > than;
};
/** Files the options of `config` are read from besides the config itself (local secrets). */
const envFiles = (config) => [".dev.vars", ".env"].map((f) => path.join(path.dirname(config), f)).filter((f) => mtime(f) !== null);

const SNAPSHOT = "config.snapshot";
/** The config `dir`'s bundle was built from is not `config` as it reads now (compared by content: registry mode rewrites its config at each start). */
const configChanged = (dir, config) => {
  try {
    return readFileSync(path.join(dir, SNAPSHOT), "utf8") !== readFileSync(config, "utf8");
  } catch {
    return true;
  }
};

/** The bundle in `dir` is older than something it was built from (or missing). */
function stale(dir, config) {
  const bundle = path.join(dir, "index.js");
  const map = path.join(dir, "index.js.map");
  if (!existsSync(bundle) || !existsSync(map) || configChanged(dir, config)) return true;
  const built = mtime(bundle);
  const inputs = [path.join(ROOT, "package-lock.json"), fileURLToPath(import.meta.url)];
  const { sources = [], sourceRoot = "" } = JSON.parse(readFileSync(map, "utf8"));
  for (const s of sources) inputs.push(path.resolve(dir, sourceRoot, s));
  return inputs.some((p) => newer(p, built));
}

const dirOf = (i, name) => path.join(out, `${i}-${name}`);

// Nothing changed since the last plan: done, without loading wrangler.
if (existsSync(planPath)) {
  const planned = mtime(planPath);
  const plan = JSON.parse(readFileSync(planPath, "utf8"));
  const same =
    plan.length === configs.length &&
    plan.every((w, i) => w.config === configs[i] && !stale(path.dirname(w.scriptPath), w.config) && !envFiles(w.config).some((p) => newer(p, planned)));
  if (same) {
    console.log(planPath);
    process.exit(0);
  }
}

const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = await import("wrangler");
const plan = [];
for (const [i, config] of configs.entries()) {
  const { name } = unstable_readConfig({ config });
  const dir = dirOf(i, name);
  if (stale(dir, config)) {
    mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", dir, "-c", config], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_LOG: "warn" },
    });
    if (r.status !== 0) {
      process.stderr.write(r.stdout + r.stderr);
      console.error(`serve-build: building ${path.relative(ROOT, config)} failed`);
      process.exit(1);
    }
    writeFileSync(path.join(dir, SNAPSHOT), readFileSync(config, "utf8"));
    console.error(`serve-build: ${name} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const extra = readdirSync(dir).filter((f) => !["index.js", "index.js.map", "README.md", SNAPSHOT].includes(f));
  if (extra.length > 0) throw new Error(`serve-build: ${name} bundles more than one module (${extra.join(", ")}): scripts/serve.mjs serves one`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // One bundled module, named relative to its folder (Miniflare refuses paths that leave it).
  delete workerOptions.rootPath;
  delete workerOptions.modulesRules;
  plan.push({ config, name, scriptPath: path.join(dir, "index.js"), modulesRoot: dir, options: workerOptions });
}
mkdirSync(out, { recursive: true });
writeFileSync(planPath, JSON.stringify(plan, null, 2));
console.log(planPath);
