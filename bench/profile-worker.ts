// The byte path, one stage at a time, for bench/profile.mjs: each route does one thing (or one
// more thing than another route) to a request body or an R2 object, with the service's own code
// (src/platform/streams.ts, the format inspector, the R2 store adapter), so the CPU of a stage is
// read from workerd's CPU counters around one transfer. Not part of the service.
import { DiskFormatInspector } from "../src/domain/images/formats/inspector";
import { readChunks } from "../src/platform/streams";
import { R2ObjectStore } from "../src/store/r2-store";

interface Env {
  BUCKET: R2Bucket;
  DB: D1Database;
}

async function drain(body: ReadableStream<Uint8Array>, reuse: boolean, each?: (chunk: Uint8Array) => unknown): Promise<number> {
  let n = 0;
  for await (const chunk of readChunks(body, undefined, { reuse })) {
    n += chunk.byteLength;
    if (each) await each(chunk);
  }
  return n;
}

async function digestOf(algorithm: string, body: ReadableStream<Uint8Array>): Promise<Response> {
  const d = new crypto.DigestStream(algorithm);
  const w = d.getWriter();
  const n = await drain(body, true, (c) => w.write(c));
  await w.close();
  return Response.json({ bytes: n, digest: (await d.digest).byteLength });
}

const tooLarge = () => new Error("too large");

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    const key = url.searchParams.get("key") ?? "k";
    const size = Number(req.headers.get("Content-Length") ?? 0);
    const body = req.body ?? new Blob([]).stream();
    const store = new R2ObjectStore("profile", env.BUCKET);
    switch (url.pathname) {
      case "/const":
        return new Response("ok");
      case "/d1-setup":
        await env.DB.batch([
          env.DB.prepare("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, v TEXT)"),
          env.DB.prepare("INSERT OR REPLACE INTO t SELECT 'k' || value, 'v' || value FROM json_each(?1)").bind(JSON.stringify([...Array(100).keys()])),
        ]);
        return Response.json({ ok: true });
      case "/d1-one":
        // one D1 round trip (the local D1 simulator: an RPC, a Durable Object, JSON both ways)
        return Response.json(await env.DB.prepare("SELECT * FROM t WHERE id = ?1").bind("k7").first());
      case "/d1-batch4": {
        // the shape of a show: four statements in one batch (one round trip)
        const q = (sql: string) => env.DB.prepare(sql).bind("k7");
        const r = await env.DB.batch([q("SELECT * FROM t WHERE id = ?1"), q("SELECT * FROM t WHERE id = ?1"), q("SELECT * FROM t WHERE id = ?1"), q("SELECT * FROM t WHERE id = ?1")]);
        return Response.json(r.map((x) => x.results.length));
      }
      case "/delete":
        await env.BUCKET.delete(key);
        return Response.json({ deleted: key });
      case "/read-default": {
        // the default reader: the runtime's own chunk size (about 4 KiB for a request body)
        const r = body.getReader();
        let n = 0;
        for (;;) {
          const { value, done } = await r.read();
          if (value) n += value.byteLength;
          if (done) break;
        }
        return Response.json({ bytes: n });
      }
      case "/read-fresh":
        return Response.json({ bytes: await drain(body, false) });
      case "/read":
        return Response.json({ bytes: await drain(body, true) });
      case "/md5":
        return digestOf("MD5", body);
      case "/sha512":
        return digestOf("SHA-512", body);
      case "/inspect": {
        const i = new DiskFormatInspector();
        const n = await drain(body, true, (c) => i.update(c));
        return Response.json({ bytes: n, format: i.result().format });
      }
      case "/put-native": {
        // the request body handed to R2 as it is: no JS of ours per byte
        const o = await env.BUCKET.put(key, body);
        return Response.json({ size: o?.size, etag: o?.etag });
      }
      case "/put-pipe": {
        // the request body piped natively into a FixedLengthStream handed to R2 (no JS per chunk)
        const fixed = new FixedLengthStream(size);
        const put = env.BUCKET.put(key, fixed.readable);
        await body.pipeTo(fixed.writable);
        const o = await put;
        return Response.json({ size: o?.size, etag: o?.etag });
      }
      case "/store-write": {
        // PUT /file's byte path: the store adapter (read, SHA-512, inspection, R2 put; MD5 from R2)
        const w = await store.write(key, body, { size, maxBytes: Number.MAX_SAFE_INTEGER, tooLarge, inspect: new DiskFormatInspector() });
        return Response.json(w);
      }
      case "/store-write-chunked": {
        // the same for a body of unknown length: 16 MiB parts, R2 multipart, MD5 here
        const w = await store.write(key, body, { size: null, maxBytes: Number.MAX_SAFE_INTEGER, tooLarge, inspect: new DiskFormatInspector() });
        return Response.json(w);
      }
      case "/get-drain": {
        // reading the object inside the Worker only (no HTTP response): the simulator's read side
        const o = await env.BUCKET.get(key);
        if (!o) return new Response(null, { status: 404 });
        return Response.json({ bytes: await drain(o.body, true) });
      }
      case "/get-native": {
        const o = await env.BUCKET.get(key);
        return o ? new Response(o.body, { headers: { "Content-Length": String(o.size) } }) : new Response(null, { status: 404 });
      }
      case "/store-read": {
        // GET /file's byte path: the store adapter's read (countedStream into a FixedLengthStream)
        const d = await store.read(key);
        return d ? new Response(d.body, { headers: { "Content-Length": String(d.length) } }) : new Response(null, { status: 404 });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
