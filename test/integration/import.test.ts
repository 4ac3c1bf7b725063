import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, sinkEvents } from "../helpers/api";
import { MiB, bytes, digest, download, objectsOf, rowOf, show, upload } from "../helpers/image-data";
import { ORIGIN, REMOTE_GLANCE, REMOTE_IMAGE, deployment, digestsOf, importCall, originLog, stage, taskOf, waitTask, withConfig } from "../helpers/imports";

const stagedKeys = async (id: string) => (await env.STORE1.list({ prefix: `staging/${id}/` })).objects.map((o) => o.key);
const events = async (type: string, id: string) => (await sinkEvents(type)).filter((e) => e.payload?.id === id || e.payload?.image_id === id);
const GLANCE_DOWNLOAD = withConfig({
  enabled_import_methods: ["glance-direct", "web-download", "copy-image", "glance-download"],
  glance_download_endpoints: { RegionTwo: REMOTE_GLANCE },
});

describe("import methods, end to end through the queue", () => {
  it("glance-direct: stage, import → 202 with no body; the task runs from the queue; hashes verified", async () => {
    const img = await createImage();
    const data = bytes(5 * MiB + 11, 3);
    expect((await stage(img.id, data)).status).toBe(204);
    const r = await importCall(img.id, { method: { name: "glance-direct" } });
    expect(r.status).toBe(202);
    expect(await r.text()).toBe("");
    const task = await waitTask(img.id);
    expect(task).toMatchObject({ type: "api_image_import", status: "success", image_id: img.id, result: { image_id: img.id }, owner: "projA" });
    expect(task.input).toEqual({ image_id: img.id, import_req: { method: { name: "glance-direct" } }, backend: ["store1"] });
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({
      status: "active",
      size: data.length,
      checksum: await digest("MD5", data),
      os_hash_algo: "sha512",
      os_hash_value: await digest("SHA-512", data),
      stores: "store1",
      os_glance_importing_to_stores: "",
      os_glance_failed_import: "",
    });
    expect(after).not.toHaveProperty("os_glance_import_task");
    const got = await (await download(img.id)).arrayBuffer();
    expect(await digest("SHA-512", got)).toBe(after.os_hash_value);
    // the staged copy is gone, one object holds the data
    await vi.waitFor(async () => expect(await stagedKeys(img.id)).toEqual([]));
    expect(await objectsOf(img.id)).toHaveLength(1);
    // visible through the tasks API too (admin)
    const viaTasks = await json(await call("GET", `/v2/tasks/${task.id}`, { token: ADMIN }));
    expect(viaTasks).toMatchObject({ id: task.id, type: "api_image_import", status: "success" });
    const list = await json(await call("GET", "/v2/tasks?sort_key=created_at", { token: ADMIN }));
    expect(list.tasks.some((t: any) => t.id === task.id)).toBe(true);
  });

  it("glance-direct notifies like Glance: task.*, image.prepare with the store, image.upload, image.activate", async () => {
    const img = await createImage();
    expect((await stage(img.id, bytes(1000))).status).toBe(204);
    expect((await importCall(img.id, { method: { name: "glance-direct" } })).status).toBe(202);
    const task = await waitTask(img.id);
    await vi.waitFor(async () => {
      const taskEvents = (await sinkEvents()).filter((e) => e.payload?.id === task.id).map((e) => e.event_type);
      expect(taskEvents).toEqual(["task.create", "task.processing", "task.success", "task.run"]);
      const prepare = await events("image.prepare", img.id);
      expect(prepare).toHaveLength(1);
      expect(prepare[0].payload).toMatchObject({ backend: "store1", os_glance_importing_to_stores: ["store1"], os_glance_failed_import: [] });
      expect(await events("image.upload", img.id)).toHaveLength(1);
      expect((await events("image.activate", img.id))[0].payload.status).toBe("active");
    }, { timeout: 15_000, interval: 50 });
  });

  it("web-download of a chunked body bigger than one part streams into R2 in parts; multihash verified", async () => {
    const img = await createImage();
    const url = `${ORIGIN}/bytes/${20 * MiB + 3}/9?chunked=1`;
    expect((await importCall(img.id, { method: { name: "web-download", uri: url } })).status).toBe(202);
    const task = await waitTask(img.id, 60_000);
    expect(task.status, task.message).toBe("success");
    expect(task.message).toMatch(/^Copied \d+ MiB$/);
    const expected = await digestsOf(url);
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: 20 * MiB + 3, checksum: expected.md5, os_hash_value: expected.sha512 });
    const got = await (await download(img.id)).arrayBuffer();
    expect(await digest("SHA-512", got)).toBe(expected.sha512);
  });

  it("web-download into two stores (X-Image-Meta-Store / stores); the second copy is read back from the first", async () => {
    const img = await createImage();
    const url = `${ORIGIN}/bytes/${MiB + 1}/21`;
    const r = await importCall(img.id, { method: { name: "web-download", uri: url }, stores: ["store2", "store1"] });
    expect(r.status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    const after = await show(img.id, OWNER);
    expect(after.stores.split(",").sort()).toEqual(["store1", "store2"]);
    expect(after.os_hash_value).toBe((await digestsOf(url)).sha512);
    // the origin served the data once: the second store was filled from the first
    const hits = (await originLog(`/bytes/${MiB + 1}/21`)).length;
    expect(hits).toBe(2); // once by the import, once by digestsOf above

    const viaHeader = await createImage();
    const h = await importCall(viaHeader.id, { method: { name: "web-download", uri: url } }, { headers: { "X-Image-Meta-Store": "store2" } });
    expect(h.status).toBe(202);
    expect((await waitTask(viaHeader.id)).status).toBe("success");
    expect((await show(viaHeader.id)).stores).toBe("store2");
  });

  it("glance-download: the remote image's formats and chosen properties, its data with the caller's token, verified", async () => {
    const d = deployment(GLANCE_DOWNLOAD);
    const img = await createImage({ disk_format: "raw", container_format: "bare" });
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, {
      body: { method: { name: "glance-download", glance_region: "RegionTwo", glance_image_id: REMOTE_IMAGE } },
    });
    expect(r.status).toBe(202);
    expect(await d.run()).toHaveLength(1);
    const task = await taskOf(img.id);
    expect(task.status, task.message).toBe("success");
    expect(task.input.import_req.method.glance_service_interface).toBe("public");
    const remote = await digestsOf(`${REMOTE_GLANCE}/v2/images/${REMOTE_IMAGE}/file`, { "X-Auth-Token": "x" });
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({
      status: "active",
      disk_format: "qcow2",
      container_format: "ovf",
      size: 3 * MiB + 17,
      os_hash_value: remote.sha512,
      checksum: remote.md5,
      hw_disk_bus: "scsi",
      os_distro: "debian",
    });
    expect(after).not.toHaveProperty("owner_specified");
    expect(after).not.toHaveProperty("os_glance_import_task");
    const calls = (await originLog(REMOTE_IMAGE)).filter((e) => e.token !== "x");
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((e) => e.token === OWNER)).toBe(true);
  });

  it("glance-download failures: a remote image that is not active, data of another size (metadata restored), an unknown region", async () => {
    const d = deployment(GLANCE_DOWNLOAD);
    const start = async (remoteId: string, region = "RegionTwo") => {
      const img = await createImage({ disk_format: "raw", container_format: "bare" });
      const r = await d.fetch("POST", `/v2/images/${img.id}/import`, {
        body: { method: { name: "glance-download", glance_region: region, glance_image_id: remoteId } },
      });
      expect(r.status).toBe(202);
      await d.run();
      return { img, task: await taskOf(img.id), after: await show(img.id, OWNER) };
    };
    const queued = await start("aaaaaaaa-0000-4000-8000-000000000002");
    expect(queued.task).toMatchObject({ status: "failure", message: "Source image status should be active instead of queued" });
    expect(queued.after).toMatchObject({ status: "queued", disk_format: "raw" });

    const lying = await start("aaaaaaaa-0000-4000-8000-000000000003");
    expect(lying.task.status).toBe("failure");
    expect(lying.task.message).toContain("is different from expected");
    expect(lying.after).toMatchObject({ status: "queued", disk_format: "raw", size: null, checksum: null });
    expect(lying.after).not.toHaveProperty("hw_disk_bus");
    expect(await objectsOf(lying.img.id)).toEqual([]);

    const nowhere = await start(REMOTE_IMAGE, "Atlantis");
    expect(nowhere.task.message).toContain("No Glance endpoint is configured for region 'Atlantis'");
    expect(nowhere.after.status).toBe("queued");
  });
});

