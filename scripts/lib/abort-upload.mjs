// A client that dies mid-upload: PUT URL/v2/images/ID/file announcing TOTAL bytes (`sized`:
// Content-Length) or none (`chunked`: Transfer-Encoding: chunked), writes the first CUT bytes of
// random data over a raw socket, prints `sent N`, and then waits, the request unfinished, for the
// caller to kill it (upload-session-scenario.sh kills it with SIGKILL once the server shows the
// upload in progress). Node's own HTTP client is not used: it would finish or abort the request
// politely; this leaves the server with a half body and a connection that just goes away.
// usage: node scripts/lib/abort-upload.mjs URL TOKEN IMAGE_ID chunked|sized TOTAL CUT
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import net from "node:net";

const [url, token, id, mode, total, cut] = process.argv.slice(2);
if (!id || !["chunked", "sized"].includes(mode) || !(Number(cut) > 0)) {
  console.error("usage: abort-upload.mjs URL TOKEN IMAGE_ID chunked|sized TOTAL CUT");
  process.exit(2);
}
const u = new URL(url);
const sock = net.connect(Number(u.port || 80), u.hostname);
await once(sock, "connect");
sock.on("data", (d) => process.stdout.write(`answer before the end of the body: ${d.toString().split("\r\n")[0]}\n`));
sock.on("error", (e) => console.error(`socket: ${e.message}`));
const head = [
  `PUT ${u.pathname.replace(/\/$/, "")}/v2/images/${id}/file HTTP/1.1`,
  `Host: ${u.host}`,
  `X-Auth-Token: ${token}`,
  "Content-Type: application/octet-stream",
  mode === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${total}`,
  "",
  "",
].join("\r\n");
sock.write(head);
const block = randomBytes(1 << 20);
let sent = 0;
while (sent < Number(cut)) {
  const frame = mode === "chunked" ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from("\r\n")]) : block;
  if (!sock.write(frame)) await once(sock, "drain");
  sent += block.length;
}
console.log(`sent ${sent}`);
setInterval(() => {}, 60_000); // stay alive, the request open, until killed
