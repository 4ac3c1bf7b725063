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
// Pinned: applied only to the miniflare version below, whose text it matches exactly; any other
// version is left alone with a notice (uploads are then just slower locally).
//
//   node scripts/patch-miniflare.mjs           apply (prints what it did)
//   node scripts/patch-miniflare.mjs --quiet   apply, print only problems
//   node scripts/patch-miniflare.mjs --check   exit 1 unless the patch is in
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
const file = path.join(path.dirname(pkgPath), "dist/src/workers/r2/bucket.worker.js");
const text = readFileSync(file, "utf8");
const applied = text.includes(MARKER) && text.includes(PATCHED_CALL);

if (args.has("--check")) {
  console.log(`patch-miniflare: miniflare ${version}: ${applied ? "patched" : "NOT patched"}`);
  process.exit(applied ? 0 : 1);
}
if (applied) {
  say(`miniflare ${version}: already patched`);
  process.exit(0);
}
if (version !== PINNED) {
  console.error(`patch-miniflare: miniflare ${version} is not ${PINNED}, the version this patch is written for: left as it is (local R2 uploads are slower; see the script)`);
  process.exit(0);
}
if (text.split(CALL).length !== 2 || text.split(ANCHOR).length !== 2) {
  console.error(`patch-miniflare: ${file} does not read as expected for ${PINNED}: left as it is`);
  process.exit(0);
}
writeFileSync(file, text.replace(CALL, PATCHED_CALL).replace(ANCHOR, `${HELPER}${ANCHOR}`));
say(`miniflare ${version}: R2 simulator patched (values in 1 MiB reads)`);
