// Local R2 simulator fix (development only; deployed R2 has no simulator). Run by `npm ci`
// (postinstall) and by `npm start`; idempotent.
//
// Miniflare's R2 simulator (node_modules/miniflare/dist/src/workers/r2/bucket.worker.js) takes the
// object's bytes from `readPrefix`, which reads the metadata prefix and then pipes the rest through
// an IdentityTransformStream: the value arrives in the runtime's socket-sized chunks (about 4 KiB),
// and each chunk then goes through a JS TransformStream that awaits an MD5 write and an enqueue
// before the blob write. That per-chunk JS is ~18 s of CPU per GiB put (bench/profile.mjs), the
// wall of every local upload. The patch gives `put` and `uploadPart` the value in reads of 1 MiB
// (a BYOB reader's readAtLeast), so the same JS runs 256 times per 256 MiB instead of 65,536.
// Nothing else changes: the same bytes, the same MD5 (etag), the same errors when the body breaks
// (test/integration/r2-simulator.test.ts checks bytes and etags; `--check` that the patch is in).
//
// Second and third patches, a leak: a client that died in the middle of a Content-Length PUT /file
// left its partial blob file under PERSIST_DIR/v3/r2/<bucket>/blobs for good (15 MiB per aborted
// upload, seen by scripts/upload-session-scenario.sh), and so did a part cut off mid-body. The
// blob write (shared/index.worker.js, BlobStore.put) kept the bytes it got, and the bucket's put /
// uploadPart then waited forever for the digest of a value stream that had failed, so the blob was
// neither recorded nor removed. Now the bucket counts the value's bytes on the way to the blob: a
// value that fails or ends short of its size removes its blob and fails the put (third patch); and
// a blob write that itself fails or answers an error removes its file (second patch).
//
// Pinned: applied only to the miniflare version below, whose text it matches exactly; any other
// version is left alone with a notice (uploads are then just slower locally).
//
//   node scripts/patch-miniflare.mjs           apply (prints what it did)
//   node scripts/patch-miniflare.mjs --quiet   apply, print only problems
//   node scripts/patch-miniflare.mjs --check   exit 1 unless all three patches are in
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const PINNED = "5.20261102.0-beta";
const MARKER = "/* glance-workers: large reads (scripts/patch-miniflare.mjs) */";
const CALL = "[metadataBuffer, value] = await readPrefix(body, metadataSize)";
const PATCHED_CALL = "[metadataBuffer, value] = await readPrefixInLargeReads(body, metadataSize)";
const ANCHOR = "async function decodeMetadata(req) {";
const HELPER = `${MARKER}
var LARGE_READ = 1 << 20;
async function readPrefixInLargeReads(stream, prefixLength) {
  let reader = stream.getReader({ mode: "byob" }), prefix = await reader.readAtLeast(prefixLength, new Uint8Array(prefixLength));
  assert2(prefix.value !== void 0);
  let finished = !1, rest = new ReadableStream({
    async pull(controller) {
      let result;
      try {
        result = await reader.readAtLeast(LARGE_READ, new Uint8Array(LARGE_READ));
      } catch (e) {
        finished = !0, controller.error(e);
        return;
      }
      let { value, done } = result;
      value !== void 0 && value.byteLength > 0 && controller.enqueue(value), done && (finished = !0, reader.releaseLock(), controller.close());
    },
    cancel(reason) {
      if (!finished) return reader.cancel(reason);
    }
  });
  return [prefix.value, rest];
}
`;

// The blob store's put, exactly as miniflare ${PINNED} has it, and with the failed write cleaned up.
const BLOB_MARKER = "/* glance-workers: a failed blob write leaves no file (scripts/patch-miniflare.mjs) */";
const BLOB_PUT = `  async put(stream) {
    let id = generateBlobId(), idURL = this.idURL(id);
    return assert(idURL !== null), await this.#fetcher.fetch(idURL, {
      method: "PUT",
      body: stream
    }), id;
  }`;
const PATCHED_BLOB_PUT = `  async put(stream) {
    ${BLOB_MARKER}
    let id = generateBlobId(), idURL = this.idURL(id), res;
    assert(idURL !== null);
    try {
      res = await this.#fetcher.fetch(idURL, { method: "PUT", body: stream });
    } catch (e) {
      await this.#fetcher.fetch(idURL, { method: "DELETE" }).catch(() => {});
      throw e;
    }
    if (!res.ok) {
      await this.#fetcher.fetch(idURL, { method: "DELETE" }).catch(() => {});
      throw new Error(\`blob write failed: \${res.status}\`);
    }
    return id;
  }`;

