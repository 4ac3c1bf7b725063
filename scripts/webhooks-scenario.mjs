#!/usr/bin/env node
// Webhooks against a running service (README "Webhooks"), delivered over the network to a Node
// HTTP receiver on 127.0.0.1 (a random port). The service must allow that address in its URL
// filter (webhook_filtering_opts, or import_filtering_opts as scripts/ci-clients.sh sets it) and run
// in development auth mode:
//   node scripts/webhooks-scenario.mjs http://127.0.0.1:9292
// Steps: the URL filter refuses metadata, private and non-http targets at creation; a subscription's
// secret is shown once; an image event arrives signed (verified with the README's Node function,
// a fresh timestamp, a tampered body or a stale timestamp refused); the delivery log; another
// project neither sees nor triggers it; manual redelivery; a receiver answering 500 gets the same
// delivery again after the 15 s backoff; once disabled, the pending retry sends nothing; an
// owner-disabled subscription gets nothing while an enabled one does. Prints PASS/FAIL per step
// with its time, then "N passed, N failed". The dead-letter queue (8 attempts over ~4.5 h) and the
// automatic disable are covered in workerd by test/integration/webhooks-delivery.test.ts.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const BASE = (process.argv[2] ?? "http://127.0.0.1:9292").replace(/\/+$/, "");
const RUN = randomBytes(3).toString("hex");
const TOKEN_A = `hooks${RUN}a:member,reader`;
const TOKEN_B = `hooks${RUN}b:member,reader`;

// The README's verification function, as a receiver would use it.
function verify(secret, headers, rawBody, toleranceSeconds = 300, now = Date.now()) {
  const ts = headers["x-glance-timestamp"];
  if (!ts || Math.abs(now / 1000 - Number(ts)) > toleranceSeconds) return false;
  const want = "sha256=" + createHmac("sha256", secret).update(`${ts}.${rawBody}`).digest("hex");
  const got = String(headers["x-glance-signature"] ?? "");
  return got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want));
}

