// glance-upload's upload: creates or resumes the session, sends the parts (several in flight, retried),
// completes it, waits for the service's checksums and prints a JSON summary.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import { Fatal, api, request, safeJson, why } from "./api.mjs";
import { MiB, progress } from "./progress.mjs";
import { readState, statePath } from "./state.mjs";

async function sha512Of(file) {
  const h = createHash("sha512");
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) h.update(chunk);
  return h.digest("hex");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function upload(opts, imageId, fileArg) {
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
