// Sending fuzz requests: raw node:http (odd methods, `*` targets, chunked bodies, CONNECT) or a raw
// socket for requests given as bytes. Answers { status, headers, snippet, error?, ms }; never throws.
import http from "node:http";
import net from "node:net";

/** A sender for host:port: { send(req), destroy() }; at most `concurrency` kept-alive sockets, `hardMs` per request. */
export function createTransport({ host: HOST, port: PORT, concurrency: CONCURRENCY, hardMs: HARD_MS }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  function send(req) {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (out) => {
        if (settled) return;
        settled = true;
        resolve({ ...out, ms: Math.round(performance.now() - t0) });
      };
      if (req.raw) return sendRaw(req, finish);
      const body = req.body === undefined ? null : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
      const headers = { ...req.headers };
      if (body && !req.chunked) headers["Content-Length"] = String(body.length);
      let hreq;
      try {
        hreq = http.request({ host: HOST, port: PORT, method: req.method, path: req.path, headers, agent: req.method === "CONNECT" ? false : agent, insecureHTTPParser: true });
      } catch (e) {
        return finish({ status: null, error: `not sent: ${e.code ?? e.message}` });
      }
      const timer = setTimeout(() => hreq.destroy(new Error(`no answer in ${HARD_MS} ms`)), HARD_MS);
      const onResponse = (res, socket) => {
        let snippet = "";
        res.on("data", (d) => {
          if (snippet.length < 600) snippet += d.toString("utf8", 0, Math.min(d.length, 600));
        });
        res.on("end", () => {
          clearTimeout(timer);
          finish({ status: res.statusCode, headers: res.headers, snippet });
        });
        res.on("error", (e) => {
          clearTimeout(timer);
          finish({ status: res.statusCode, headers: res.headers, snippet, error: e.message });
        });
        if (socket) socket.destroy();
      };
      hreq.on("response", (res) => onResponse(res));
      // CONNECT: a 2xx answer is a tunnel ("connect" event); anything else comes as a response.
      hreq.on("connect", (res, socket) => {
        clearTimeout(timer);
        socket.destroy();
        finish({ status: res.statusCode, headers: res.headers, snippet: "" });
      });
      hreq.on("error", (e) => {
        clearTimeout(timer);
        finish({ status: null, error: e.code ?? e.message });
      });
      if (body && req.chunked) {
        const piece = Math.max(1, Math.ceil(body.length / 3));
        for (let at = 0; at < body.length; at += piece) hreq.write(body.subarray(at, at + piece));
        hreq.end();
      } else hreq.end(body ?? undefined);
    });
  }

  function sendRaw(req, finish) {
    const socket = net.connect(PORT, HOST);
    const chunks = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${HARD_MS} ms`)), HARD_MS);
    const done = (error) => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(text);
      const head = text.slice(0, Math.max(0, text.indexOf("\r\n\r\n")));
      const headers = {};
      for (const line of head.split("\r\n").slice(1)) {
        const c = line.indexOf(":");
        if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
      }
      finish({ status: m ? Number(m[1]) : null, headers, snippet: text.slice(head.length + 4, head.length + 604), error: m ? undefined : (error ?? "no HTTP answer") });
    };
    socket.on("connect", () => socket.write(req.raw));
    socket.on("data", (d) => chunks.push(d));
    socket.on("end", () => done());
    socket.on("close", () => done());
    socket.on("error", (e) => done(e.code ?? e.message));
  }

  return { send, destroy: () => agent.destroy() };
}
