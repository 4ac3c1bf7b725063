// Fuzzer output: a request described for humans, one request/answer pair (--index), and the final
// report (table by route family, known 5xx, first failing requests with replay commands).
import { FAMILIES } from "./families.mjs";

export function describe(req) {
  const hs = Object.entries(req.headers ?? {})
    .filter(([k]) => !/^X-H\d+$/.test(k))
    .map(([k, v]) => `${k}: ${String(v).length > 80 ? `${String(v).slice(0, 80)}…(${String(v).length})` : v}`);
  const body = req.raw ? `raw ${req.raw.length} bytes` : req.body === undefined ? "" : `${req.chunked ? "chunked " : ""}body ${Buffer.byteLength(req.body)} bytes: ${JSON.stringify(String(req.body).slice(0, 160))}`;
  return { line: `${req.method} ${req.path.length > 160 ? `${req.path.slice(0, 160)}…(${req.path.length})` : req.path}`, headers: hs, body };
}

export function printOne(req, res) {
  const d = describe(req);
  console.log(`\n#${req.index} [${req.family}] ${d.line}`);
  for (const h of d.headers) console.log(`  > ${h}`);
  if (d.body) console.log(`  > ${d.body}`);
  console.log(`  < ${res.status ?? res.error} in ${res.ms} ms${res.headers?.["x-openstack-request-id"] ? ` (${res.headers["x-openstack-request-id"]})` : ""}`);
  if (res.snippet) console.log(`  < ${JSON.stringify(res.snippet.slice(0, 400))}`);
}

/** Prints the table by family, the known 5xx and the first `show` failures; `seconds` is the run's duration. */
export function printReport({ seed: SEED, origin, concurrency: CONCURRENCY, seconds, count, stats, known, failures, show: SHOW }) {
  const cols = ["family", "requests", "2xx", "3xx", "4xx", "5xx", "501", "err", "slowest ms"];
  const rows = Object.keys(FAMILIES)
    .filter((f) => stats[f])
    .map((f) => [f, stats[f].n, stats[f]["2xx"], stats[f]["3xx"], stats[f]["4xx"], stats[f]["5xx"], stats[f][501], stats[f].err, stats[f].slowest]);
  const total = rows.reduce((t, r) => t.map((v, i) => (i === 0 ? "total" : i === 8 ? Math.max(v, r[i]) : v + r[i])), ["total", 0, 0, 0, 0, 0, 0, 0, 0]);
  const widths = cols.map((c, i) => Math.max(c.length, ...[...rows, total].map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join("  ");
  console.log(`\nfuzz: seed ${SEED}, ${count} requests to ${origin}, concurrency ${CONCURRENCY}, ${seconds} s`);
  console.log(fmt(cols));
  for (const r of rows) console.log(fmt(r));
  console.log(fmt(total));
  if (known.length) {
    const kinds = new Map();
    for (const k of known) kinds.set(k.req.known, (kinds.get(k.req.known) ?? 0) + 1);
    console.log(`\nknown, not counted (5xx from the local runtime before the Worker runs; --strict counts them):`);
    for (const [why, n] of kinds) console.log(`  ${n} × ${why}`);
  }
  if (failures.length) {
    console.log(`\nfirst ${Math.min(SHOW, failures.length)} of ${failures.length} failing requests:`);
    for (const f of failures.slice(0, SHOW)) {
      const d = describe(f.req);
      console.log(`#${f.req.index} [${f.req.family}] ${d.line} → ${f.why} in ${f.res.ms} ms`);
      if (f.res.snippet) console.log(`    answer: ${JSON.stringify(f.res.snippet.slice(0, 200))}`);
      console.log(`    replay: npm run fuzz -- --url ${origin} --seed ${SEED} --index ${f.req.index}`);
    }
  }
}
