// A Keystone v3 stand-in: a real HTTP server (Node, no dependencies) speaking the part of the
// Identity API a token-validating service uses. The Worker under test reaches it over TCP, the
// same hop as production. Used two ways:
//   - vitest globalSetup: starts on a free port and provides its URL as inject("keystoneUrl");
//   - standalone:        node test/setup/keystone-standin.mjs [port]   (for `npm start` in keystone mode)
//
// Each path prefix /<realm>/ is an independent Keystone (its own tokens and counters), so test
// files can share one server without seeing each other. Routes under /<realm>:
//   POST /v3/auth/tokens          password or application_credential auth → 201 + X-Subject-Token
//   GET  /v3/auth/tokens          validate X-Subject-Token with service token X-Auth-Token (200/404/401);
//                                 ?allow_expired=1 also accepts tokens expired less than 48 hours ago
//   POST /_standin/tokens         test control: mint {project, roles, user, domain, expires_in, scope}
//   GET  /_standin/stats          test control: {validations, issued}
//   POST /_standin/mode           test control: {"status": 500} makes validation answer that status
//                                 ({"status": 0} = normal, {"delay_ms": N} = slow)
// The service identity: token "service-token" or user "glance"/"glance-secret" (project "service").
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

const SERVICE_USER = { name: "glance", password: "glance-secret", id: "u-glance" };
const STATIC_SERVICE_TOKEN = "service-token";

function realmState(realms, name) {
  let r = realms.get(name);
  if (!r) {
    r = { tokens: new Map(), validations: 0, issued: 0, mode: { status: 0, delay_ms: 0 } };
    r.tokens.set(STATIC_SERVICE_TOKEN, serviceToken(3600));
    realms.set(name, r);
  }
  return r;
}

function serviceToken(expiresIn) {
  return { user: SERVICE_USER.id, userName: SERVICE_USER.name, project: "service", roles: ["service", "admin"], domain: "default", expiresAt: Date.now() + expiresIn * 1000, scope: "project" };
}

function tokenBody(t) {
  const token = {
    methods: ["password"],
    user: { id: t.user, name: t.userName ?? t.user, domain: { id: t.domain, name: t.domain } },
    expires_at: new Date(t.expiresAt).toISOString().replace(/\.\d+Z$/, ".000000Z"),
    issued_at: new Date().toISOString().replace(/\.\d+Z$/, ".000000Z"),
    audit_ids: [randomUUID().slice(0, 22)],
  };
  if (t.scope === "project") {
    token.project = { id: t.project, name: t.project, domain: { id: t.domain, name: t.domain } };
    token.roles = t.roles.map((name) => ({ id: `r-${name}`, name }));
    token.is_domain = false;
  } else if (t.scope === "system") {
    token.system = { all: true };
    token.roles = t.roles.map((name) => ({ id: `r-${name}`, name }));
  }
  return { token };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

/** The token if it has not expired (or expired within Keystone's default allow_expired_window, 48 h, when `expiredOk`). */
function live(r, token, expiredOk = false) {
  const t = token && r.tokens.get(token);
  return t && t.expiresAt > Date.now() - (expiredOk ? 48 * 3600 * 1000 : 0) ? t : null;
}

async function handle(realms, req, res) {
  const url = new URL(req.url, "http://x");
  const m = /^\/([^/]+)(\/.*)$/.exec(url.pathname);
  if (!m) return send(res, 404, { error: { code: 404, message: "no realm" } });
  const r = realmState(realms, m[1]);
  const path = m[2];
  if (path === "/_standin/tokens" && req.method === "POST") {
    const b = await readBody(req);
    const id = `tok-${randomUUID()}`;
    r.tokens.set(id, {
      user: b.user ?? `user-${b.project ?? "none"}`,
      project: b.project ?? null,
      roles: b.roles ?? ["member", "reader"],
      domain: b.domain ?? "default",
      expiresAt: Date.now() + (b.expires_in ?? 3600) * 1000,
      scope: b.scope ?? (b.project ? "project" : "unscoped"),
    });
    return send(res, 201, { token: id });
  }
  if (path === "/_standin/stats") return send(res, 200, { validations: r.validations, issued: r.issued });
  if (path === "/_standin/mode" && req.method === "POST") {
    r.mode = { status: 0, delay_ms: 0, ...(await readBody(req)) };
    return send(res, 200, r.mode);
  }
  if (path === "/v3/auth/tokens" && req.method === "POST") {
    const b = await readBody(req);
    const ident = b?.auth?.identity ?? {};
    const ok =
      (ident.methods?.includes("password") && ident.password?.user?.name === SERVICE_USER.name && ident.password?.user?.password === SERVICE_USER.password) ||
      (ident.methods?.includes("application_credential") && ident.application_credential?.id === "appcred-glance" && ident.application_credential?.secret === "appcred-secret");
    if (!ok) return send(res, 401, { error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } });
    const id = `svc-${randomUUID()}`;
    const t = serviceToken(3600);
    r.tokens.set(id, t);
    r.issued++;
    return send(res, 201, tokenBody(t), { "X-Subject-Token": id });
  }
  if (path === "/v3/auth/tokens" && req.method === "GET") {
    r.validations++;
    if (r.mode.delay_ms) await new Promise((ok) => setTimeout(ok, r.mode.delay_ms));
    if (r.mode.status) return send(res, r.mode.status, { error: { code: r.mode.status, message: "stand-in failure mode" } });
    const caller = live(r, req.headers["x-auth-token"]);
    if (!caller || !caller.roles.some((x) => x === "service" || x === "admin")) {
      return send(res, 401, { error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } });
    }
    const expiredOk = ["1", "true"].includes(url.searchParams.get("allow_expired") ?? "");
    const subject = live(r, req.headers["x-subject-token"], expiredOk);
    if (!subject) return send(res, 404, { error: { code: 404, message: "Could not find token.", title: "Not Found" } });
    return send(res, 200, tokenBody(subject), { "X-Subject-Token": req.headers["x-subject-token"] });
  }
  return send(res, 404, { error: { code: 404, message: "not found" } });
}

export function startKeystoneStandin(port = 0, host = "127.0.0.1") {
  const realms = new Map();
  const server = createServer((req, res) => handle(realms, req, res).catch((e) => send(res, 500, { error: String(e) })));
  return new Promise((resolve) => {
    server.listen(port, host, () => resolve({ url: `http://${host}:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) }));
  });
}

/** vitest globalSetup */
export default async function setup(project) {
  const standin = await startKeystoneStandin();
  project.provide("keystoneUrl", standin.url);
  return () => standin.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startKeystoneStandin(Number(process.argv[2] ?? 5000));
  console.log(`keystone stand-in at ${s.url}/<realm>/v3 (service token "${STATIC_SERVICE_TOKEN}")`);
}
