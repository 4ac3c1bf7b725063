#!/usr/bin/env node
// The concurrency run: parallel uploads, PATCHes and deletes per image against a running service
// (`npm start`), then what each image kept. Round 1, on every image at once: N uploads of different
// data and M PATCHes (each adds its own property) → exactly one upload wins (204, the others 409),
// the image holds the winner's bytes, every acknowledged PATCH is kept. Round 2, on the first D
// images at once: deletes, PATCHes and uploads together → exactly one delete 204 (the others 404),
// the image gone, its data gone. Objects left in the store: the downloads (GET /file of each image:
// 200 with the winner's bytes, 404 once deleted) and, with --persist <PERSIST_DIR>, the local R2's
// blob files (expected: those there before the run + one per live image). Round 3, on --raced fresh
// images: uploads, deletes and PATCHes all at once (a delete lands before or while uploads stream):
// at most one upload 204, exactly one delete 204, nothing left.
//
//   node scripts/concurrency-run.mjs http://127.0.0.1:9292 [--images 5] [--per-image 20] [--size 262144] [--deleted 3] [--raced 2] [--persist DIR]
//
// Development auth (npm start's default): X-Auth-Token "project:roles". Exits 1 when an invariant fails.
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const BASE = (args.find((a) => /^https?:\/\//.test(a)) ?? process.env.GLANCE_URL ?? "http://127.0.0.1:9292").replace(/\/$/, "");
const IMAGES = Number(opt("images", "5"));
const PER_IMAGE = Number(opt("per-image", "20"));
const SIZE = Number(opt("size", String(256 * 1024)));
const DELETED = Math.min(IMAGES, Number(opt("deleted", "3")));
const PERSIST = opt("persist", null);
const RACED = Number(opt("raced", "2"));
const TOKEN = `conc${process.pid}:member,reader`;

const md5 = (b) => createHash("md5").update(b).digest("hex");
const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};

async function api(method, path, { body, json, headers = {} } = {}) {
  const h = { "X-Auth-Token": TOKEN, Accept: "application/json", ...headers };
  if (json !== undefined) {
    body = JSON.stringify(json);
    h["Content-Type"] ??= "application/json";
  }
  try {
    const r = await fetch(`${BASE}${path}`, { method, headers: h, body });
    const buf = Buffer.from(await r.arrayBuffer());
    return { status: r.status, buf, json: () => JSON.parse(buf.toString("utf8")) };
  } catch (e) {
    return { status: `error: ${e.cause?.code ?? e.message}`, buf: Buffer.alloc(0), json: () => ({}) };
  }
}

const upload = (id, data) => api("PUT", `/v2/images/${id}/file`, { body: data, headers: { "Content-Type": "application/octet-stream" } });
const patch = (id, ops) => api("PATCH", `/v2/images/${id}`, { json: ops, headers: { "Content-Type": "application/openstack-images-v2.1-json-patch" } });
/** Resolves once the image is saving (or after 5 s, or when it is gone). */
async function untilSaving(id) {
  for (let i = 0; i < 500; i++) {
    const r = await api("GET", `/v2/images/${id}`);
    if (r.status !== 200 || r.json().status !== "queued") return;
    await new Promise((ok) => setTimeout(ok, 10));
  }
}
const tally = (list) => list.reduce((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});
const fmt = (t, keys) => keys.map((k) => `${k}:${t[k] ?? 0}`).join(" ") + Object.keys(t).filter((k) => !keys.includes(Number(k)) && !keys.includes(k)).map((k) => ` ${k}:${t[k]}`).join("");

/** Blob files of the local R2 under PERSIST_DIR (wrangler/miniflare keep one file per stored object or part). */
function blobCount(dir) {
  const root = join(dir, "v3", "r2");
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (d.endsWith("blobs")) n++;
    }
  };
  try {
    walk(root);
  } catch {
    return null;
  }
  return n;
}

function bodyFor(image, i) {
  const b = Buffer.alloc(SIZE);
  for (let at = 0; at < SIZE; at += 4) b.writeUInt32BE(((image * 7919 + i * 104729 + at) ^ 0x9e3779b9) >>> 0, at);
  return b;
}

