// The outside world of the import tests: an auxiliary Worker that receives every outbound fetch()
// of the Worker under test (miniflare `outboundService`, see vitest.config.ts). Hosts under
// example.com are served here; every other request is passed on unchanged (the Keystone stand-in
// on 127.0.0.1 keeps working), and every request is logged, so a test can prove that a refused
// address was never contacted.
//
//   images.example.com  /bytes/<size>/<seed>[?chunked=1]   deterministic data (length known unless chunked)
//                       /gzip/<size>/<seed>                that data gzipped (a .gz file, no Content-Encoding)
//                       /broken/<size>/<seed>              sends half of it, then the connection breaks
//                       /redirect?to=<url>[&status=302]    a redirect
//                       /status/<code>                     that status, no data
//   glance.example.com  /v2/images/<id>, /v2/images/<id>/file   a remote Glance (needs X-Auth-Token)
//   origin.example.com  /_log?tag=<substring>               requests seen whose URL contains tag
//   hooks.example.com   a webhook receiver; each request is recorded under its ?id= (method,
//                       headers, body), then: /ok → 200, /fail → 500, /flaky?fail=N → 500 for the
//                       first N requests of that id, then 200; /redirect → 302 to /ok.
//                       /_received?id=<id> lists what that id received, oldest first.
//
// The remote Glance's images: ...0001 active (3 MiB + 17 bytes, seed 11, with hw_/os_ properties),
// ...0002 queued, ...0003 active but announcing a wrong size.
const log = [];
const received = new Map();

async function hooks(url, request) {
  const id = url.searchParams.get("id") ?? "";
  if (url.pathname === "/_received") return Response.json(received.get(id) ?? []);
  const list = received.get(id) ?? [];
  received.set(id, list);
  list.push({ method: request.method, path: url.pathname, headers: Object.fromEntries(request.headers), body: await request.text() });
  if (url.pathname === "/ok") return new Response("thanks");
  if (url.pathname === "/fail") return new Response("receiver broken", { status: 500 });
  if (url.pathname === "/flaky") return list.length <= Number(url.searchParams.get("fail") ?? 1) ? new Response("not yet", { status: 500 }) : new Response("ok");
  if (url.pathname === "/redirect") return new Response(null, { status: 302, headers: { Location: `/ok?id=${id}` } });
  return new Response("404 Not Found", { status: 404 });
}

function xorshift(seed) {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `size` deterministic bytes in 64 KiB chunks; `failAt` breaks the stream after that many bytes. */
function bytesStream(size, seed, failAt = -1) {
  const next = xorshift(seed);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (failAt >= 0 && sent >= failAt) return c.error(new Error("connection reset by origin"));
      if (sent >= size) return c.close();
      const n = Math.min(65536, size - sent);
      const words = new Uint32Array(Math.ceil(n / 4));
      for (let i = 0; i < words.length; i++) words[i] = next();
      c.enqueue(new Uint8Array(words.buffer, 0, n));
      sent += n;
    },
  });
}

function withLength(stream, size) {
  const fixed = new FixedLengthStream(size);
  stream.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}

const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const digests = new Map();
async function sha512Of(size, seed) {
  const k = `${size}/${seed}`;
  if (!digests.has(k)) {
    const d = new crypto.DigestStream("SHA-512");
    await bytesStream(size, seed).pipeTo(d);
    digests.set(k, hex(await d.digest));
  }
  return digests.get(k);
}

const REMOTE = {
  "aaaaaaaa-0000-4000-8000-000000000001": { status: "active", size: 3 * 1048576 + 17, seed: 11 },
  "aaaaaaaa-0000-4000-8000-000000000002": { status: "queued", size: null, seed: 0 },
  "aaaaaaaa-0000-4000-8000-000000000003": { status: "active", size: 5000, seed: 12, lies: true },
};

async function remoteGlance(url, request) {
  if (!request.headers.get("X-Auth-Token")) return new Response("401 Unauthorized", { status: 401 });
  const m = /^\/v2\/images\/([0-9a-f-]{36})(\/file)?$/.exec(url.pathname);
  const img = m && REMOTE[m[1]];
  if (!img) return new Response("404 Not Found", { status: 404 });
  const size = img.lies ? img.size - 100 : img.size;
  if (m[2]) return new Response(withLength(bytesStream(size, img.seed), size), { headers: { "Content-Type": "application/octet-stream" } });
  const body = {
    id: m[1],
    name: "remote",
    status: img.status,
    disk_format: "qcow2",
    container_format: "ovf",
    size: img.size,
    os_hash_algo: img.size && !img.lies ? "sha512" : null,
    os_hash_value: img.size && !img.lies ? await sha512Of(img.size, img.seed) : null,
    hw_disk_bus: "scsi",
    os_distro: "debian",
    os_glance_import_task: "not-copied",
    owner_specified: "not-copied",
    visibility: "public",
  };
  return Response.json(body);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    log.push({ url: request.url, method: request.method, token: request.headers.get("X-Auth-Token") });
    if (log.length > 5000) log.splice(0, 1000);
    if (url.hostname === "origin.example.com" && url.pathname === "/_log") {
      const tag = url.searchParams.get("tag") ?? "";
      return Response.json(log.filter((e) => e.url.includes(tag)));
    }
    if (url.hostname === "glance.example.com") return remoteGlance(url, request);
    if (url.hostname === "hooks.example.com") return hooks(url, request);
    if (url.hostname.endsWith(".example.com")) {
      let m = /^\/bytes\/(\d+)\/(\d+)$/.exec(url.pathname);
      if (m) {
        const [size, seed] = [Number(m[1]), Number(m[2])];
        const body = url.searchParams.has("chunked") ? bytesStream(size, seed) : withLength(bytesStream(size, seed), size);
        return new Response(body, { headers: { "Content-Type": "application/octet-stream" } });
      }
      m = /^\/gzip\/(\d+)\/(\d+)$/.exec(url.pathname);
      if (m) return new Response(bytesStream(Number(m[1]), Number(m[2])).pipeThrough(new CompressionStream("gzip")), { headers: { "Content-Type": "application/gzip" } });
      m = /^\/broken\/(\d+)\/(\d+)$/.exec(url.pathname);
      if (m) return new Response(bytesStream(Number(m[1]), Number(m[2]), Math.floor(Number(m[1]) / 2)));
      if (url.pathname === "/redirect") {
        return new Response(null, { status: Number(url.searchParams.get("status") ?? 302), headers: { Location: url.searchParams.get("to") ?? "/" } });
      }
      m = /^\/status\/(\d+)$/.exec(url.pathname);
      if (m) return new Response(`status ${m[1]}`, { status: Number(m[1]) });
      return new Response("404 Not Found", { status: 404 });
    }
    return fetch(request);
  },
};
