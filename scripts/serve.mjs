// `npm start`'s server: the built Worker(s) of a plan written by scripts/serve-build.mjs
// in one workerd through Miniflare's API. What `wrangler dev` adds for development is left out:
// no file watcher, no rebuilds, no wrangler process, no proxy Worker in front (a second workerd
// and a hop per request). The port is a socket of the first Worker itself (Miniflare's
// unsafeDirectSockets): requests skip Miniflare's entry Worker too (its JS per request: the
// request copied twice, cf headers, pretty error pages), which leaves Miniflare's own entry
// socket on a spare loopback port, unused. State lives where `wrangler dev --persist-to DIR`
// keeps it (DIR/v3: D1, R2, Durable Objects, Queues), so either serves the same state.
//
// Hand-off (the default): once Miniflare has the runtime up, this process becomes workerd
// itself (process.execve) with the very configuration Miniflare generated and checked, so no
// Node process (~140 MiB that only waits) stays in the tree. What Node did while waiting is
// left to workerd: its log lines come out as its JSON lines ({"level","message",...}) instead of
// Miniflare's formatting; Miniflare's "loopback" service (log lines of the local simulators,
// e.g. the queue broker's "N messages processed") is pointed at the service's own port, where
// they get a 404 nobody reads; a crashed workerd is not restarted (npm start exits). --no-handoff
// keeps Node (Miniflare) in charge; so does any Miniflare that does not start workerd the way
// this one does (the hand-off needs its Runtime.updateConfig and Node's process.execve).
//
//   node scripts/serve.mjs --plan PLAN.json [--ip 127.0.0.1] [--port 9292]
//                          [--persist-to .wrangler/state] [--var NAME:VALUE ...] [--inspector-port N]
//                          [--no-handoff]
// --var sets a var of the first Worker (the one on the port), as `wrangler dev --var` does.
// SIGTERM/SIGINT/SIGHUP stop workerd and exit 0.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare, Runtime, convertV4MiniflareOptions } from "miniflare";
import workerd from "workerd";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const opt = { plan: null, ip: "127.0.0.1", port: 9292, persistTo: path.join(ROOT, ".wrangler/state"), vars: {}, inspectorPort: undefined, handoff: true };
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
  else if (a === "--no-handoff") opt.handoff = false;
  else if (a === "--var") {
    const v = next();
    const at = v.indexOf(":");
    if (at <= 0) throw new Error(`serve: --var takes NAME:VALUE, not ${v}`);
    opt.vars[v.slice(0, at)] = v.slice(at + 1);
  } else throw new Error(`serve: unknown argument ${a}`);
}

if (!opt.plan) throw new Error("serve: --plan is required (scripts/serve-build.mjs prints it)");
const plan = JSON.parse(readFileSync(opt.plan, "utf8"));
const canHandOff = opt.handoff && typeof process.execve === "function" && typeof Runtime?.prototype?.updateConfig === "function";
// With the hand-off, Miniflare's own workerd listens on a spare port: the service's port opens only
// once, in the workerd this process becomes (its --socket-addr below). Had Miniflare's workerd held
// it, a client could get an answer there, then a refused connection while the two runtimes swap.
const directPort = canHandOff ? 0 : opt.port;
const DIRECT_SOCKET = "direct:0:default"; // Miniflare's name for the first Worker's direct socket
const workers = plan.map((w, i) => ({
  name: w.name,
  modules: true,
  scriptPath: w.scriptPath,
  modulesRoot: w.modulesRoot,
  ...w.options,
  ...(i === 0 ? { bindings: { ...w.options.bindings, ...opt.vars }, unsafeDirectSockets: [{ host: opt.ip, port: directPort }] } : {}),
}));

// V8's young generation at 1 MiB per isolate instead of its default of up to 16 MiB (×3, ×15
// isolates: ours, the D1/R2/queue simulators, ...): under load the workerd process held ~600 MiB
// instead of ~300, and neither req/s nor CPU per request got worse (README "Local performance").
process.env.MINIFLARE_WORKERD_V8_FLAGS ??= "--max-semi-space-size=1";

// The configuration Miniflare hands to workerd (a capnp message) and how it starts it.
let started = null;
if (canHandOff) {
  const updateConfig = Runtime.prototype.updateConfig;
  Runtime.prototype.updateConfig = function (configBuffer, options, ...rest) {
    started = { runtime: this, configBuffer, options };
    return updateConfig.call(this, configBuffer, options, ...rest);
  };
}

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

const host = opt.ip.includes(":") ? `[${opt.ip}]` : opt.ip;
const serving = `serving ${plan.map((w) => w.name).join(" + ")} on http://${host}:${opt.port} (state in ${path.relative(ROOT, opt.persistTo) || "."})`;
try {
  await mf.ready;
} catch (e) {
  console.error(`serve: ${e?.stack ?? e}`);
  await stop(1);
}
if (canHandOff && started) {
  // Miniflare's workerd answered with this configuration: run it again as this very process.
  const dir = path.join(ROOT, ".wrangler/tmp");
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, `workerd-${opt.port}.capnp.bin`);
  if (!Buffer.from(started.configBuffer).includes(DIRECT_SOCKET)) {
    console.error(`serve: no socket named ${DIRECT_SOCKET} in Miniflare's configuration (run with --no-handoff)`);
    await stop(1);
  }
  writeFileSync(config, started.configBuffer);
  stopping = true; // signals from here on go to workerd
  // Stop Miniflare's workerd (and only it: Miniflare's own dispose would also delete the temporary
  // folders the configuration names), then become workerd.
  await started.runtime.dispose();
  const bin = process.env.MINIFLARE_WORKERD_PATH ?? (typeof workerd === "string" ? workerd : workerd.default);
  const args = [bin, "serve", "--binary", "--experimental", "--socket-addr=entry=127.0.0.1:0", `--socket-addr=${DIRECT_SOCKET}=${host}:${opt.port}`, `--external-addr=loopback=${host}:${opt.port}`];
  if (started.options.inspectorAddress) args.push(`--inspector-addr=${started.options.inspectorAddress}`);
  args.push(config);
  console.log(`glance-workers: ${serving}; workerd pid ${process.pid}`);
  process.execve(bin, args, { ...process.env, TZ: "UTC", ...started.options.runtimeEnv });
}
console.log(`glance-workers: ${serving}`);
