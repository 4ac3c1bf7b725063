import { describe, expect, it } from "vitest";
import { fetchWith } from "../helpers/app-with";

const STRICT = {
  AUTH_MODE: "strict",
  STATIC_TOKENS: JSON.stringify({ "tok-a": "strictA:member,reader:alice", "tok-admin": "admin:admin" }),
};
const req = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  new Request(`http://localhost${path}`, { ...init, headers: { Accept: "application/json", ...headers } });

describe("development auth mode", () => {
  it("no token = admin of project admin; token project:roles[:user]; identity headers", async () => {
    const anon = await fetchWith({}, req("/v2/images", {}, { method: "POST", body: "{}" }));
    expect((await anon.json<any>()).owner).toBe("admin");
    const tok = await fetchWith({}, req("/v2/images", { "X-Auth-Token": "devP%3Amember%2Creader" }, { method: "POST", body: "{}" }));
    expect((await tok.json<any>()).owner).toBe("devP");
    const hdr = await fetchWith({}, req("/v2/images", { "X-Project-Id": "hdrP", "X-Roles": "member" }, { method: "POST", body: "{}" }));
    expect((await hdr.json<any>()).owner).toBe("hdrP");
    const reader = await fetchWith({}, req("/v2/images", { "X-Project-Id": "hdrP", "X-Roles": "reader" }, { method: "POST", body: "{}" }));
    expect(reader.status).toBe(403);
  });
});

describe("strict auth mode", () => {
  it("401 without a token, and for unknown tokens", async () => {
    expect((await fetchWith(STRICT, req("/v2/images"))).status).toBe(401);
    expect((await fetchWith(STRICT, req("/v2/images", { "X-Auth-Token": "nope" }))).status).toBe(401);
    // The development token form means nothing here.
    expect((await fetchWith(STRICT, req("/v2/images", { "X-Auth-Token": "admin:admin" }))).status).toBe(401);
  });

  it("never trusts identity headers", async () => {
    const r = await fetchWith(STRICT, req("/v2/images", { "X-Project-Id": "admin", "X-Roles": "admin" }));
    expect(r.status).toBe(401);
    const r2 = await fetchWith(
      STRICT,
      req("/v2/images", { "X-Auth-Token": "tok-a", "X-Project-Id": "evil", "X-Roles": "admin" }, { method: "POST", body: "{}" }),
    );
    expect(r2.status).toBe(201);
    expect((await r2.json<any>()).owner).toBe("strictA");
  });

  it("a configured token works", async () => {
    const r = await fetchWith(STRICT, req("/v2/images", { "X-Auth-Token": "tok-a" }));
    expect(r.status).toBe(200);
  });

  it("version discovery needs no token", async () => {
    expect((await fetchWith(STRICT, req("/"))).status).toBe(300);
    expect((await fetchWith(STRICT, req("/versions"))).status).toBe(200);
  });

  it("anonymous access when allowed: secure-RBAC defaults still refuse; a policy override opens reads", async () => {
    const vars = { ...STRICT, GLANCE_CONFIG: JSON.stringify({ allow_anonymous_access: true }) };
    expect((await fetchWith(vars, req("/v2/images"))).status).toBe(403);
    const open = { ...vars, POLICY: JSON.stringify({ get_images: "", add_image: "" }) };
    const list = await fetchWith(open, req("/v2/images"));
    expect(list.status).toBe(200);
    const w = await fetchWith(open, req("/v2/images", {}, { method: "POST", body: "{}" }));
    expect(w.status).toBe(403);
    expect(await w.text()).toContain("Read-only access");
  });
});

describe("configuration", () => {
  it("a bad configuration is a clear 500 naming the problem, not a crash", async () => {
    const r = await fetchWith({ GLANCE_CONFIG: JSON.stringify({ image_tag_quota: "many" }) }, req("/v2/images"));
    expect(r.status).toBe(500);
    expect(await r.text()).toContain("image_tag_quota");
  });
});
