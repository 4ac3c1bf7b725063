// glance-upload's HTTP: node:http requests (a part streams from disk with its exact Content-Length),
// the JSON API calls with the token, error text for a terminal, and Fatal (an error shown without a stack).
import http from "node:http";
import https from "node:https";

export class Fatal extends Error {}

const agents = { "http:": new http.Agent({ keepAlive: true, maxSockets: 32 }), "https:": new https.Agent({ keepAlive: true, maxSockets: 32 }) };

export function request(method, url, { headers = {}, body = null, timeoutMs = 120_000 } = {}) {
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

export function api(opts) {
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
export const why = (r) => (r.json?.message ?? r.json?.title ?? r.text ?? "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);

export function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
