import { describe, expect, it } from "vitest";
import { ADMIN, OWNER, READER, call, json } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";

const SERVICE = "svc:service";

describe("GET /v2/info/import", () => {
  it("lists the enabled import methods (Glance's defaults, or the configured ones)", async () => {
    const r = await call("GET", "/v2/info/import", { token: READER });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      "import-methods": { description: "Import methods available.", type: "array", value: ["glance-direct", "web-download", "copy-image"] },
    });
    const vars = { GLANCE_CONFIG: JSON.stringify({ enabled_import_methods: ["copy-image", "glance-download"] }) };
    const custom = await fetchWith(vars, new Request("http://localhost/v2/info/import", { headers: { "X-Auth-Token": OWNER } }));
    expect((await custom.json<any>())["import-methods"].value).toEqual(["copy-image", "glance-download"]);
  });

  it("needs authentication and answers 405 to other methods", async () => {
    expect((await fetchWith({ AUTH_MODE: "strict" }, new Request("http://localhost/v2/info/import"))).status).toBe(401);
    const r = await call("POST", "/v2/info/import", { token: ADMIN, body: {} });
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET");
  });
});

describe("GET /v2/info/stores", () => {
  it("lists every store with its description; the default one says so with the string \"true\"", async () => {
    const body = await json(await call("GET", "/v2/info/stores", { token: READER }));
    expect(body).toEqual({
      stores: [
        { id: "store1", description: "R2 store 1", default: "true" },
        { id: "store2", description: "R2 store 2" },
      ],
    });
  });

  it("follows the STORES configuration (default store, no description, os_glance_* hidden)", async () => {
    const STORES = JSON.stringify([
      { id: "fast", binding: "STORE1" },
      { id: "cold", binding: "STORE2", default: true, weight: 5 },
      { id: "os_glance_staging_store", binding: "STORE2" },
    ]);
    const r = await fetchWith({ STORES }, new Request("http://localhost/v2/info/stores", { headers: { "X-Auth-Token": OWNER } }));
    expect(await r.json()).toEqual({ stores: [{ id: "fast" }, { id: "cold", default: "true" }] });
    const d = await fetchWith({ STORES }, new Request("http://localhost/v2/info/stores/detail", { headers: { "X-Auth-Token": ADMIN } }));
    expect((await d.json<any>()).stores[1]).toEqual({ id: "cold", default: "true", type: "r2", weight: 5, properties: { bucket_binding: "STORE2" } });
  });
});

describe("GET /v2/info/stores/detail", () => {
  it("admins and services get type, weight and properties", async () => {
    for (const token of [ADMIN, SERVICE]) {
      const r = await call("GET", "/v2/info/stores/detail", { token });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({
        stores: [
          { id: "store1", description: "R2 store 1", default: "true", type: "r2", weight: 0, properties: { bucket_binding: "STORE1" } },
          { id: "store2", description: "R2 store 2", type: "r2", weight: 0, properties: { bucket_binding: "STORE2" } },
        ],
      });
    }
  });

  it("403 for project members and readers (policy stores_info_detail)", async () => {
    for (const token of [OWNER, READER]) {
      const r = await call("GET", "/v2/info/stores/detail", { token });
      expect(r.status).toBe(403);
      expect((await r.json<any>()).message).toContain("You are not authorized to complete stores_info_detail action.");
    }
    const opened = await fetchWith(
      { POLICY: JSON.stringify({ stores_info_detail: "role:member" }) },
      new Request("http://localhost/v2/info/stores/detail", { headers: { "X-Auth-Token": OWNER } }),
    );
    expect(opened.status).toBe(200);
  });
});
