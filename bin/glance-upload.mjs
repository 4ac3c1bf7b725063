#!/usr/bin/env node
// glance-upload: uploads an image's data in parts through the upload-session API
// (/v2/images/{id}/upload-sessions), several parts in flight, with a progress bar, and resumes an
// interrupted upload. No dependencies: Node >= 18. See README "Large images".
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const MiB = 1024 * 1024;
const USAGE = `Usage:
  glance-upload upload IMAGE_ID FILE [options]   upload (or resume uploading) FILE as the image's data
  glance-upload status IMAGE_ID                  show the image's upload session
  glance-upload abort IMAGE_ID [SESSION_ID]      abort the upload session (the image goes back to queued)

Options:
  --url URL            image service endpoint (env OS_IMAGE_URL; default http://127.0.0.1:9292)
  --token TOKEN        X-Auth-Token (env OS_AUTH_TOKEN)
  --part-size MIB      part size in MiB (default: the service's, 64 MiB; at least 5)
  --parallel N         parts in flight (default 4)
  --session ID         resume this session (when the local state file is gone)
  --store ID           store to write to (default: the service's default store)
  --via-worker         send parts through the service even when it offers presigned R2 URLs
  --no-verify          do not compute the file's SHA-512 locally (the service still computes it)
  --state-dir DIR      where resume state is kept (default ~/.local/state/glance-upload)
  --progress-interval S  seconds between progress lines when not on a terminal (default 10)
  --retries N          attempts per part (default 5)
  -h, --help`;

class Fatal extends Error {}

function options(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      "part-size": { type: "string" },
      parallel: { type: "string", default: "4" },
      session: { type: "string" },
      store: { type: "string" },
      "via-worker": { type: "boolean", default: false },
      "no-verify": { type: "boolean", default: false },
      "state-dir": { type: "string" },
      "progress-interval": { type: "string", default: "10" },
      retries: { type: "string", default: "5" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const url = (values.url ?? process.env.OS_IMAGE_URL ?? "http://127.0.0.1:9292").replace(/\/+$/, "").replace(/\/v2$/, "");
  const stateDir = values["state-dir"] ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "glance-upload");
  return { values, positionals, url, token: values.token ?? process.env.OS_AUTH_TOKEN ?? null, stateDir };
}

// ---- HTTP (node:http, so a part streams from disk with its exact Content-Length) ----

const agents = { "http:": new http.Agent({ keepAlive: true, maxSockets: 32 }), "https:": new https.Agent({ keepAlive: true, maxSockets: 32 }) };

function request(method, url, { headers = {}, body = null, timeoutMs = 120_000 } = {}) {
  const u = new URL(url);
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method, headers, agent: agents[u.protocol] }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${u.host} for ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    if (body && typeof body.pipe === "function") {
      body.on("error", (e) => req.destroy(e));
      body.pipe(req);
    } else {
      req.end(body ?? undefined);
    }
  });
}

function api(opts) {
  const headers = (extra = {}) => ({ Accept: "application/json", ...(opts.token ? { "X-Auth-Token": opts.token } : {}), ...extra });
  const call = async (method, path, json) => {
    const body = json === undefined ? null : Buffer.from(JSON.stringify(json));
    const r = await request(method, opts.url + path, { headers: headers(body ? { "Content-Type": "application/json", "Content-Length": String(body.length) } : {}), body });
    let parsed = null;
    try {
      parsed = r.text ? JSON.parse(r.text) : null;
    } catch {
      /* an HTML or plain-text error page */
    }
    return { status: r.status, json: parsed, text: r.text };
  };
  return { call, headers };
}

// Glance-style error bodies wrap the message in webob's HTML (<br />): plain text for a terminal.
const why = (r) => (r.json?.message ?? r.json?.title ?? r.text ?? "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);

// ---- state kept between runs, keyed by image + file identity ----

async function statePath(opts, imageId, file, st) {
  const key = createHash("sha256").update([opts.url, imageId, file, st.size, Math.floor(st.mtimeMs)].join("\0")).digest("hex").slice(0, 32);
  return join(opts.stateDir, `${key}.json`);
}

async function readState(path) {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return null;
  }
}

