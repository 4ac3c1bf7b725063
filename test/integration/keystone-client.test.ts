import { describe, expect, it } from "vitest";
import type { KeystoneSettings } from "../../src/domain/settings";
import { KeystoneClient, KeystoneUnavailable } from "../../src/keystone/client";
import { identityFromToken } from "../../src/keystone/identity";
import { MemoryTokenCache } from "../../src/keystone/token-cache";

// The client's logic with a scripted Keystone (no network): caching, concurrency, service-token
// renewal. keystone.test.ts covers the same over real HTTP.
const settings = (over: Partial<KeystoneSettings> = {}): KeystoneSettings => ({
  url: "http://ks.test",
  tokenCacheTime: 300,
  timeout: 5,
  serviceTokenRoles: ["service"],
  serviceAuth: { kind: "token", token: "svc" },
  ...over,
});
const body = (project: string | null, roles: string[], expiresInMs = 3_600_000) => ({
  token: {
    user: { id: "u1" },
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    ...(project ? { project: { id: project, domain: { id: "default" } }, roles: roles.map((name) => ({ name })) } : {}),
  },
});
const json = (status: number, b: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(b), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("identityFromToken", () => {
  it("takes project, user, lower-cased roles, expiry; no roles without a project scope", () => {
    expect(identityFromToken(body("p1", ["Member", "reader"]))).toMatchObject({ userId: "u1", projectId: "p1", projectDomainId: "default", roles: ["member", "reader"] });
    expect(identityFromToken({ token: { user: { id: "u" }, expires_at: "2030-01-01T00:00:00Z", roles: [{ name: "admin" }], system: { all: true } } })).toMatchObject({ projectId: null, roles: [] });
    expect(identityFromToken({ token: { user: {} } })).toBeNull();
    expect(identityFromToken("nonsense")).toBeNull();
  });
});

describe("KeystoneClient", () => {
  it("one Keystone call for concurrent requests with the same token", async () => {
    let calls = 0;
    const c = new KeystoneClient(settings(), new MemoryTokenCache(), async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return json(200, body("p1", ["reader"]));
    });
    const ids = await Promise.all([1, 2, 3, 4].map(() => c.validate("t")));
    expect(ids.every((i) => i?.projectId === "p1")).toBe(true);
    expect(calls).toBe(1);
  });

  it("sends the service token and the subject token; 404 = invalid (cached briefly)", async () => {
    const seen: Headers[] = [];
    const c = new KeystoneClient(settings(), new MemoryTokenCache(), async (url, init) => {
      expect(url).toBe("http://ks.test/v3/auth/tokens?nocatalog");
      seen.push(new Headers(init?.headers));
      return json(404, { error: {} });
    });
    expect(await c.validate("bad")).toBeNull();
    expect(await c.validate("bad")).toBeNull();
    expect(seen).toHaveLength(1);
    expect(seen[0].get("X-Auth-Token")).toBe("svc");
    expect(seen[0].get("X-Subject-Token")).toBe("bad");
  });

  it("a cached identity is dropped once the token itself expires", async () => {
    let now = Date.now();
    let calls = 0;
    const c = new KeystoneClient(
      settings(),
      new MemoryTokenCache(10, () => now),
      async () => (calls++, json(200, body("p1", ["reader"], 1000))),
      () => now,
    );
    expect(await c.validate("t")).not.toBeNull();
    now += 2000;
    // Keystone itself still says 200 with the old expiry here: the client refuses an expired token.
    expect(await c.validate("t")).toBeNull();
    expect(calls).toBe(2);
  });

  it("renews an obtained service token when Keystone rejects it, once", async () => {
    let issued = 0;
    const c = new KeystoneClient(
      settings({ serviceAuth: { kind: "application_credential", id: "a", secret: "s" } }),
      new MemoryTokenCache(),
      async (_url, init) => {
        if (init?.method === "POST") return json(201, body("service", ["service"]), { "X-Subject-Token": `svc-${++issued}` });
        const svc = new Headers(init?.headers).get("X-Auth-Token");
        return svc === "svc-1" ? json(401, {}) : json(200, body("p2", ["member"]));
      },
    );
    expect((await c.validate("u"))?.projectId).toBe("p2");
    expect(issued).toBe(2);
  });

  it("never lets in when Keystone cannot answer: network error, 5xx, bad service credentials", async () => {
    const fails: ((u: string, i?: RequestInit) => Promise<Response>)[] = [
      async () => {
        throw new TypeError("connection refused");
      },
      async () => json(503, {}),
      async () => json(401, {}),
    ];
    for (const f of fails) {
      const c = new KeystoneClient(settings(), new MemoryTokenCache(), f);
      await expect(c.validate("t")).rejects.toBeInstanceOf(KeystoneUnavailable);
    }
  });

  it("the memory cache is bounded", async () => {
    const cache = new MemoryTokenCache(2);
    const v = { valid: false } as const;
    await cache.put("a", v, 10_000);
    await cache.put("b", v, 10_000);
    await cache.put("c", v, 10_000);
    expect(await cache.get("a")).toBeNull();
    expect(await cache.get("c")).toEqual(v);
  });
});
