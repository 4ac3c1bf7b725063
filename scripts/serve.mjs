// `npm start`'s server: the built Worker(s) of .wrangler/serve/plan.json (scripts/serve-build.mjs)
// in one workerd through Miniflare's API. What `wrangler dev` adds for development is left out:
// no file watcher, no rebuilds, no wrangler process, no proxy Worker in front (a second workerd
// and a hop per request). The port is a socket of the first Worker itself (Miniflare's
// unsafeDirectSockets): requests skip Miniflare's entry Worker too (its JS per request: the
// request copied twice, cf headers, pretty error pages), which leaves Miniflare's own entry
// socket on a spare loopback port, unused. State lives where `wrangler dev --persist-to DIR`
// keeps it (DIR/v3: D1, R2, Durable Objects, Queues), so either serves the same state.
//
//   node scripts/serve.mjs [--plan .wrangler/serve/plan.json] [--ip 127.0.0.1] [--port 9292]
//                          [--persist-to .wrangler/state] [--var NAME:VALUE ...] [--inspector-port N]
// --var sets a var of the first Worker (the one on the port), as `wrangler dev --var` does.
// SIGTERM/SIGINT/SIGHUP stop workerd and exit 0.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const opt = { plan: path.join(ROOT, ".wrangler/serve/plan.json"), ip: "127.0.0.1", port: 9292, persistTo: path.join(ROOT, ".wrangler/state"), vars: {}, inspectorPort: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    if (i + 1 >= argv.length) throw new Error(`serve: ${a} needs a value`);
    return argv[++i];
  };
  if (a === "--plan") opt.plan = path.resolve(next());
  else if (a === "--ip") opt.ip = next();
  else if (a === "--port") opt.port = Number(next());
  else if (a === "--persist-to") opt.persistTo = path.resolve(next());
  else if (a === "--inspector-port") opt.inspectorPort = Number(next());
  else if (a === "--var") {
    const v = next();
    const at = v.indexOf(":");
    if (at <= 0) throw new Error(`serve: --var takes NAME:VALUE, not ${v}`);
    opt.vars[v.slice(0, at)] = v.slice(at + 1);
  } else throw new Error(`serve: unknown argument ${a}`);
}

const plan = JSON.parse(readFileSync(opt.plan, "utf8"));
const workers = plan.map((w, i) => ({
  name: w.name,
  modules: true,
  scriptPath: w.scriptPath,
  modulesRoot: w.modulesRoot,
  ...w.options,
  ...(i === 0 ? { bindings: { ...w.options.bindings, ...opt.vars }, unsafeDirectSockets: [{ host: opt.ip, port: opt.port }] } : {}),
}));

const level = { debug: LogLevel.DEBUG, info: LogLevel.INFO, log: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR, none: LogLevel.NONE };
const mf = new Miniflare(
  convertV4MiniflareOptions({
    // Miniflare's entry socket (its entry Worker): not the service's port, see above
    host: "127.0.0.1",
    port: 0,
    inspectorPort: opt.inspectorPort,
    // the same folder layout as `wrangler dev --persist-to` (wrangler's getDefaultPersistRoot)
    resourcePersistencePath: path.join(opt.persistTo, "v3"),
    resourceTmpPath: path.join(ROOT, ".wrangler/tmp"),
    // no request.cf download (CLOUDFLARE_CF_FETCH_ENABLED=false does the same for wrangler)
    cf: false,
    log: new Log(level[process.env.WRANGLER_LOG ?? "warn"] ?? LogLevel.WARN),
    logRequests: false,
    telemetry: { enabled: false },
    workers,
  }),
);

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
process.on("SIGHUP", () => stop(0));

try {
  await mf.ready;
  const host = opt.ip.includes(":") ? `[${opt.ip}]` : opt.ip;
  console.log(`glance-workers: serving ${plan.map((w) => w.name).join(" + ")} on http://${host}:${opt.port} (state in ${path.relative(ROOT, opt.persistTo) || "."})`);
} catch (e) {
  console.error(`serve: ${e?.stack ?? e}`);
  await stop(1);
}