// ---- the receiver: /ok → 200, /fail → 500; every request kept under its ?id=, with its arrival time
const received = new Map();
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const url = new URL(req.url, "http://receiver");
    const id = url.searchParams.get("id") ?? "";
    const list = received.get(id) ?? [];
    received.set(id, list);
    list.push({ path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
    res.writeHead(url.pathname === "/ok" ? 200 : 500, { "Content-Type": "text/plain" }).end(url.pathname === "/ok" ? "thanks" : "broken");
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const RECEIVER = `http://127.0.0.1:${server.address().port}`;
const got = (id) => received.get(id) ?? [];

const results = [];
async function step(name, fn) {
  const t = performance.now();
  try {
    const note = await fn();
    const ms = Math.round(performance.now() - t);
    results.push({ name, ok: true, ms });
    console.log(`PASS ${name} (${ms} ms)${note ? `: ${note}` : ""}`);
  } catch (e) {
    const ms = Math.round(performance.now() - t);
    results.push({ name, ok: false, ms });
    console.log(`FAIL ${name} (${ms} ms): ${String(e?.message ?? e).split("\n")[0]}`);
  }
}
const check = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
async function call(method, path, token, body) {
  const headers = { Accept: "application/json", "X-Auth-Token": token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
async function ok(method, path, token, body) {
  const r = await call(method, path, token, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  return r.body;
}
/** Waits until `id` has received a request passing `match` (or `n` of them). */
async function waitFor(id, match = () => true, n = 1, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const hits = got(id).filter(match);
    if (hits.length >= n) return hits;
    check(Date.now() < until, `receiver ${id}: ${hits.length} of ${n} requests after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const isCreateOf = (imageId) => (r) => r.headers["x-glance-event"] === "image.create" && JSON.parse(r.body).payload?.id === imageId;
const newImage = (token, name) => ok("POST", "/v2/images", token, { name, disk_format: "raw", container_format: "bare" });

let hook;
try {
  await step("the URL filter refuses metadata, private, mapped-IPv6 and non-http targets at creation", async () => {
    const refused = ["http://169.254.169.254/latest/meta-data", "http://10.0.0.7/hook", "https://[::ffff:a9fe:a9fe]/x", "ftp://example.com/x"];
    for (const target_url of refused) {
      const r = await call("POST", "/v2/webhooks", TOKEN_A, { target_url });
      check(r.status === 400, `${target_url}: ${r.status}`);
    }
    return `${refused.length} refused with 400`;
  });

  await step("create a subscription: the secret is shown once", async () => {
    hook = await ok("POST", "/v2/webhooks", TOKEN_A, { target_url: `${RECEIVER}/ok?id=main`, events: ["image.*"] });
    check(/^[0-9a-f]{64}$/.test(hook.secret ?? ""), "no secret in the create answer");
    const shown = await ok("GET", `/v2/webhooks/${hook.id}`, TOKEN_A);
    check(!("secret" in shown) && shown.enabled === true, `show: ${JSON.stringify(shown)}`);
    return `receiver ${RECEIVER}`;
  });

  let first;
  await step("an image event arrives signed; the signature verifies, a tampered or stale one does not", async () => {
    const image = await newImage(TOKEN_A, `hooked ${RUN}`);
    [first] = await waitFor("main", isCreateOf(image.id));
    const h = first.headers;
    check(h["content-type"] === "application/json" && h["x-glance-webhook-id"] === hook.id && h["x-glance-attempt"] === "1", `headers ${JSON.stringify(h)}`);
    check(verify(hook.secret, h, first.body), "the signature does not verify");
    check(!verify(hook.secret, h, first.body.replace("hooked", "HOOKED")), "a tampered body verifies");
    check(!verify(hook.secret, h, first.body, 300, Date.now() + 301_000), "a replay 301 s later verifies");
    const event = JSON.parse(first.body);
    check(event.event_type === "image.create" && event.payload.owner === TOKEN_A.split(":")[0] && event.message_id, `body ${first.body.slice(0, 200)}`);
    return "image.create, HMAC-SHA256 over <timestamp>.<body>";
  });

  await step("the delivery log shows the attempt (status, latency)", async () => {
    const log = (await ok("GET", `/v2/webhooks/${hook.id}/deliveries`, TOKEN_A)).deliveries;
    const line = log.find((d) => d.delivery_id === first.headers["x-glance-delivery"]);
    check(line && line.outcome === "delivered" && line.status_code === 200 && line.latency_ms >= 0 && line.attempt === 1, `log ${JSON.stringify(log[0])}`);
    return `delivered, 200, ${line.latency_ms} ms`;
  });

  await step("another project can neither see nor trigger the subscription", async () => {
    check((await call("GET", `/v2/webhooks/${hook.id}`, TOKEN_B)).status === 404, "another project sees it");
    check((await call("GET", `/v2/webhooks/${hook.id}/deliveries`, TOKEN_B)).status === 404, "another project reads its log");
    const path = `/v2/webhooks/${hook.id}/deliveries/${first.headers["x-glance-delivery"]}/redeliver`;
    check((await call("POST", path, TOKEN_B)).status === 404, "another project redelivers");
    check(!(await ok("GET", "/v2/webhooks", TOKEN_B)).webhooks.some((w) => w.id === hook.id), "listed to another project");
    const theirs = await newImage(TOKEN_B, `not yours ${RUN}`);
    const mine = await newImage(TOKEN_A, `mine ${RUN}`);
    await waitFor("main", isCreateOf(mine.id));
    check(!got("main").some(isCreateOf(theirs.id)), "another project's event arrived");
    return "404 on show, log and redeliver; its image event never arrived";
  });

  await step("manual redelivery sends the same event again as a new delivery", async () => {
    const path = `/v2/webhooks/${hook.id}/deliveries/${first.headers["x-glance-delivery"]}/redeliver`;
    const again = await call("POST", path, TOKEN_A);
    check(again.status === 202, `redeliver: ${again.status}`);
    const [second] = await waitFor("main", (r) => r.headers["x-glance-delivery"] === again.body.delivery_id);
    check(second.body === first.body && verify(hook.secret, second.headers, second.body), "not the same signed event");
    return `new delivery ${again.body.delivery_id.slice(0, 8)}…`;
  });

  let failing;
  await step("a receiver answering 500 gets the same delivery again after the backoff", async () => {
    failing = await ok("POST", "/v2/webhooks", TOKEN_A, { target_url: `${RECEIVER}/fail?id=fail`, events: ["image.create"] });
    await newImage(TOKEN_A, `retried ${RUN}`);
    const [a1, a2] = await waitFor("fail", () => true, 2, 60_000);
    check(a1.headers["x-glance-delivery"] === a2.headers["x-glance-delivery"], "a retry is a new delivery");
    check(a2.headers["x-glance-attempt"] === "2" && verify(failing.secret, a2.headers, a2.body), "attempt 2 not signed afresh");
    const gap = (a2.at - a1.at) / 1000;
    check(gap >= 14, `retried after ${gap} s, expected the 15 s backoff`);
    const log = (await ok("GET", `/v2/webhooks/${failing.id}/deliveries`, TOKEN_A)).deliveries;
    check(log.length === 2 && log.every((d) => d.outcome === "retrying" && d.status_code === 500), `log ${JSON.stringify(log)}`);
    return `attempt 2 came ${gap.toFixed(1)} s after attempt 1; both logged as retrying 500`;
  });

  await step("disabled, its pending retry sends nothing (attempt 3 was due 60 s later)", async () => {
    const off = await ok("PATCH", `/v2/webhooks/${failing.id}`, TOKEN_A, { enabled: false });
    check(off.enabled === false, "not disabled");
    const last = got("fail")[1].at;
    await new Promise((r) => setTimeout(r, Math.max(0, last + 75_000 - Date.now())));
    check(got("fail").length === 2, `${got("fail").length} requests`);
    const log = (await ok("GET", `/v2/webhooks/${failing.id}/deliveries`, TOKEN_A)).deliveries;
    check(log.length === 2, `${log.length} log lines`);
    return "no third request 75 s after the second";
  });

  await step("an owner-disabled subscription gets nothing while an enabled one does", async () => {
    const paused = await ok("POST", "/v2/webhooks", TOKEN_A, { target_url: `${RECEIVER}/ok?id=paused`, enabled: false });
    check(paused.enabled === false, "created enabled");
    const image = await newImage(TOKEN_A, `while paused ${RUN}`);
    await waitFor("main", isCreateOf(image.id));
    check(got("paused").length === 0, `${got("paused").length} requests to the disabled one`);
    return "the enabled subscription's delivery proves the queue ran";
  });
} finally {
  // Nothing left pointing at the receiver once it is gone.
  const left = await call("GET", "/v2/webhooks", TOKEN_A).catch(() => null);
  for (const w of left?.body?.webhooks ?? []) await call("DELETE", `/v2/webhooks/${w.id}`, TOKEN_A).catch(() => {});
  server.close();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`timings: ${results.map((r) => `${r.name.split(":")[0]} ${r.ms} ms`).join("; ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