// The bucket's put and uploadPart: the value goes to the blob through a watcher (bytes, end, error).
const WATCH_MARKER = "/* glance-workers: a broken value leaves no blob (scripts/patch-miniflare.mjs) */";
const WATCH_ANCHOR = "var DigestingStream = class extends TransformStream {";
const WATCH_HELPER = `${WATCH_MARKER}
async function putWholeBlob(blob, value, valueSize, digesting, backgroundDelete) {
  let state = { bytes: 0, error: void 0, done: !1 }, reader = value.getReader(), watched = new ReadableStream({
    async pull(controller) {
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        state.error = e, controller.error(e);
        return;
      }
      result.done ? (state.done = !0, controller.close()) : (state.bytes += result.value.byteLength, controller.enqueue(result.value));
    },
    cancel(reason) {
      return state.error ??= reason ?? new Error("value cancelled"), reader.cancel(reason);
    }
  }), blobId = await blob.put(watched.pipeThrough(digesting));
  if (state.error !== void 0 || !state.done || state.bytes !== valueSize)
    throw backgroundDelete(blobId), state.error ?? new Error(\`value ended after \${state.bytes} of \${valueSize} bytes\`);
  return blobId;
}
`;
const PUT_CALL = "let digesting = new DigestingStream(algorithms), blobId = await this.blob.put(value.pipeThrough(digesting)), digests";
const PATCHED_PUT_CALL = "let digesting = new DigestingStream(algorithms), blobId = await putWholeBlob(this.blob, value, valueSize, digesting, (id) => this.#backgroundDelete(id)), digests";
const PART_CALL = 'let digesting = new DigestingStream(["MD5"]), blobId = await this.blob.put(value.pipeThrough(digesting)), md5Digest';
const PATCHED_PART_CALL = 'let digesting = new DigestingStream(["MD5"]), blobId = await putWholeBlob(this.blob, value, valueSize, digesting, (id) => this.#backgroundDelete(id)), md5Digest';

const PATCHES = [
  { what: "R2 simulator: values in 1 MiB reads", file: "dist/src/workers/r2/bucket.worker.js", marker: MARKER, edits: [[CALL, PATCHED_CALL], [ANCHOR, `${HELPER}${ANCHOR}`]] },
  { what: "blob store: a failed write removes its partial blob", file: "dist/src/workers/shared/index.worker.js", marker: BLOB_MARKER, edits: [[BLOB_PUT, PATCHED_BLOB_PUT]] },
  {
    what: "R2 simulator: a value that breaks or ends short removes its blob",
    file: "dist/src/workers/r2/bucket.worker.js",
    marker: WATCH_MARKER,
    edits: [[PUT_CALL, PATCHED_PUT_CALL], [PART_CALL, PATCHED_PART_CALL], [WATCH_ANCHOR, `${WATCH_HELPER}${WATCH_ANCHOR}`]],
  },
];

const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (msg) => quiet || console.log(`patch-miniflare: ${msg}`);

let pkgPath;
try {
  pkgPath = createRequire(import.meta.url).resolve("miniflare/package.json");
} catch {
  console.error("patch-miniflare: miniflare is not installed (run npm ci)");
  process.exit(args.has("--check") ? 1 : 0);
}
const version = JSON.parse(readFileSync(pkgPath, "utf8")).version;
let missing = 0;
for (const patch of PATCHES) {
  const file = path.join(path.dirname(pkgPath), patch.file);
  const text = readFileSync(file, "utf8");
  const applied = text.includes(patch.marker) && patch.edits.every(([, to]) => text.includes(to));
  if (args.has("--check")) {
    if (!applied) console.error(`patch-miniflare: not in: ${patch.what}`);
    if (!applied) missing++;
    continue;
  }
  if (applied) {
    say(`miniflare ${version}: ${patch.what}: already patched`);
    continue;
  }
  if (version !== PINNED) {
    console.error(`patch-miniflare: miniflare ${version} is not ${PINNED}, the version this patch is written for: ${patch.what}: left as it is (see the script)`);
    continue;
  }
  if (patch.edits.some(([from]) => text.split(from).length !== 2)) {
    console.error(`patch-miniflare: ${file} does not read as expected for ${PINNED}: ${patch.what}: left as it is`);
    continue;
  }
  writeFileSync(file, patch.edits.reduce((t, [from, to]) => t.replace(from, () => to), text));
  say(`miniflare ${version}: ${patch.what}: patched`);
}
// --check: one line, all patches in or not (bench/run.sh quotes it); which one is missing on stderr.
if (args.has("--check")) console.log(`patch-miniflare: miniflare ${version}: ${missing === 0 ? "patched" : "NOT patched"}`);
process.exit(missing > 0 ? 1 : 0);
