// npm run -s profile (node bench/profile.mjs): CPU per GiB of each stage of the byte path, measured
// in the same runtime `npm start` uses (workerd under Miniflare, local R2 simulator), with the
// service's own stream code (bench/profile-worker.ts). Each stage is a route that does one more
// thing than the last; its cost is workerd's CPU (utime+stime from /proc) over the transfer,
// divided by the bytes moved. The client is curl (its CPU is not counted).
//
// Env: SIZE_MB=256 RUNS=3 PROFILE_DIR=/tmp/glance-profile STAGES=a,b (a subset). Prints a Markdown
// table. PROFILE_SERVE=1: only serve the stage routes (prints URL and workerd's pid; for perf record).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";

// the V8 setting npm start's workerd runs with (scripts/serve.mjs)
process.env.MINIFLARE_WORKERD_V8_FLAGS ??= "--max-semi-space-size=1";

const here = path.dirname(fileURLToPath(import.meta.url));
const SIZE_MB = Number(process.env.SIZE_MB ?? 256);
const RUNS = Number(process.env.RUNS ?? 3);
const DIR = process.env.PROFILE_DIR ?? "/tmp/glance-profile";
const TICK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** utime+stime in seconds of a process (children not included). */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
}
function rssOf(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}
function childrenNamed(ppid, name) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        return comm === name && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
const payload = path.join(DIR, `payload-${SIZE_MB}M.bin`);
execFileSync("sh", ["-c", `head -c ${SIZE_MB * 1048576} /dev/urandom > '${payload}'`]);
const bytes = statSync(payload).size;

