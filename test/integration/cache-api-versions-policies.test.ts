import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call } from "../helpers/api";
import { activeImage, deployment, rowOf } from "../helpers/cache-api";

// The cache management API (/v2/cache, Image API 2.14-2.18): the version document it changes, and
// its policies. Bookkeeping comes from real fills and hits of the Cache API.
const SERVICE = "svcproj:service";

describe("the version document follows the cache API", () => {
  it("off (the default): CURRENT v2.17, no 2.14/2.16/2.18, and those prefixes get the 300 document", async () => {
    const doc = await (await call("GET", "/versions")).json<any>();
    const ids = doc.versions.map((v: any) => v.id);
    expect(doc.versions[0]).toMatchObject({ id: "v2.17", status: "CURRENT" });
    expect(ids).toEqual(["v2.17", "v2.15", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]);
    for (const v of ["v2.14", "v2.16", "v2.18"]) expect((await call("GET", `/${v}/images`)).status).toBe(300);
    expect((await call("GET", "/v2.17/images")).status).toBe(200);
  });

  it("on: CURRENT v2.18 with 2.14 and 2.16 SUPPORTED; /v2.18/cache answers", async () => {
    const d = deployment();
    const doc = await (await d.fetch("GET", "/versions")).json<any>();
    expect(doc.versions.filter((v: any) => v.status === "CURRENT")).toEqual([{ id: "v2.18", status: "CURRENT", links: [{ rel: "self", href: "http://localhost/v2/" }] }]);
    expect(doc.versions.map((v: any) => v.id)).toEqual(["v2.18", "v2.17", "v2.16", "v2.15", "v2.14", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]);
    for (const v of ["v2.14", "v2.16", "v2.18"]) expect((await d.fetch("GET", `/${v}/cache`)).status).toBe(200);
    expect((await d.fetch("GET", "/v2.19/cache")).status).toBe(300);
  });
});

describe("policies (admin only) are checked before the cache API's 404", () => {
  const routes = (id: string): [string, string, Record<string, string>?][] => [
    ["GET", "/v2/cache"],
    ["PUT", `/v2/cache/${id}`],
    ["DELETE", `/v2/cache/${id}`],
    ["DELETE", "/v2/cache", { "x-image-cache-clear-target": "cache" }],
    ["POST", "/v2/cache/clean"],
    ["POST", "/v2/cache/prune"],
    ["GET", `/v2/cache/nodes/${id}`],
  ];

  it("off: 403 for members, readers, services and other projects; 404 'not supported' for admins", async () => {
    const { id } = await activeImage(100);
    for (const [method, path, headers] of routes(id)) {
      for (const token of [OWNER, READER, OTHER, SERVICE]) {
        const r = await call(method, path, { token, headers });
        expect(r.status, `${method} ${path} ${token}`).toBe(403);
      }
      const r = await call(method, path, { token: ADMIN, headers });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect((await r.json<any>()).message).toContain("Caching via API is not supported at this site.");
    }
  });

  it("on: 403 for every caller but an admin, and nothing changes", async () => {
    const d = deployment({}, true);
    const { id } = await activeImage(100);
    for (const [method, path, headers] of routes(id)) {
      for (const token of [OWNER, READER, OTHER, SERVICE]) {
        const r = await d.fetch(method, path, { token, headers });
        expect(r.status, `${method} ${path} ${token}`).toBe(403);
        expect((await r.json<any>()).message).toContain("Access was denied to this resource.");
      }
    }
    expect(d.captured).toEqual([]);
    expect(await rowOf(id)).toBeNull();
  });
});