describe("POST /v2/images/{id}/import: every precondition, in Glance's order", () => {
  const code = async (id: string, body: unknown, o: { token?: string; headers?: Record<string, string> } = {}) => {
    const r = await importCall(id, body, o);
    return [r.status, (await r.text()).slice(0, 400)] as const;
  };

  it("400 for the body: missing, no method, no name, unknown or disabled method, non-boolean flags", async () => {
    const img = await createImage();
    const noBody = await call("POST", `/v2/images/${img.id}/import`);
    expect(noBody.status).toBe(400);
    expect((await code(img.id, {}))[1]).toContain("Import request requires a 'method' field.");
    expect((await code(img.id, { method: {} }))[1]).toContain("Import request requires a 'name' field.");
    expect((await code(img.id, { method: { name: "ftp-push" } }))[1]).toContain("Unknown import method name 'ftp-push'.");
    expect((await code(img.id, { method: { name: "glance-download" } }))[0]).toBe(400); // not enabled by default
    expect((await code(img.id, { method: { name: "web-download", uri: `${ORIGIN}/x` }, all_stores_must_succeed: "yes" }))[1]).toContain(
      "'all_stores_must_succeed' must be boolean value only",
    );
    expect((await code(img.id, { method: { name: "web-download", uri: `${ORIGIN}/x` }, all_stores: 1 }))[1]).toContain("'all_stores' must be boolean value only");
    // the body is checked before the image: an unknown image with a bad body is a 400
    expect((await code(crypto.randomUUID(), { method: {} }))[0]).toBe(400);
    expect((await rowOf(img.id)).status).toBe("queued");
  });

  it("413 when the project is already over image_size_total (checked before the image)", async () => {
    const p = `imq-${crypto.randomUUID().slice(0, 8)}`;
    const token = `${p}:member,reader`;
    const d = deployment(withConfig({ unified_limits: { image_size_total: 1 } }));
    const full = await createImage({}, token);
    expect((await upload(full.id, bytes(2 * MiB), { token })).status).toBe(204);
    const img = await createImage({}, token);
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { token, body: { method: { name: "web-download", uri: `${ORIGIN}/x` } } });
    expect(r.status).toBe(413);
    expect((await json(r)).message).toContain("image_size_total");
    expect((await d.fetch("POST", `/v2/images/${crypto.randomUUID()}/import`, { token, body: { method: { name: "web-download" } } })).status).toBe(413);
    expect(d.captured).toEqual([]);
  });

  it("404 for an unknown or invisible image; 409 for the wrong status or missing formats", async () => {
    const wd = { method: { name: "web-download", uri: `${ORIGIN}/bytes/10/1` } };
    expect((await code(crypto.randomUUID(), wd))[0]).toBe(404);
    const priv = await createImage();
    expect((await code(priv.id, wd, { token: OTHER }))[0]).toBe(404);

    const active = await createImage();
    expect((await upload(active.id, bytes(10))).status).toBe(204);
    expect(await code(active.id, wd)).toEqual([409, expect.stringContaining("Image with status active cannot be target for import")]);
    const queued = await createImage();
    expect(await code(queued.id, { method: { name: "copy-image" } }, { token: ADMIN })).toEqual([409, expect.stringContaining("Only images with status active")]);
    expect(await code(queued.id, { method: { name: "glance-direct" } })).toEqual([409, expect.stringContaining("needs to be staged")]);
    const staged = await createImage();
    expect((await stage(staged.id, bytes(10))).status).toBe(204);
    expect(await code(staged.id, wd)).toEqual([409, expect.stringContaining("Image needs to be in 'queued' state to use 'web-download' method")]);
    const noFormat = await createImage({ container_format: null });
    expect(await code(noFormat.id, wd)).toEqual([409, expect.stringContaining("'container_format' needs to be set before import")]);
    const noDisk = await createImage({ disk_format: null });
    expect(await code(noDisk.id, wd)).toEqual([409, expect.stringContaining("'disk_format' needs to be set before import")]);
  });

  it("400 for glance-download without region or image id, or a non-UUID id (after the status checks)", async () => {
    const d = deployment(GLANCE_DOWNLOAD);
    const img = await createImage();
    const send = async (method: Record<string, unknown>) => {
      const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "glance-download", ...method } } });
      return [r.status, (await json(r)).message as string] as const;
    };
    expect(await send({ glance_image_id: REMOTE_IMAGE })).toEqual([400, expect.stringContaining("'glance_region' needs to be set")]);
    expect(await send({ glance_region: "RegionTwo" })).toEqual([400, expect.stringContaining("'glance_image_id' needs to be set")]);
    expect(await send({ glance_region: "RegionTwo", glance_image_id: "not-a-uuid" })).toEqual([400, expect.stringContaining("does not look like a UUID: not-a-uuid")]);
    expect((await upload(img.id, bytes(10))).status).toBe(204);
    expect((await send({}))[0]).toBe(409);
    expect(d.captured).toEqual([]);
  });

  it("403: copy-image is admin-only; another project may not import into an image it can see; readers cannot", async () => {
    const active = await createImage({ visibility: "public" }, ADMIN);
    expect((await upload(active.id, bytes(10), { token: ADMIN })).status).toBe(204);
    expect(await code(active.id, { method: { name: "copy-image" }, stores: ["store2"] })).toEqual([403, expect.stringContaining("copy_image")]);
    const community = await createImage({ visibility: "community" });
    const wd = { method: { name: "web-download", uri: `${ORIGIN}/bytes/10/1` } };
    expect((await code(community.id, wd, { token: OTHER }))[0]).toBe(403);
    expect((await code(community.id, wd, { token: READER }))[0]).toBe(403);
    expect((await rowOf(community.id)).status).toBe("queued");
  });

  it("409 while another import holds the lock (and the lock is visible as os_glance_import_task)", async () => {
    const d = deployment({});
    const img = await createImage();
    const wd = { method: { name: "web-download", uri: `${ORIGIN}/bytes/100/2` } };
    expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { body: wd })).status).toBe(202);
    const held = await show(img.id, OWNER);
    const task = await taskOf(img.id);
    expect(held.os_glance_import_task).toBe(task.id);
    expect(task.status).toBe("pending");
    expect(await code(img.id, wd)).toEqual([409, expect.stringContaining("Image has active task")]);
    // the queued work runs later and releases the lock
    await d.run();
    expect((await taskOf(img.id)).status).toBe("success");
    expect(await show(img.id, OWNER)).not.toHaveProperty("os_glance_import_task");
  });

  it("stores: 409 for an unknown store, 400 for stores with the header or all_stores with either", async () => {
    const img = await createImage();
    const wd = { name: "web-download", uri: `${ORIGIN}/bytes/10/1` };
    expect(await code(img.id, { method: wd, stores: ["store1", "nope"] })).toEqual([409, expect.stringContaining("nope")]);
    expect((await code(img.id, { method: wd }, { headers: { "X-Image-Meta-Store": "nope" } }))[0]).toBe(409);
    expect(await code(img.id, { method: wd, stores: ["store1"] }, { headers: { "X-Image-Meta-Store": "store1" } })).toEqual([
      400,
      expect.stringContaining("can't be both specified"),
    ]);
    expect(await code(img.id, { method: wd, all_stores: true, stores: ["store1"] })).toEqual([400, expect.stringContaining("All_stores parameter")]);
    expect((await code(img.id, { method: wd, all_stores: true }, { headers: { "X-Image-Meta-Store": "store1" } }))[0]).toBe(400);
    expect((await code(img.id, { method: wd, stores: "store1" }))[0]).toBe(400);
    expect((await rowOf(img.id)).status).toBe("queued");
  });

  it("copy-image: 400 into a store that has the data; with all_stores those are skipped (none left: 202, no task)", async () => {
    const img = await createImage();
    expect((await upload(img.id, bytes(10))).status).toBe(204);
    expect(await code(img.id, { method: { name: "copy-image" }, stores: ["store1"] }, { token: ADMIN })).toEqual([
      400,
      expect.stringContaining("Image is already present at store 'store1'"),
    ]);
    const d = deployment({});
    const all = await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, all_stores: true } });
    expect(all.status).toBe(202);
    expect(d.captured).toHaveLength(1);
    expect((await taskOf(img.id)).input.backend).toEqual(["store2"]);
    await d.run();
    expect((await show(img.id)).stores).toBe("store1,store2");
    const again = await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, all_stores: true } });
    expect(again.status).toBe(202);
    expect(d.captured).toEqual([]);
  });
});
