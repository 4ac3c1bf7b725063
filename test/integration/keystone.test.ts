import { describe, expect, inject, it } from "vitest";
import { fetchWith } from "../helpers/app-with";

declare module "vitest" {
  interface ProvidedContext {
    keystoneUrl: string;
  }
}

// Each test talks to its own realm of the stand-in (test/setup/keystone-standin.mjs), a real HTTP
// server on the Node side of vitest: the Worker validates tokens over TCP as it would in production.
const base = inject("keystoneUrl");
let realmSeq = 0;
function realm(extra: Record<string, string> = {}, config: Record<string, unknown> = {}) {
  const url = `${base}/realm-${Date.now()}-${realmSeq++}`;
  const vars = {
    AUTH_MODE: "keystone",
    KEYSTONE_URL: `${url}/v3`,
    KEYSTONE_SERVICE_TOKEN: "service-token",
    GLANCE_CONFIG: JSON.stringify({ notification_sink: true, ...config }),
    ...extra,
  };
  return {
    url,
    vars,
    async mint(body: Record<string, unknown>): Promise<string> {
      const r = await fetch(`${url}/_standin/tokens`, { method: "POST", body: JSON.stringify(body) });
      return ((await r.json()) as { token: string }).token;
    },
    async stats(): Promise<{ validations: number; issued: number }> {
      return (await fetch(`${url}/_standin/stats`)).json();
    },
    async mode(m: Record<string, number>): Promise<void> {
      await fetch(`${url}/_standin/mode`, { method: "POST", body: JSON.stringify(m) });
    },
    call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
      return fetchWith(
        vars,
        new Request(`http://localhost${path}`, {
          method,
          headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    },
  };
}

describe("keystone auth mode", () => {
  it("a valid token: the context is the token's project, user and roles", async () => {
    const k = realm();
    const token = await k.mint({ project: "ksA", roles: ["member", "reader"], user: "alice" });
    const r = await k.call("POST", "/v2/images", { "X-Auth-Token": token }, { name: "ks" });
    expect(r.status).toBe(201);
    const img = await r.json<any>();
    expect(img.owner).toBe("ksA");
    expect((await k.call("GET", `/v2/images/${img.id}`, { "X-Auth-Token": token })).status).toBe(200);
    // Another project's token cannot see the private image... (shared by default: no membership → 404)
    const other = await k.mint({ project: "ksB", roles: ["member", "reader"] });
    expect((await k.call("GET", `/v2/images/${img.id}`, { "X-Auth-Token": other })).status).toBe(404);
    // ...and the reader role alone cannot create.
    const reader = await k.mint({ project: "ksA", roles: ["reader"] });
    expect((await k.call("POST", "/v2/images", { "X-Auth-Token": reader }, {})).status).toBe(403);
    // Keystone's admin role makes an admin (policy context_is_admin).
    const admin = await k.mint({ project: "ksAdmin", roles: ["admin", "member", "reader"] });
    const pub = await k.call("POST", "/v2/images", { "X-Auth-Token": admin }, { visibility: "public" });
    expect(pub.status).toBe(201);
  });

  it("never trusts identity headers", async () => {
    const k = realm();
    const token = await k.mint({ project: "ksA", roles: ["reader"] });
    const spoof = { "X-Auth-Token": token, "X-Project-Id": "admin", "X-Roles": "admin,member", "X-Tenant-Id": "admin", "X-User-Id": "root" };
    expect((await k.call("POST", "/v2/images", spoof, { visibility: "public" })).status).toBe(403);
    expect((await k.call("GET", "/v2/images", { "X-Project-Id": "admin", "X-Roles": "admin" })).status).toBe(401);
    // The development token form is just an unknown token here.
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": "admin:admin" })).status).toBe(401);
  });

  it("401 (with a Keystone challenge) for missing, invalid and expired tokens", async () => {
    const k = realm();
    const none = await k.call("GET", "/v2/images");
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toBe(`Keystone uri="${k.url}"`);
    const bogus = await k.call("GET", "/v2/images", { "X-Auth-Token": "tok-not-issued" });
    expect(bogus.status).toBe(401);
    const short = await k.mint({ project: "ksA", roles: ["reader"], expires_in: 1 });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": short })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    // Cached, but the cache never outlives the token's own expiry.
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": short })).status).toBe(401);
  });

  it("a token that is not project-scoped authenticates but is granted nothing", async () => {
    const k = realm();
    const unscoped = await k.mint({ user: "bob" });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": unscoped })).status).toBe(403);
    const system = await k.mint({ user: "root", roles: ["admin"], scope: "system" });
    expect((await k.call("POST", "/v2/images", { "X-Auth-Token": system }, {})).status).toBe(403);
  });

  it("caches valid tokens (one Keystone call for many requests) and invalid ones", async () => {
    const k = realm();
    const token = await k.mint({ project: "ksC", roles: ["member", "reader"] });
    for (let i = 0; i < 5; i++) expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
    expect((await k.stats()).validations).toBe(1);
    await Promise.all([1, 2, 3].map(() => k.call("GET", "/v2/images", { "X-Auth-Token": "tok-bad" })));
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": "tok-bad" })).status).toBe(401);
    expect((await k.stats()).validations).toBe(2);
  });

  it("the cache holds a token at most token_cache_time seconds", async () => {
    const k = realm({}, { token_cache_time: 1 });
    const token = await k.mint({ project: "ksD", roles: ["reader"] });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
    expect((await k.stats()).validations).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
    expect((await k.stats()).validations).toBe(2);
  });

  it("Keystone unreachable, failing or too slow → 503, never let in", async () => {
    const down = realm({ KEYSTONE_URL: "http://127.0.0.1:9/v3" });
    const r = await down.call("GET", "/v2/images", { "X-Auth-Token": "anything" });
    expect(r.status).toBe(503);
    const k = realm({}, { http_connect_timeout: 0.5 });
    const token = await k.mint({ project: "ksE", roles: ["reader"] });
    await k.mode({ status: 500 });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(503);
    await k.mode({ delay_ms: 2000 });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(503);
    await k.mode({});
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
  });

  it("a wrong service token is a 503 (misconfiguration), not a 401 for the user", async () => {
    const k = realm({ KEYSTONE_SERVICE_TOKEN: "wrong" });
    const token = await k.mint({ project: "ksF", roles: ["reader"] });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(503);
  });

  it("service credentials (password or application credential) obtain a service token once", async () => {
    const k = realm({
      KEYSTONE_SERVICE_TOKEN: "",
      KEYSTONE_SERVICE_CREDENTIALS: JSON.stringify({ username: "glance", password: "glance-secret", project_name: "service" }),
    });
    for (const p of ["ksG", "ksH"]) {
      const token = await k.mint({ project: p, roles: ["reader"] });
      expect((await k.call("GET", "/v2/images", { "X-Auth-Token": token })).status).toBe(200);
    }
    expect(await k.stats()).toEqual({ validations: 2, issued: 1 });
    const app = realm({
      KEYSTONE_SERVICE_TOKEN: "",
      KEYSTONE_SERVICE_CREDENTIALS: JSON.stringify({ application_credential_id: "appcred-glance", application_credential_secret: "appcred-secret" }),
    });
    const t = await app.mint({ project: "ksI", roles: ["reader"] });
    expect((await app.call("GET", "/v2/images", { "X-Auth-Token": t })).status).toBe(200);
    const bad = realm({
      KEYSTONE_SERVICE_TOKEN: "",
      KEYSTONE_SERVICE_CREDENTIALS: JSON.stringify({ username: "glance", password: "nope", project_name: "service" }),
    });
    const t2 = await bad.mint({ project: "ksJ", roles: ["reader"] });
    expect((await bad.call("GET", "/v2/images", { "X-Auth-Token": t2 })).status).toBe(503);
  });

  it("anonymous access, when allowed, is read-only", async () => {
    const k = realm({}, { allow_anonymous_access: true });
    expect((await k.call("POST", "/v2/images", {}, {})).status).toBe(403);
  });

  it("refuses to start without KEYSTONE_URL or a service secret, saying so", async () => {
    const noUrl = realm({ KEYSTONE_URL: "" });
    const r = await noUrl.call("GET", "/v2/images", { "X-Auth-Token": "x" });
    expect(r.status).toBe(500);
    expect((await r.json<any>()).message).toContain("KEYSTONE_URL");
    const noSecret = realm({ KEYSTONE_SERVICE_TOKEN: "" });
    const r2 = await noSecret.call("GET", "/v2/images", { "X-Auth-Token": "x" });
    expect((await r2.json<any>()).message).toContain("KEYSTONE_SERVICE_TOKEN");
  });

  it("X-Service-Token: a valid service token with a service role lets an expired user token through, as the user", async () => {
    const k = realm();
    const expired = await k.mint({ project: "ksA", roles: ["member", "reader"], user: "alice", expires_in: -600 });
    const service = await k.mint({ project: "service", roles: ["service"], user: "nova" });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": expired })).status).toBe(401);
    const r = await k.call("POST", "/v2/images", { "X-Auth-Token": expired, "X-Service-Token": service }, { name: "snapshot" });
    expect(r.status).toBe(201);
    expect((await r.json<any>()).owner).toBe("ksA"); // the user's project, not the service's
    // the expired token alone is still refused (the allow-expired verdict is cached apart)
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": expired })).status).toBe(401);
  });

  it("X-Service-Token without a service role, or invalid, does not help an expired token, and never hurts a valid one", async () => {
    const k = realm();
    const expired = await k.mint({ project: "ksA", user: "alice", expires_in: -600 });
    const valid = await k.mint({ project: "ksA", user: "alice" });
    const member = await k.mint({ project: "ksB", roles: ["member", "reader"] });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": expired, "X-Service-Token": member })).status).toBe(401);
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": expired, "X-Service-Token": "bogus" })).status).toBe(401);
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": valid, "X-Service-Token": "bogus" })).status).toBe(200);
    // service_token_roles is configurable
    const k2 = realm({}, { service_token_roles: ["image-service"] });
    const expired2 = await k2.mint({ project: "ksA", user: "alice", expires_in: -600 });
    const svc = await k2.mint({ project: "service", roles: ["service"] });
    const imageSvc = await k2.mint({ project: "service", roles: ["image-service"] });
    expect((await k2.call("GET", "/v2/images", { "X-Auth-Token": expired2, "X-Service-Token": svc })).status).toBe(401);
    expect((await k2.call("GET", "/v2/images", { "X-Auth-Token": expired2, "X-Service-Token": imageSvc })).status).toBe(200);
  });

  it("X-Service-Token: a user token expired beyond Keystone's allow_expired window is refused", async () => {
    const k = realm();
    const ancient = await k.mint({ project: "ksA", user: "alice", expires_in: -49 * 3600 });
    const service = await k.mint({ project: "service", roles: ["service"] });
    expect((await k.call("GET", "/v2/images", { "X-Auth-Token": ancient, "X-Service-Token": service })).status).toBe(401);
  });
});