// ---- progress ----

function progress(total, partCount, intervalS) {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let base = 0; // bytes done before this run
  let sent = 0; // bytes sent this run (parts done + in flight)
  let partsDone = 0;
  let lastLine = 0;
  const fmt = (b) => (b / MiB).toFixed(1);
  const line = () => {
    const secs = (Date.now() - started) / 1000;
    const rate = sent / Math.max(secs, 0.001);
    const done = base + sent;
    const pct = total ? (100 * done) / total : 100;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const etaText = `${Math.floor(eta / 60)}:${String(eta % 60).padStart(2, "0")}`;
    return { pct, text: `${pct.toFixed(1).padStart(5)}% ${fmt(done)}/${fmt(total)} MiB  ${fmt(rate)} MiB/s  parts ${partsDone}/${partCount}  ETA ${etaText}` };
  };
  const draw = (force = false) => {
    const { pct, text } = line();
    if (tty) {
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\r[${"#".repeat(fill)}${".".repeat(width - fill)}] ${text}\x1b[K`);
    } else if (force || Date.now() - lastLine >= intervalS * 1000) {
      lastLine = Date.now();
      process.stderr.write(`upload ${text}\n`);
    }
  };
  const timer = setInterval(draw, tty ? 200 : 1000);
  timer.unref();
  return {
    resumed(bytes, parts) {
      base = bytes;
      partsDone = parts;
    },
    add: (n) => (sent += n),
    note(msg) {
      process.stderr.write(`${tty ? "\r\x1b[K" : ""}${msg}\n`);
      if (tty) draw();
    },
    partDone: () => partsDone++,
    stop() {
      clearInterval(timer);
      draw(true);
      if (tty) process.stderr.write("\n");
      return { secs: (Date.now() - started) / 1000, sent };
    },
  };
}

// ---- the upload ----

async function sha512Of(file) {
  const h = createHash("sha512");
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) h.update(chunk);
  return h.digest("hex");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function upload(opts, imageId, fileArg) {
  const file = await realpath(fileArg);
  const st = await stat(file);
  if (st.size === 0) throw new Fatal("the file is empty: use `glance image-upload` for an empty image");
  const { call, headers } = api(opts);
  const v = opts.values;
  const base = `/v2/images/${imageId}/upload-sessions`;
  const path = await statePath(opts, imageId, file, st);
  await mkdir(opts.stateDir, { recursive: true });
  const state = await readState(path);

  let session = null;
  const sid = v.session ?? state?.session_id;
  if (sid) {
    const r = await call("GET", `${base}/${sid}`);
    if (r.status === 200 && ["uploading", "verifying", "completed"].includes(r.json.status)) {
      session = r.json;
      if (session.size !== st.size) throw new Fatal(`session ${sid} is for ${session.size} bytes, the file has ${st.size}`);
      console.error(`resuming session ${sid} (${session.status}, ${session.parts.length}/${session.part_count} parts done)`);
    } else if (v.session) {
      throw new Fatal(`session ${sid}: ${r.status === 200 ? `it is ${r.json.status}${r.json.message ? `: ${r.json.message}` : ""}` : why(r)}`);
    } else {
      console.error(`previous session ${sid} is ${r.status === 200 ? r.json.status : "gone"}; starting a new one`);
    }
  }
  if (!session) {
    const body = { size: st.size };
    if (v["part-size"]) body.part_size = Math.round(Number(v["part-size"]) * MiB);
    if (v.store) body.store = v.store;
    const r = await call("POST", base, body);
    if (r.status === 409) {
      const cur = await call("GET", base);
      const open = cur.json?.upload_sessions?.find((s) => ["uploading", "verifying"].includes(s.status));
      throw new Fatal(`${why(r)}${open ? `\nresume it with --session ${open.id}, or abort it: glance-upload abort ${imageId} ${open.id}` : ""}`);
    }
    if (r.status !== 201) throw new Fatal(`creating the upload session failed (${r.status}): ${why(r)}`);
    session = r.json;
    console.error(`session ${session.id}: ${session.part_count} parts of ${(session.part_size / MiB).toFixed(0)} MiB`);
  }
  await writeFile(path, JSON.stringify({ image_id: imageId, session_id: session.id, url: opts.url, file, size: st.size, mtime: st.mtimeMs }));

  const started = Date.now();
  const hashing = v["no-verify"] ? Promise.resolve(null) : sha512Of(file);
  hashing.catch(() => {});
  let stats = { secs: 0, sent: 0 };
  let partsSent = 0;
  if (session.status === "uploading") {
    const done = new Set(session.parts.map((p) => p.part_number));
    const todo = [];
    for (let n = 1; n <= session.part_count; n++) if (!done.has(n)) todo.push(n);
    const partLen = (n) => (n < session.part_count ? session.part_size : session.size - (session.part_count - 1) * session.part_size);
    const bar = progress(st.size, session.part_count, Number(v["progress-interval"]));
    bar.resumed(session.parts.reduce((a, p) => a + p.size, 0), done.size);
    const direct = session.direct_upload && !v["via-worker"];
    const retries = Math.max(1, Number(v.retries));
    let failure = null;

    const sendPart = async (n) => {
      const start = (n - 1) * session.part_size;
      const length = partLen(n);
      for (let attempt = 1; ; attempt++) {
        let counted = 0;
        let stream = null;
        const count = (c) => {
          counted += c.length;
          bar.add(c.length);
        };
        // The file is opened only when its bytes can go out: a "data" listener starts the flow, so a
        // stream opened before an await (the presign call) would pour the part into the void.
        const open = () => {
          stream = createReadStream(file, { start, end: start + length - 1, highWaterMark: MiB });
          stream.on("data", count);
          return stream;
        };
        let r;
        try {
          if (direct) {
            const u = await call("POST", `${base}/${session.id}/parts/${n}/url`);
            if (u.status !== 200) throw Object.assign(new Error(why(u)), { status: u.status });
            const put = await request("PUT", u.json.url, { headers: u.json.headers, body: open() });
            if (put.status !== 200) throw Object.assign(new Error(`R2 answered ${put.status}: ${put.text.slice(0, 200)}`), { status: put.status });
            r = await call("PUT", `${base}/${session.id}/parts/${n}`, { etag: put.headers.etag });
          } else {
            const res = await request("PUT", `${opts.url}${base}/${session.id}/parts/${n}`, {
              headers: headers({ "Content-Type": "application/octet-stream", "Content-Length": String(length) }),
              body: open(),
            });
            r = { status: res.status, json: safeJson(res.text), text: res.text };
          }
          if (r.status === 200) return;
          throw Object.assign(new Error(why(r)), { status: r.status });
        } catch (e) {
          stream?.off("data", count);
          stream?.destroy();
          bar.add(-counted);
          const retriable = !e.status || e.status >= 500 || e.status === 408 || e.status === 429;
          const what = `part ${n}: ${e.status ? `${e.status} ` : ""}${e.message}`;
          if (!retriable || attempt >= retries) throw new Fatal(what);
          const wait = Math.min(30_000, 1000 * 2 ** (attempt - 1));
          bar.note(`${what}; retrying in ${wait / 1000} s (attempt ${attempt + 1} of ${retries})`);
          await sleep(wait);
        }
      }
    };

    const worker = async () => {
      while (todo.length > 0 && !failure) {
        const n = todo.shift();
        try {
          await sendPart(n);
          bar.partDone();
          partsSent++;
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Number(v.parallel)) }, worker));
    stats = bar.stop();
    if (failure) throw failure;
  }

  const sha512 = await hashing;
  if (session.status === "uploading") {
    const r = await call("POST", `${base}/${session.id}/complete`, sha512 ? { sha512 } : {});
    if (r.status !== 202) throw new Fatal(`complete failed (${r.status}): ${why(r)}`);
  }
  process.stderr.write("verifying checksums on the service...");
  const verifyStart = Date.now();
  for (;;) {
    const r = await call("GET", `${base}/${session.id}`);
    if (r.status !== 200) throw new Fatal(`reading the session failed (${r.status}): ${why(r)}`);
    if (r.json.status === "completed") break;
    if (r.json.status !== "verifying") {
      await rm(path, { force: true });
      throw new Fatal(`the upload ${r.json.status}: ${r.json.message ?? ""}`);
    }
    await sleep(1000);
  }
  process.stderr.write(` ${((Date.now() - verifyStart) / 1000).toFixed(1)} s\n`);
  await rm(path, { force: true });
  const img = (await call("GET", `/v2/images/${imageId}`)).json;
  if (sha512 && img?.os_hash_value !== sha512) throw new Fatal(`the image's os_hash_value ${img?.os_hash_value} is not the file's sha512 ${sha512}`);
  const total = (Date.now() - started) / 1000;
  const rate = stats.secs ? stats.sent / MiB / stats.secs : 0;
  console.log(
    JSON.stringify({
      image_id: imageId,
      status: img?.status,
      size: img?.size,
      checksum: img?.checksum,
      os_hash_algo: img?.os_hash_algo,
      os_hash_value: img?.os_hash_value,
      parts_sent: partsSent,
      upload_seconds: Number(stats.secs.toFixed(1)),
      mib_per_second: Number(rate.toFixed(1)),
      parts_per_second: stats.secs ? Number((partsSent / stats.secs).toFixed(2)) : 0,
      total_seconds: Number(total.toFixed(1)),
    }),
  );
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function status(opts, imageId) {
  const r = await api(opts).call("GET", `/v2/images/${imageId}/upload-sessions`);
  if (r.status !== 200) throw new Fatal(`${r.status}: ${why(r)}`);
  const list = r.json.upload_sessions.map(({ parts, ...s }) => s);
  console.log(JSON.stringify(list.length ? list[0] : null, null, 2));
}

async function abort(opts, imageId, sessionId) {
  const { call } = api(opts);
  let sid = sessionId;
  if (!sid) {
    const r = await call("GET", `/v2/images/${imageId}/upload-sessions`);
    if (r.status !== 200) throw new Fatal(`${r.status}: ${why(r)}`);
    sid = r.json.upload_sessions.find((s) => ["uploading", "verifying"].includes(s.status))?.id;
    if (!sid) throw new Fatal(`image ${imageId} has no upload session in progress`);
  }
  const r = await call("DELETE", `/v2/images/${imageId}/upload-sessions/${sid}`);
  if (r.status !== 204) throw new Fatal(`${r.status}: ${why(r)}`);
  console.error(`session ${sid} aborted; image ${imageId} is queued again`);
}

async function main() {
  const opts = options(process.argv.slice(2));
  const [cmd, imageId, arg] = opts.positionals;
  if (opts.values.help || !cmd) return void console.log(USAGE);
  if (!imageId) throw new Fatal(`${cmd}: IMAGE_ID is required\n\n${USAGE}`);
  if (cmd === "upload") {
    if (!arg) throw new Fatal(`upload: FILE is required\n\n${USAGE}`);
    process.on("SIGINT", () => {
      process.stderr.write("\ninterrupted: run the same command again to resume\n");
      process.exit(130);
    });
    return upload(opts, imageId, arg);
  }
  if (cmd === "status") return status(opts, imageId);
  if (cmd === "abort") return abort(opts, imageId, arg);
  throw new Fatal(`unknown command ${cmd}\n\n${USAGE}`);
}

main().catch((e) => {
  process.stderr.write(`\nglance-upload: ${e instanceof Fatal ? e.message : e.stack ?? e}\n`);
  process.exit(1);
});
