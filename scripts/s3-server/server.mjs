// A local S3-compatible server for scripts/presigned-scenario.sh: s3rver (the @20minutes fork,
// MIT), which verifies AWS Signature Version 4 on header and query-string (presigned) requests:
// the canonical request with every query parameter but X-Amz-Signature, the signed headers with
// the values the request carries (so a signed Content-Length binds the body's length), the
// credential scope and the secret, and X-Amz-Date + X-Amz-Expires against its clock. Parts of a
// multipart upload are stored on disk under DIR/<bucket>/.../uploads/<uploadId>/<partNumber>.
//
// Two things are added here, nothing is relaxed:
// - s3rver lets unsigned requests through as anonymous; R2 does not, so they get 403 here.
// - CLOCK_OFFSET_SECONDS runs the server's clock ahead (the expiry case: a URL minted now is
//   presented to a server living an hour later). Only Date is shifted, for this process alone.
//
// usage: node server.mjs PORT DIR BUCKET[,BUCKET...]
// env:   S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (the only key pair accepted), CLOCK_OFFSET_SECONDS=0
import http from "node:http";
import { createRequire } from "node:module";

const [port, dir, buckets] = process.argv.slice(2);
const { S3_ACCESS_KEY_ID: keyId, S3_SECRET_ACCESS_KEY: secret } = process.env;
if (!port || !dir || !buckets || !keyId || !secret) {
  console.error("usage: S3_ACCESS_KEY_ID=.. S3_SECRET_ACCESS_KEY=.. node server.mjs PORT DIR BUCKET[,BUCKET...]");
  process.exit(2);
}

const offsetMs = Number(process.env.CLOCK_OFFSET_SECONDS ?? 0) * 1000;
if (offsetMs) {
  const RealDate = Date;
  globalThis.Date = class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offsetMs;
    }
  };
}

const require = createRequire(import.meta.url);
const S3rver = require("@20minutes/s3rver");
const AWSAccount = require("@20minutes/s3rver/lib/models/account");

// Only our key pair: drop s3rver's built-in S3RVER/S3RVER account.
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey("S3RVER");
new AWSAccount(123456789012, "presigned-scenario").createKeyPair(keyId, secret);

const app = new S3rver({
  directory: dir,
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.split(",").map((name) => ({ name })),
});
await app.configureBuckets();
const handle = app.callback();

const signed = (req) => {
  const q = new URL(req.url, "http://x").searchParams;
  return "authorization" in req.headers || q.has("X-Amz-Signature") || q.has("Signature");
};

const server = http.createServer((req, res) => {
  const t = Date.now();
  res.on("finish", () => {
    const path = req.url.split("?")[0];
    console.log(`${req.method} ${path} ${res.statusCode} ${req.headers["content-length"] ?? "-"} ${Date.now() - t}ms`);
  });
  if (!signed(req)) {
    res.writeHead(403, { "Content-Type": "application/xml" });
    res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Anonymous requests are refused.</Message></Error>');
    req.resume();
    return;
  }
  handle(req, res);
});
server.listen(Number(port), "127.0.0.1", () => {
  console.log(`s3-server listening on http://127.0.0.1:${port} (buckets ${buckets}, clock offset ${offsetMs / 1000} s)`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
