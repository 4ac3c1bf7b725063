// Wrangler for scripts/deploy.mjs: its CLI run as a child process (from the repo root), its config
// reader used in-process, and the small path/text helpers the deploy messages share.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

// The package exports no bin path: locate it from its package.json. Both are taken on first use,
// after deploy.mjs has set its WRANGLER_* environment.
let WRANGLER;
let childEnv;
export function wrangler(args, { capture = false } = {}) {
  WRANGLER ??= join(dirname(require.resolve("wrangler/package.json")), "bin/wrangler.js");
  childEnv ??= { ...process.env, WRANGLER_LOG: process.env.WRANGLER_LOG ?? "log" };
  const r = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: capture ? { ...childEnv, WRANGLER_LOG: "log" } : childEnv,
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
  });
  return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}
export const configArgs = (w, env) => ["--config", w.config, ...(env ? ["--env", env] : [])];
export const rel = (p) => relative(ROOT, p) || p;
export const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

export function readConfig(w, env) {
  const { unstable_readConfig } = require("wrangler");
  return unstable_readConfig({ config: w.config, env }, { hideWarnings: true });
}

/** The file as written (when wrangler's validation refuses it), with the chosen [env.NAME] on top. */
export function readRawConfig(w, env) {
  const { experimental_readRawConfig } = require("wrangler");
  const raw = experimental_readRawConfig({ config: w.config }).rawConfig;
  return env ? { ...raw, ...(raw.env?.[env] ?? {}) } : raw;
}