const bundle = await build({
  entryPoints: [path.join(here, "profile-worker.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  write: false,
  logLevel: "error",
  external: ["node:*"],
});
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
    resourcePersistencePath: path.join(DIR, "state"),
    workers: [
      {
        name: "profile",
        modules: true,
        script: bundle.outputFiles[0].text,
        compatibilityDate: "2026-10-01",
        compatibilityFlags: ["nodejs_compat"],
        r2Buckets: { BUCKET: { id: "profile" } },
        d1Databases: { DB: { id: "profile" } },
        // served on the Worker's own socket, as npm start serves the service (scripts/serve.mjs)
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  }),
);
await mf.ready;
const base = (await mf.unsafeGetDirectURL("profile")).toString().replace(/\/$/, "");
const [workerd] = childrenNamed(process.pid, "workerd");
if (!workerd) throw new Error("no workerd child found");

if (process.env.PROFILE_SERVE) {
  // keep serving (for perf record / an inspector): prints the URL and workerd's pid
  console.log(`${base} workerd=${workerd}`);
  await new Promise((res) => process.once("SIGINT", res).once("SIGTERM", res));
  await mf.dispose();
  process.exit(0);
}

function curl(args) {
  const r = spawnSync("curl", ["-sS", "--max-time", "600", "-w", "\n%{http_code} %{time_total}", ...args], { encoding: "utf8" });
  const lines = r.stdout.trimEnd().split("\n");
  const [code, secs] = lines.pop().split(" ");
  if (code !== "200") throw new Error(`curl ${args.join(" ")}: ${code} ${lines.join(" ")}`);
  return { secs: Number(secs), body: lines.join("\n") };
}
const upload = (route, key) => curl(["-X", "PUT", "-H", "Expect:", "-H", "Content-Type: application/octet-stream", "-T", payload, `${base}${route}?key=${key}`]);
const download = (route, key) => curl(["-o", "/dev/null", `${base}${route}?key=${key}`]);

/** [name, what, run(i)] */
const ONLY = process.env.STAGES ? process.env.STAGES.split(",") : null;
const chunked = (route, key) => curl(["-X", "PUT", "-H", "Expect:", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream", "-T", payload, `${base}${route}?key=${key}`]);
/** [name, what, run(i)]: uploads first (their objects are read back by the downloads) */
const stages = [
  ["read-default", "request body, default reader (the runtime's ~4 KiB chunks)", () => upload("/read-default")],
  ["read-fresh", "request body, BYOB 1 MiB reads, a fresh buffer each", () => upload("/read-fresh")],
  ["read", "request body, BYOB 1 MiB reads into one buffer (readChunks reuse)", () => upload("/read")],
  ["md5", "read + MD5 (DigestStream)", () => upload("/md5")],
  ["sha512", "read + SHA-512 (DigestStream)", () => upload("/sha512")],
  ["inspect", "read + format inspection", () => upload("/inspect")],
  ["put-native", "R2 put of the request body as is: the local R2 simulator alone", (i) => upload("/put-native", `n${i}`)],
  ["put-pipe", "body piped natively into a FixedLengthStream for R2 put (no JS per chunk)", (i) => upload("/put-pipe", `q${i}`)],
  ["store-write", "PUT /file's byte path: store adapter (read, SHA-512, inspect, R2 put; MD5 from R2)", (i) => upload("/store-write", `a${i}`)],
  ["store-write-chunked", "the same, chunked body: 16 MiB parts, R2 multipart, MD5 + SHA-512 here", (i) => chunked("/store-write-chunked", `c${i}`)],
  ["get-drain", "R2 get read inside the Worker (the simulator's read side)", (i) => download("/get-drain", `a${i}`)],
  ["get-native", "R2 get body returned as the response", (i) => download("/get-native", `a${i}`)],
  ["store-read", "GET /file's byte path: store adapter read (countedStream)", (i) => download("/store-read", `a${i}`)],
];

// warm-up: JIT and the simulator's first objects
upload("/store-write", "warm");
download("/store-read", "warm");

const rows = [];
for (const [name, what, run] of stages.filter(([n]) => !ONLY || ONLY.includes(n))) {
  const cpu = [];
  const rate = [];
  for (let i = 0; i < RUNS; i++) {
    // Every run starts with no dirty pages: otherwise the kernel's writeback throttling of the
    // simulator's blob files lands on whichever stage comes later, as CPU in its page-cache copies.
    execFileSync("sync");
    const c0 = cpuOf(workerd);
    const r = run(i);
    await new Promise((res) => setTimeout(res, 200)); // let the runtime finish the request's tail
    cpu.push(cpuOf(workerd) - c0);
    rate.push(bytes / 1048576 / r.secs);
  }
  const perGiB = (median(cpu) * 1073741824) / bytes;
  rows.push({ name, what, perGiB, rate: median(rate), all: cpu.map((c) => ((c * 1073741824) / bytes).toFixed(2)).join(", ") });
  // objects other than store-write's (read back by the downloads) go: less disk and page cache
  if (name !== "store-write") for (let i = 0; i < RUNS; i++) for (const p of "nqc") curl(["-X", "DELETE", "-o", "/dev/null", `${base}/delete?key=${p}${i}`]);
  console.error(`${name}: ${perGiB.toFixed(2)} s/GiB, ${median(rate).toFixed(0)} MiB/s`);
}

// per-request CPU: a constant answer (the runtime's floor per request), and one local D1 round trip
curl([`${base}/d1-setup`]);
function perRequest(route) {
  // wrk (keep-alive, 8 connections, 5 s) as bench/run.sh loads the servers; curl loops without it
  const wrk = spawnSync("sh", ["-c", "command -v wrk"]).status === 0;
  const load = () =>
    wrk
      ? Number(/(\d+) requests in/.exec(spawnSync("wrk", ["-t1", "-c8", "-d5s", `${base}${route}`], { encoding: "utf8" }).stdout)?.[1] ?? 0)
      : (spawnSync("sh", ["-c", `for i in $(seq 1 20); do curl -s $(for j in $(seq 1 100); do printf -- '-o /dev/null %s ' ${base}${route}; done); done`]), 2000);
  load(); // warm
  const c0 = cpuOf(workerd);
  const n = load();
  return ((cpuOf(workerd) - c0) * 1000) / Math.max(n, 1);
}
const perReq = { const: perRequest("/const"), d1one: perRequest("/d1-one"), d1batch: perRequest("/d1-batch4") };

const out = [
  `Byte path per stage (${SIZE_MB} MiB, median of ${RUNS}; workerd CPU from /proc, curl client, Miniflare ${JSON.parse(readFileSync(path.join(here, "../node_modules/miniflare/package.json"), "utf8")).version}):`,
  "",
  "| stage | what | CPU s/GiB | MiB/s | runs (s/GiB) |",
  "|---|---|---:|---:|---|",
  ...rows.map((r) => `| ${r.name} | ${r.what} | ${r.perGiB.toFixed(2)} | ${r.rate.toFixed(0)} | ${r.all} |`),
  "",
  `Per request (workerd CPU, ms; wrk -c8 keep-alive): a constant answer ${perReq.const.toFixed(2)}; one local D1 query ${perReq.d1one.toFixed(2)}; a batch of four (a show's D1 work) ${perReq.d1batch.toFixed(2)}. workerd RSS at the end: ${rssOf(workerd).toFixed(0)} MiB.`,
];
writeFileSync(path.join(DIR, "profile.md"), out.join("\n") + "\n");
console.log(out.join("\n"));
await mf.dispose();
