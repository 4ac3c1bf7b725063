import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, call, createImage, json, sinkEvents } from "../helpers/api";
import { MiB, bytes, digest, download, objectsOf, rowOf, show, upload } from "../helpers/image-data";
import { ORIGIN, deployment, importCall, taskOf, waitTask, withConfig } from "../helpers/imports";

const STORES3 = JSON.stringify([
  { id: "store1", binding: "STORE1", description: "R2 store 1", default: true },
  { id: "store2", binding: "STORE2", description: "R2 store 2" },
  { id: "bad", binding: "BAD", description: "a bucket that refuses every write" },
]);
/** An R2 binding whose writes all fail (a store outage). */
const BAD: Partial<R2Bucket> = {
  put: async () => {
    throw new Error("R2 unavailable");
  },
  createMultipartUpload: async () => {
    throw new Error("R2 unavailable");
  },
  get: async () => null,
  head: async () => null,
  delete: async () => {},
};
const withBadStore = (config: Record<string, unknown> = {}) => deployment({ STORES: STORES3, BAD, ...withConfig(config) });

async function activeImage(data = bytes(MiB + 9, 4), token = OWNER, body: Record<string, unknown> = {}) {
  const img = await createImage(body, token);
  expect((await upload(img.id, data, { token })).status).toBe(204);
  return img;
}

