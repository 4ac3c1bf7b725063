import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registryModeToml } from "../../scripts/registry-mode-toml.mjs";
import { checkCall } from "../../src/registry";
import { dataRepositories } from "../../src/wiring";
import wranglerToml from "../../wrangler.toml?raw";
import registryToml from "../../wrangler.registry.toml?raw";
import { call, createImage } from "../helpers/api";

// The registry layer (README "The registry layer"). The whole integration suite runs a second time
// in the vitest project "registry" (GLANCE_DATA_API=registry); these cases are about the layer itself.
const registryMode = (env as { GLANCE_DATA_API?: string }).GLANCE_DATA_API === "registry";

interface RegistryBinding {
  images(c: unknown): Promise<unknown> & { get(id: string): Promise<unknown> };
  fetch(input: string): Promise<Response>;
}
const registryBinding = () => (env as unknown as { REGISTRY: RegistryBinding }).REGISTRY;

describe("registry layer", () => {
  it("refuses a call without the caller's context", () => {
    expect(() => checkCall(undefined)).toThrow(/refused a call without the caller's context/);
    expect(() => checkCall({ origin: "somebody", requestId: null })).toThrow(/refused/);
    expect(() => checkCall({ origin: "api" })).toThrow(/refused/);
    expect(() => checkCall({ origin: "queue", requestId: null })).not.toThrow();
  });

  it.runIf(registryMode)("over the binding: a call with the context is served, one without it refused, and fetch() is 404", async () => {
    const registry = registryBinding();
    await expect(registry.images({ origin: "api", requestId: "req-1" }).get(crypto.randomUUID())).resolves.toBeNull();
    // (awaited as a plain promise: every property read on an RPC promise is a pipelined call of its own)
    const refusal = async (c: unknown) => {
      try {
        await registry.images(c);
        return "served";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(await refusal(undefined)).toMatch(/refused a call without the caller's context/);
    expect(await refusal({ origin: "api" })).toMatch(/refused/);
    expect(await refusal({ origin: "api", requestId: "req-2" })).toBe("served");
    const r = await registry.fetch("http://registry/v2/images");
    expect(r.status).toBe(404);
    await r.arrayBuffer();
  });

  it("configuration: the registry Worker has no public route and owns D1; the API's registry-mode config has no D1 binding", () => {
    expect(registryToml).toMatch(/^main = "src\/registry\/index\.ts"$/m);
    expect(registryToml).toMatch(/^workers_dev = false$/m);
    expect(registryToml).not.toMatch(/^\s*routes?\s*=|^\[\[?routes?\]\]?/m);
    expect(registryToml).toMatch(/^\[\[d1_databases\]\]\nbinding = "DB"[^[]*migrations_dir = "migrations"/m);

    const api = registryModeToml(wranglerToml);
    expect(wranglerToml).toMatch(/^\[\[d1_databases\]\]/m);
    expect(api).not.toMatch(/d1_databases|database_id|migrations_dir/);
    expect(api).toMatch(/^GLANCE_DATA_API = "registry"$/m);
    expect(api).toMatch(/^\[\[services\]\]\nbinding = "REGISTRY"\nservice = "glance-registry"\nentrypoint = "Registry"$/m);
    // everything else of the API Worker stays: its R2 buckets, queues and Durable Objects
    for (const section of ["[[r2_buckets]]", "[[queues.producers]]", "[[durable_objects.bindings]]"]) {
      expect(api.split(section).length, section).toBe(wranglerToml.split(section).length);
    }
  });

  it("the data access layer follows GLANCE_DATA_API; an unknown value is a configuration error", async () => {
    const img = await createImage();
    const repos = dataRepositories(env, { origin: "api", requestId: null });
    expect((await repos.images.get(img.id))?.id).toBe(img.id);
    expect(() => dataRepositories({ ...env, GLANCE_DATA_API: "sideways" }, { origin: "api", requestId: null })).toThrow(/invalid GLANCE_DATA_API/);
    expect(() => dataRepositories({ ...env, GLANCE_DATA_API: "registry", REGISTRY: undefined }, { origin: "api", requestId: null })).toThrow(/REGISTRY service binding/);
  });

  it("a duplicate id is 409 and a missing row 404, in either mode", async () => {
    const img = await createImage();
    expect((await call("POST", "/v2/images", { body: { id: img.id, name: "again" } })).status).toBe(409);
    expect((await call("GET", `/v2/images/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it("a D1 failure mid-batch is a clean 500 with the request id, in either mode (in registry mode it fails inside the registry, across the RPC); nothing of the image is kept and the retry creates it whole", async () => {
    const id = crypto.randomUUID();
    const body = { id, name: "d1-fails", disk_format: "raw", container_format: "bare", p1: "one", tags: ["t1", "t2"] };
    // A real D1 error (not a constraint: malformed JSON), raised by the third statement of the
    // create's batch (its tags), for this image only.
    const trigger = `registry_fault_${id.replace(/-/g, "_")}`;
    await env.DB.prepare(`CREATE TRIGGER ${trigger} BEFORE INSERT ON image_tags WHEN NEW.image_id = '${id}' BEGIN SELECT json('fault injected {'); END`).run();
    try {
      const r = await call("POST", "/v2/images", { body });
      expect(r.status).toBe(500);
      expect(r.headers.get("x-openstack-request-id")).toMatch(/^req-[0-9a-f-]{36}$/);
      const text = await r.text();
      expect(text).not.toMatch(/fault injected|malformed|D1_ERROR|SQLITE|registry|\.ts:\d/i);
      expect(JSON.parse(text).code).toMatch(/^500 /);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    const rows = await env.DB.batch([
      env.DB.prepare("SELECT COUNT(*) AS n FROM images WHERE id = ?").bind(id),
      env.DB.prepare("SELECT COUNT(*) AS n FROM image_properties WHERE image_id = ?").bind(id),
    ]);
    expect(rows.map((x) => (x.results[0] as { n: number }).n)).toEqual([0, 0]);
    expect((await call("GET", `/v2/images/${id}`)).status).toBe(404);

    const again = await call("POST", "/v2/images", { body });
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ id, p1: "one", tags: ["t1", "t2"] });
  });
});
