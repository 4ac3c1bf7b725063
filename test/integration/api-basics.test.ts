import { describe, expect, it } from "vitest";
import { call, createImage, json } from "../helpers/api";

describe("version discovery", () => {
  it("GET / is 300 with the versions document; /versions is 200", async () => {
    const r = await call("GET", "/");
    expect(r.status).toBe(300);
    const doc = await json(r);
    expect(doc.versions[0]).toEqual({ id: "v2.17", status: "CURRENT", links: [{ rel: "self", href: "http://localhost/v2/" }] });
    expect(doc.versions.filter((v: any) => v.status === "CURRENT")).toHaveLength(1);
    expect(doc.versions.map((v: any) => v.id)).toContain("v2.0");
    const v = await call("GET", "/versions");
    expect(v.status).toBe(200);
    expect(await json(v)).toEqual(doc);
  });

  it("unknown versions and unknown root paths get the 300 document", async () => {
    expect((await call("GET", "/v3/images")).status).toBe(300);
    expect((await call("GET", "/v1/images")).status).toBe(300);
    expect((await call("GET", "/anything")).status).toBe(300);
  });

  it("minor-version prefixes route to v2", async () => {
    const img = await createImage();
    for (const prefix of ["v2.0", "v2.5", "v2.17"]) {
      const r = await call("GET", `/${prefix}/images/${img.id}`);
      expect(r.status).toBe(200);
    }
  });

  it("healthcheck", async () => {
    const r = await call("GET", "/healthcheck");
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("OK");
  });
});

describe("routing errors", () => {
  it("404 for unknown /v2 paths", async () => {
    const r = await call("GET", "/v2/nothing-here");
    expect(r.status).toBe(404);
    expect(await json(r)).toMatchObject({ code: "404 Not Found", title: "Not Found" });
  });

  it("405 with Allow for a known path with a wrong method", async () => {
    const r = await call("PUT", "/v2/images");
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET, POST");
    const img = await createImage();
    const r2 = await call("POST", `/v2/images/${img.id}`);
    expect(r2.status).toBe(405);
    expect(r2.headers.get("Allow")?.split(", ").sort()).toEqual(["DELETE", "GET", "PATCH"]);
    const r3 = await call("GET", `/v2/images/${img.id}/actions/deactivate`);
    expect(r3.status).toBe(405);
    expect(r3.headers.get("Allow")).toBe("POST");
  });

  it("HEAD on API resources is 405 with Allow, as in Glance (measured: same codes and Allow lists); / and /versions answer it", async () => {
    const img = await createImage();
    for (const [path, allow] of [
      ["/v2/images", ["GET", "POST"]],
      [`/v2/images/${img.id}`, ["DELETE", "GET", "PATCH"]],
      [`/v2/images/${img.id}/file`, ["GET", "PUT"]],
      ["/v2/schemas/image", ["GET"]],
    ] as const) {
      const r = await call("HEAD", path);
      expect(r.status, path).toBe(405);
      expect(r.headers.get("Allow")?.split(", ").sort(), path).toEqual(allow);
    }
    expect((await call("HEAD", "/v2/nothing-here")).status).toBe(404);
    expect((await call("HEAD", "/versions")).status).toBe(200);
    expect((await call("HEAD", "/")).status).toBe(300);
  });

  it("501 for a method outside Glance's set", async () => {
    expect((await call("OPTIONS", "/v2/images")).status).toBe(501);
  });
});

describe("request ids", () => {
  it("every response carries one, errors included", async () => {
    for (const path of ["/", "/versions", "/v2/images", "/v2/nope", `/v2/images/${crypto.randomUUID()}`]) {
      const r = await call("GET", path);
      expect(r.headers.get("x-openstack-request-id"), path).toMatch(/^req-[0-9a-f-]{36}$/);
    }
  });

  it("adopts an incoming id up to 64 characters, 431 beyond", async () => {
    const r = await call("GET", "/v2/images", { headers: { "X-Openstack-Request-ID": "req-mine-123" } });
    expect(r.headers.get("x-openstack-request-id")).toBe("req-mine-123");
    const long = await call("GET", "/v2/images", { headers: { "X-Openstack-Request-ID": "x".repeat(65) } });
    expect(long.status).toBe(431);
  });
});

describe("error body negotiation (webob)", () => {
  const path = `/v2/images/${crypto.randomUUID()}`;
  it("JSON when JSON is accepted", async () => {
    const r = await call("GET", path, { headers: { Accept: "application/json" } });
    expect(r.headers.get("Content-Type")).toBe("application/json");
  });
  it("HTML for */*", async () => {
    const r = await call("GET", path, { headers: { Accept: "*/*" } });
    expect(r.headers.get("Content-Type")).toContain("text/html");
    expect(await r.text()).toContain("<h1>404 Not Found</h1>");
  });
  it("plain text otherwise", async () => {
    const r = await call("GET", path, { headers: { Accept: "image/png" } });
    expect(r.headers.get("Content-Type")).toContain("text/plain");
    expect(await r.text()).toMatch(/^404 Not Found\n\nNo image found with ID/);
  });
});