describe("multiple stores", () => {
  it("GET /v2/info/stores lists store1 (default) and store2", async () => {
    const r = await json(await call("GET", "/v2/info/stores"));
    expect(r.stores.map((s: any) => s.id)).toEqual(["store1", "store2"]);
    expect(r.stores[0].default).toBe("true");
  });

  it("copy-image to store2 (admin): same bytes there, image stays active, bookkeeping cleared", async () => {
    const data = bytes(2 * MiB + 1, 8);
    const img = await activeImage(data);
    const r = await importCall(img.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN });
    expect(r.status).toBe(202);
    const task = await waitTask(img.id);
    expect(task).toMatchObject({ status: "success", owner: "admin" });
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", stores: "store1,store2", os_glance_importing_to_stores: "", os_glance_failed_import: "" });
    const copies = await objectsOf(img.id, env.STORE2);
    expect(copies).toHaveLength(1);
    const copy = await env.STORE2.get(copies[0]);
    expect(await digest("SHA-512", await copy!.arrayBuffer())).toBe(await digest("SHA-512", data));
  });

  it("download prefer=store2 reads store2 first; unknown store 400; download_from_store policy 403", async () => {
    const data = bytes(100_000, 5);
    const img = await activeImage(data);
    expect((await importCall(img.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    // make store1's copy differ, to see which store a download reads
    const [k1] = await objectsOf(img.id, env.STORE1);
    await env.STORE1.put(k1, bytes(100_000, 6));
    const plain = await (await download(img.id)).arrayBuffer();
    expect(await digest("SHA-512", plain)).not.toBe(await digest("SHA-512", data));
    const preferred = await call("GET", `/v2/images/${img.id}/file?prefer=store2`);
    expect(preferred.status).toBe(200);
    expect(await digest("SHA-512", await preferred.arrayBuffer())).toBe(await digest("SHA-512", data));
    expect((await call("GET", `/v2/images/${img.id}/file?prefer=store9`)).status).toBe(400);
    const d = deployment({ POLICY: JSON.stringify({ download_from_store: "role:admin" }) });
    expect((await d.fetch("GET", `/v2/images/${img.id}/file?prefer=store2`)).status).toBe(403);
    expect((await d.fetch("GET", `/v2/images/${img.id}/file?prefer=store2`, { token: ADMIN })).status).toBe(200);
  });

  it("DELETE /v2/stores/{store}/{image}: 204 drops that copy; the only copy is 403; other codes as Glance", async () => {
    const img = await activeImage();
    expect((await importCall(img.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    // unknown store 409, non-admin 403 (delete_image_location), invisible 404
    expect((await call("DELETE", `/v2/stores/nope/${img.id}`, { token: ADMIN })).status).toBe(409);
    expect((await call("DELETE", `/v2/stores/store2/${img.id}`, { token: OWNER })).status).toBe(403);
    expect((await call("DELETE", `/v2/stores/store2/${img.id}`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `/v2/stores/store2/${crypto.randomUUID()}`, { token: ADMIN })).status).toBe(404);

    const r = await call("DELETE", `/v2/stores/store2/${img.id}`, { token: ADMIN });
    expect(r.status).toBe(204);
    expect((await show(img.id)).stores).toBe("store1");
    await vi.waitFor(async () => expect(await objectsOf(img.id, env.STORE2)).toEqual([]));
    expect((await download(img.id)).status).toBe(200);
    const last = await call("DELETE", `/v2/stores/store1/${img.id}`, { token: ADMIN });
    expect(last.status).toBe(403);
    expect((await json(last)).message).toContain("Cannot delete image data from the only store containing it");
    // not active → 409
    const queued = await createImage();
    expect((await call("DELETE", `/v2/stores/store1/${queued.id}`, { token: ADMIN })).status).toBe(409);
    // a store it is not in (with two copies elsewhere) → 404
    const d = deployment({ STORES: STORES3, BAD });
    const two = await activeImage();
    expect((await importCall(two.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN })).status).toBe(202);
    expect((await waitTask(two.id)).status).toBe("success");
    const miss = await d.fetch("DELETE", `/v2/stores/bad/${two.id}`, { token: ADMIN });
    expect(miss.status).toBe(404);
    expect((await json(miss)).message).toContain(`Image ${two.id} is not stored in store bad.`);
    // and copying back into a store the data was removed from works
    expect((await importCall(img.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    expect((await show(img.id)).stores).toBe("store1,store2");
  });

  it("copy-image, all_stores_must_succeed=true, one store failing: the new copy is removed, the image stays active", async () => {
    const d = withBadStore();
    const img = await activeImage();
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, stores: ["store2", "bad"] } });
    expect(r.status).toBe(202);
    await d.run();
    const task = await taskOf(img.id);
    expect(task.status).toBe("failure");
    expect(task.message).toContain("store bad");
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", stores: "store1", os_glance_failed_import: "bad", os_glance_importing_to_stores: "" });
    await vi.waitFor(async () => expect(await objectsOf(img.id, env.STORE2)).toEqual([]));
    expect(await objectsOf(img.id, env.STORE1)).toHaveLength(1);
  });

  it("copy-image, all_stores_must_succeed=false, one store failing: the good copy stays, the bad store is listed", async () => {
    const d = withBadStore();
    const img = await activeImage();
    const body = { method: { name: "copy-image" }, stores: ["bad", "store2"], all_stores_must_succeed: false };
    expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body })).status).toBe(202);
    await d.run();
    expect((await taskOf(img.id)).status).toBe("success");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", stores: "store1,store2", os_glance_failed_import: "bad", os_glance_importing_to_stores: "" });
    // a later copy to that store clears it from the failed list while it runs (and fails again here)
    expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, stores: ["bad"] } })).status).toBe(202);
    await d.run();
    expect((await show(img.id, OWNER)).os_glance_failed_import).toBe("bad");
  });

  it("web-download to a good and a failing store: true → back to queued with nothing kept; false → active in the good one", async () => {
    const d = withBadStore();
    const url = `${ORIGIN}/bytes/${MiB}/31`;
    const strict = await createImage();
    const a = await d.fetch("POST", `/v2/images/${strict.id}/import`, { body: { method: { name: "web-download", uri: url }, stores: ["store1", "bad"] } });
    expect(a.status).toBe(202);
    await d.run();
    expect((await taskOf(strict.id)).status).toBe("failure");
    expect(await show(strict.id, OWNER)).toMatchObject({ status: "queued", size: null, checksum: null, os_glance_failed_import: "bad" });
    expect((await show(strict.id, OWNER)).stores).toBeUndefined();
    await vi.waitFor(async () => expect(await objectsOf(strict.id)).toEqual([]));
    const lenient = await createImage();
    const body = { method: { name: "web-download", uri: url }, stores: ["bad", "store1"], all_stores_must_succeed: false };
    expect((await d.fetch("POST", `/v2/images/${lenient.id}/import`, { body })).status).toBe(202);
    await d.run();
    expect((await taskOf(lenient.id)).status).toBe("success");
    expect(await show(lenient.id, OWNER)).toMatchObject({ status: "active", stores: "store1", os_glance_failed_import: "bad" });
    // the failing store's image.upload is an ERROR carrying the reason; image.prepare named each store
    await vi.waitFor(
      async () => {
        const errors = (await sinkEvents("image.upload")).filter((e) => e.priority === "ERROR" && String(e.payload).includes(lenient.id));
        expect(errors).toHaveLength(1);
        expect(errors[0].payload).toContain("store bad");
        const prepared = (await sinkEvents("image.prepare")).filter((e) => e.payload.id === lenient.id).map((e) => e.payload.backend);
        expect(prepared).toEqual(["bad", "store1"]);
      },
      { timeout: 15_000, interval: 50 },
    );
    // every store failing with all_stores_must_succeed=false: "None of the uploads finished!"
    const none = await createImage();
    const nb = { method: { name: "web-download", uri: url }, stores: ["bad"], all_stores_must_succeed: false };
    expect((await d.fetch("POST", `/v2/images/${none.id}/import`, { body: nb })).status).toBe(202);
    await d.run();
    expect(await taskOf(none.id)).toMatchObject({ status: "failure", message: "None of the uploads finished!" });
    expect((await rowOf(none.id)).status).toBe("queued");
  });

  it("X-Image-Meta-Store on PUT /file puts the data in that store; unknown → 400", async () => {
    const img = await createImage();
    expect((await upload(img.id, bytes(10), { headers: { "X-Image-Meta-Store": "store9" } })).status).toBe(400);
    expect((await upload(img.id, bytes(10), { headers: { "X-Image-Meta-Store": "store2" } })).status).toBe(204);
    expect((await show(img.id)).stores).toBe("store2");
    expect(await objectsOf(img.id, env.STORE2)).toHaveLength(1);
  });
});
