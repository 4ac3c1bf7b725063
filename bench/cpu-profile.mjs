// V8 CPU profile of a Worker served by scripts/serve.mjs --inspector-port N (or wrangler dev's
// inspector): samples the Worker's isolate for SECONDS while you load it (wrk, curl), then prints
// where its JavaScript time went (self time by function, and by source file), and writes the
// .cpuprofile (open it in Chrome DevTools). Time in workerd's native code (HTTP, D1/R2/DO calls,
// hashing) shows up as "(program)"/"(garbage collector)" or under the JS that called it.
//
//   node bench/cpu-profile.mjs PORT SECONDS [OUT.cpuprofile] [TARGET-substring]
import { writeFileSync } from "node:fs";

const [port, seconds = "10", out = "/tmp/worker.cpuprofile", want = "glance-workers"] = process.argv.slice(2);
if (!port) {
  console.error("usage: node bench/cpu-profile.mjs INSPECTOR-PORT SECONDS [OUT.cpuprofile] [TARGET]");
  process.exit(2);
}
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const target = targets.find((t) => (t.id ?? t.title ?? "").includes(want) || (t.webSocketDebuggerUrl ?? "").includes(want)) ?? targets[0];
if (!target) throw new Error("no inspector target");
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((res, rej) => ws.addEventListener("open", res, { once: true }) || ws.addEventListener("error", rej, { once: true }));
let seq = 0;
const pending = new Map();
ws.addEventListener("message", (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)(m);
    pending.delete(m.id);
  }
});
const send = (method, params = {}) =>
  new Promise((res) => {
    const id = ++seq;
    pending.set(id, res);
    ws.send(JSON.stringify({ id, method, params }));
  });

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 200 });
await send("Profiler.start");
console.error(`profiling ${target.id ?? target.title} for ${seconds} s`);
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
const { result } = await send("Profiler.stop");
ws.close();
const profile = result.profile;
writeFileSync(out, JSON.stringify(profile));

// self time per node = samples hitting it × mean interval
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
const total = profile.samples.length;
const us = (profile.endTime - profile.startTime) / Math.max(total, 1);
const byFn = new Map();
const byFile = new Map();
for (const [id, n] of hits) {
  const cf = byId.get(id).callFrame;
  const file = cf.url ? cf.url.replace(/^.*\//, "") : "(native)";
  const fn = `${cf.functionName || "(anonymous)"} ${file}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + n);
  byFile.set(file, (byFile.get(file) ?? 0) + n);
}
const idle = byFn.get("(idle) (native)") ?? 0;
const busy = total - idle;
const pct = (n) => ((100 * n) / Math.max(busy, 1)).toFixed(1).padStart(5);
console.log(`samples ${total} (${(us / 1000).toFixed(2)} ms each), busy ${busy} (${((busy * us) / 1e6).toFixed(2)} s); shares of busy time:`);
console.log("by source file:");
for (const [f, n] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 12)) if (f !== "(native)" || n !== idle) console.log(`  ${pct(n)}%  ${f}`);
console.log("by function (self time):");
for (const [f, n] of [...byFn].sort((a, b) => b[1] - a[1]).filter(([f]) => f !== "(idle) (native)").slice(0, 30)) console.log(`  ${pct(n)}%  ${f}`);
console.log(`profile written to ${out}`);
