import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkCall } from "../../src/registry";
import { dataRepositories } from "../../src/wiring";
import { call, createImage } from "../helpers/api";

// The registry layer (README "The registry layer"). The whole integration suite runs a second time
// in the vitest project "registry" (GLANCE_DATA_API=registry); these cases are about the layer itself.
const registryMode = (env as { GLANCE_DATA_API?: string }).GLANCE_DATA_API === "registry";

describe("registry layer", () => {
  it("refuses a call without the caller's context", () => {
    expect(() => checkCall(undefined)).toThrow(/refused a call without the caller's context/);
    expect(() => checkCall({ origin: "somebody", requestId: null })).toThrow(/refused/);
    expect(() => checkCall({ origin: "api" })).toThrow(/refused/);
    expect(() => checkCall({ origin: "queue", requestId: null })).not.toThrow();
  });

  it.runIf(registryMode)("the binding serves a call that carries the context (the refusal itself is checkCall, above)", async () => {
    const registry = (env as unknown as { REGISTRY: { images(c: unknown): Promise<unknown> & { get(id: string): Promise<unknown> } } }).REGISTRY;
    await expect(registry.images({ origin: "api", requestId: "req-1" }).get(crypto.randomUUID())).resolves.toBeNull();
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
});
