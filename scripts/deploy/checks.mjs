// The refusals of scripts/deploy.mjs: offline checks of each Worker's config and secrets file,
// the Worker's own config parser (scripts/check-config.mjs), local migrations, the secret listing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, configArgs, rel, strip, wrangler } from "./wrangler.mjs";

const ZERO_UUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLACEHOLDER = /^$|placeholder|change[-_ ]?me|replace[-_ ]?me|todo|xxx|example|your[-_]|<.*>|\$\{.*\}/i;

/** Secrets given with --secrets-file (JSON object or .env lines). */
export function readSecretsFile(path) {
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
export function requiredSecrets(vars) {
  if (vars.AUTH_MODE === "keystone") return [["KEYSTONE_SERVICE_TOKEN", "KEYSTONE_SERVICE_CREDENTIALS"]];
  if ((vars.AUTH_MODE ?? "strict") === "strict") return [["STATIC_TOKENS"]];
  return [];
}

/** Problems found in one Worker's configuration, without the network. */
export function offlineChecks(w, config, vars, overriddenFrom, env) {
  const problems = [];
  const where = rel(w.config) + (env ? ` [env.${env}]` : "");
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
export function checkConfigScript(vars, secretValues, secretNames) {
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
export function migrationsApplyLocally(w, binding, env) {
  const dir = mkdtempSync(join(tmpdir(), "glance-deploy-migrations-"));
  const r = wrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", dir, ...configArgs(w, env)], { capture: true });
  rmSync(dir, { recursive: true, force: true });
  return r.status === 0 ? null : strip(`${r.stdout}\n${r.stderr}`).trim().split("\n").slice(-6).join("\n");
}

/** Secrets: names only (values cannot be read back). Needs credentials and the network. */
export function checkSecrets(present, opts, secretsFromFile, problems, notes) {
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
    const r = wrangler(["secret", "list", "--format", "json", ...configArgs(w, opts.env)], { capture: true });
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
}