async function main() {
  const t0 = Date.now();
  const blobsBefore = PERSIST ? (blobCount(PERSIST) ?? 0) : 0;
  const images = [];
  for (let k = 0; k < IMAGES; k++) {
    const r = await api("POST", "/v2/images", { json: { name: `concurrency-${k}`, disk_format: "raw", container_format: "bare" } });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.buf.toString()}`);
    images.push({ k, id: r.json().id });
  }
  const uploadsPer = Math.ceil(PER_IMAGE * 0.6);
  const patchesPer = PER_IMAGE - uploadsPer;

  // ---- round 1: uploads and PATCHes, every image at once
  const round1 = await Promise.all(
    images.map(async (img) => {
      const bodies = Array.from({ length: uploadsPer }, (_, i) => bodyFor(img.k, i));
      const ops = [
        ...bodies.map((b, i) => upload(img.id, b).then((r) => ({ kind: "upload", i, status: r.status }))),
        ...Array.from({ length: patchesPer }, (_, i) =>
          patch(img.id, [{ op: "add", path: `/c1_${i}`, value: `v${i}` }]).then((r) => ({ kind: "patch", prop: `c1_${i}`, status: r.status })),
        ),
      ];
      return { img, bodies, results: await Promise.all(ops) };
    }),
  );
  for (const { img, bodies, results } of round1) {
    const ups = results.filter((r) => r.kind === "upload");
    const winners = ups.filter((r) => r.status === 204);
    const acked = results.filter((r) => r.kind === "patch" && r.status === 200).map((r) => r.prop);
    const shown = (await api("GET", `/v2/images/${img.id}`)).json();
    const kept = acked.filter((p) => shown[p] !== undefined);
    const dl = await api("GET", `/v2/images/${img.id}/file`);
    const winnerMd5 = winners.length === 1 ? md5(bodies[winners[0].i]) : null;
    img.r1 = { uploads: tally(ups.map((r) => r.status)), patches: tally(results.filter((r) => r.kind === "patch").map((r) => r.status)), acked: acked.length, kept: kept.length, status: shown.status, download: dl.status, dataOk: winnerMd5 !== null && dl.status === 200 && md5(dl.buf) === winnerMd5 && shown.checksum === winnerMd5 };
    check(winners.length === 1, `image ${img.k}: ${winners.length} upload winners (expected exactly 1)`);
    // a 409 answered before the body was read can reach the client as a broken pipe while it still sends
    check(ups.every((r) => r.status === 204 || r.status === 409 || /^error: (EPIPE|ECONNRESET)/.test(r.status)), `image ${img.k}: an upload answered other than 204/409: ${JSON.stringify(img.r1.uploads)}`);
    check(kept.length === acked.length, `image ${img.k}: ${acked.length - kept.length} acknowledged PATCH(es) lost`);
    check(img.r1.dataOk, `image ${img.k}: the stored data is not the winner's`);
  }

  // ---- round 2: deletes, PATCHes and uploads together on the first DELETED images
  const deletesPer = Math.max(2, Math.round(PER_IMAGE * 0.25));
  const patches2 = Math.round((PER_IMAGE - deletesPer) / 2);
  const uploads2 = PER_IMAGE - deletesPer - patches2;
  const round2 = await Promise.all(
    images.slice(0, DELETED).map(async (img) => {
      const ops = [
        // the deletes go as soon as an upload holds the image (saving), so they land mid-stream
        ...Array.from({ length: deletesPer }, () =>
          untilSaving(img.id).then(() => api("DELETE", `/v2/images/${img.id}`).then((r) => ({ kind: "delete", status: r.status }))),
        ),
        ...Array.from({ length: patches2 }, (_, i) => patch(img.id, [{ op: "add", path: `/c2_${i}`, value: `w${i}` }]).then((r) => ({ kind: "patch", status: r.status }))),
        ...Array.from({ length: uploads2 }, (_, i) => upload(img.id, bodyFor(img.k + 100, i)).then((r) => ({ kind: "upload", status: r.status }))),
      ];
      return { img, results: await Promise.all(ops) };
    }),
  );
  for (const { img, results } of round2) {
    const of = (kind) => results.filter((r) => r.kind === kind).map((r) => r.status);
    const shown = await api("GET", `/v2/images/${img.id}`);
    const dl = await api("GET", `/v2/images/${img.id}/file`);
    img.r2 = { deletes: tally(of("delete")), patches: tally(of("patch")), uploads: tally(of("upload")), after: shown.status, download: dl.status };
    check(of("delete").filter((s) => s === 204).length === 1, `image ${img.k}: ${of("delete").filter((s) => s === 204).length} deletes answered 204 (expected exactly 1)`);
    check(of("delete").every((s) => s === 204 || s === 404), `image ${img.k}: a delete answered other than 204/404`);
    check(of("patch").every((s) => s === 200 || s === 404), `image ${img.k}: a PATCH answered other than 200/404: ${JSON.stringify(img.r2.patches)}`);
    check(of("upload").every((s) => [409, 404, 410].includes(s) || /^error: (EPIPE|ECONNRESET)/.test(s)), `image ${img.k}: an upload on an active image answered other than 409/404/410: ${JSON.stringify(img.r2.uploads)}`);
    check(shown.status === 404 && dl.status === 404, `image ${img.k}: still there after the deletes (GET ${shown.status}, file ${dl.status})`);
  }
  // ---- round 3: on fresh (queued) images, uploads, deletes and PATCHes all at once: a delete can
  // land while an upload streams (410) or before it begins (404); at most one upload wins
  const fresh = [];
  for (let k = 0; k < RACED; k++) {
    const r = await api("POST", "/v2/images", { json: { name: `concurrency-raced-${k}`, disk_format: "raw", container_format: "bare" } });
    fresh.push({ k: `r${k}`, id: r.json().id });
  }
  const round3 = await Promise.all(
    fresh.map(async (img) => {
      const ops = [
        ...Array.from({ length: uploads2 }, (_, i) => upload(img.id, bodyFor(img.k.length + 200, i)).then((r) => ({ kind: "upload", status: r.status }))),
        // the deletes go as soon as an upload holds the image (saving), so they land mid-stream
        ...Array.from({ length: deletesPer }, () =>
          untilSaving(img.id).then(() => api("DELETE", `/v2/images/${img.id}`).then((r) => ({ kind: "delete", status: r.status }))),
        ),
        ...Array.from({ length: patches2 }, (_, i) => patch(img.id, [{ op: "add", path: `/c3_${i}`, value: `x${i}` }]).then((r) => ({ kind: "patch", status: r.status }))),
      ];
      return { img, results: await Promise.all(ops) };
    }),
  );
  for (const { img, results } of round3) {
    const of = (kind) => results.filter((r) => r.kind === kind).map((r) => r.status);
    const dl = await api("GET", `/v2/images/${img.id}/file`);
    img.r3 = { uploads: tally(of("upload")), deletes: tally(of("delete")), patches: tally(of("patch")), download: dl.status };
    check(of("upload").filter((s) => s === 204).length <= 1, `image ${img.k}: more than one upload winner`);
    check(of("upload").every((s) => [204, 409, 404, 410].includes(s) || /^error: (EPIPE|ECONNRESET)/.test(s)), `image ${img.k}: an upload answered ${JSON.stringify(img.r3.uploads)}`);
    check(of("delete").filter((s) => s === 204).length === 1, `image ${img.k}: deletes answered ${JSON.stringify(img.r3.deletes)} (expected exactly one 204)`);
    check(of("patch").every((s) => s === 200 || s === 404), `image ${img.k}: a PATCH answered ${JSON.stringify(img.r3.patches)}`);
    check(dl.status === 404, `image ${img.k}: GET /file ${dl.status} after the delete`);
  }

  // the live images: their data still the winner's, their properties all there
  for (const img of images.slice(DELETED)) {
    const dl = await api("GET", `/v2/images/${img.id}/file`);
    img.final = dl.status;
    check(dl.status === 200, `image ${img.k}: its data is gone (GET /file ${dl.status})`);
  }

  // ---- report
  console.log(`concurrency run against ${BASE}: ${IMAGES} images, round 1 ${uploadsPer} uploads + ${patchesPer} PATCHes per image, round 2 on ${DELETED} images ${deletesPer} deletes + ${patches2} PATCHes + ${uploads2} uploads per image (all parallel), ${SIZE} bytes per upload`);
  console.log("image | r1 uploads        | r1 PATCH acked/kept | status data | r2 deletes    | r2 PATCHes      | r2 uploads            | after");
  for (const img of images) {
    const r1 = img.r1;
    const r2 = img.r2;
    console.log(
      [
        String(img.k).padEnd(5),
        fmt(r1.uploads, [204, 409, 404, 410]).padEnd(17),
        `${r1.acked}/${r1.kept}`.padEnd(19),
        `${r1.status} ${r1.dataOk ? "ok" : "WRONG"}`.padEnd(11),
        r2 ? fmt(r2.deletes, [204, 404]).padEnd(13) : "-".padEnd(13),
        r2 ? fmt(r2.patches, [200, 404]).padEnd(15) : "-".padEnd(15),
        r2 ? fmt(r2.uploads, [204, 409, 404, 410]).padEnd(21) : "-".padEnd(21),
        r2 ? `GET ${r2.after}, file ${r2.download}` : `file ${img.final}`,
      ].join(" | "),
    );
  }
  for (const img of fresh) {
    const r3 = img.r3;
    console.log(`${img.k.padEnd(5)} | round 3 (queued image, all at once): uploads ${fmt(r3.uploads, [204, 409, 404, 410])} | deletes ${fmt(r3.deletes, [204, 404])} | PATCHes ${fmt(r3.patches, [200, 404])} | file ${r3.download}`);
  }
  if (PERSIST) {
    // deletes of local R2 blobs can lag the answer: wait a little for them
    let blobs = blobCount(PERSIST);
    const want = blobsBefore + IMAGES - DELETED;
    for (let i = 0; i < 50 && blobs !== want; i++) {
      await new Promise((r) => setTimeout(r, 200));
      blobs = blobCount(PERSIST);
    }
    console.log(`objects left in the store: ${blobs} blob file(s) under ${PERSIST}/v3/r2 (expected ${want}: ${blobsBefore} before the run + one per live image)`);
    check(blobs === want, `the local R2 holds ${blobs} blob files, expected ${want}`);
  } else {
    console.log(`objects left in the store: by the downloads, ${IMAGES - DELETED} live images serve the winner's data, ${DELETED} deleted ones 404 (pass --persist PERSIST_DIR to count the local R2's blob files)`);
  }
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (problems.length) {
    console.log(`FAILED (${problems.length}):\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log("OK: exactly one upload winner per image, no acknowledged write lost, no orphan");
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
