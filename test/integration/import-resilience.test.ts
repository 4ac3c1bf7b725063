import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { servicesForEnv } from "../../src/wiring";
import { expiredLockMessage } from "../../src/domain/imports/properties";
import { beginTask } from "../../src/domain/tasks/lifecycle";
import type { ImageObject } from "../../src/durable-objects/image-object";
import type { ImportRecord } from "../../src/durable-objects/import-lock";
import { OWNER, call, createImage, json } from "../helpers/api";
import { ageClaims } from "../helpers/faults";
import { MiB, bytes, digest, objectsOf, rowOf, show, upload } from "../helpers/image-data";
import { ORIGIN, deployment, stage, taskOf, withConfig } from "../helpers/imports";

const stub = (id: string) => env.IMAGE_DO.getByName(id);
const locationRows = async (id: string) =>
  (await env.DB.prepare("SELECT store, key, status FROM image_locations WHERE image_id = ? ORDER BY store").bind(id).all<any>()).results;
const TTL_S = 600; // import_lock_ttl's default
/** Sets the lock's last renewal `byS` seconds back (past its lease by default). */
const ageLock = (id: string, byS = TTL_S + 1) =>
  runInDurableObject(stub(id), (_o: ImageObject, state) => {
    const r = state.storage.kv.get<ImportRecord>("import")!;
    state.storage.kv.put("import", { ...r, renewedAt: Date.now() - byS * 1000 });
  });
const lockOf = (id: string) => runInDurableObject(stub(id), (_o: ImageObject, state) => state.storage.kv.get<ImportRecord>("import")!);

/** Starts an import through a deployment whose message is captured (not run); returns the task id. */
async function lockedImport(d: ReturnType<typeof deployment>, id: string, body: unknown, token = OWNER): Promise<string> {
  const r = await d.fetch("POST", `/v2/images/${id}/import`, { token, body });
  expect(r.status).toBe(202);
  return (await taskOf(id)).id;
}

describe("import under failure", () => {
  it("a redelivered message after success changes nothing: one object, one location, same image", async () => {
    const d = deployment({});
    const img = await createImage();
    await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/${MiB + 5}/41` } });
    const message = d.captured[0];
    expect(await d.run()).toHaveLength(1);
    const before = await show(img.id, OWNER);
    expect(before.status).toBe("active");
    d.captured.push(message);
    expect(await d.run(2)).toHaveLength(1); // acknowledged
    expect(await show(img.id, OWNER)).toEqual(before);
    expect(await objectsOf(img.id)).toHaveLength(1);
    expect(await locationRows(img.id)).toHaveLength(1);
  });

  it("a redelivery after a crash mid-import resumes: the done store is kept, the half-written one is redone, nothing duplicated", async () => {
    const d = deployment({});
    const img = await createImage();
    const data = bytes(2 * MiB + 3, 12);
    expect((await stage(img.id, data)).status).toBe(204);
    const taskId = await lockedImport(d, img.id, { method: { name: "glance-direct" }, stores: ["store1", "store2"] });
    // The first delivery: started, store1 written and recorded, store2 written but never recorded, then the Worker died.
    const s = stub(img.id);
    const started = await s.startImport(img.id, taskId);
    expect(started.ok).toBe(true);
    expect((await rowOf(img.id)).status).toBe("importing");
    await beginTask(servicesForEnv(env, () => {}, null), taskId);
    const w1 = await s.beginImportWrite(img.id, taskId, "store1", "first-delivery");
    if (!w1.ok) throw new Error(w1.message);
    await env.STORE1.put(w1.key, data);
    const written = { size: data.length, md5: await digest("MD5", data), sha512: await digest("SHA-512", data), virtualSize: null };
    expect((await s.importStoreWritten(img.id, taskId, "store1", w1.key, written, false)).ok).toBe(true);
    const w2 = await s.beginImportWrite(img.id, taskId, "store2", "first-delivery");
    if (!w2.ok) throw new Error(w2.message);
    await env.STORE2.put(w2.key, "a complete object nobody recorded");
    expect(await ageClaims(img.id, TTL_S)).toEqual(["store2"]); // its claim lapses

    // The message comes again.
    expect(await d.run(2)).toHaveLength(1);
    expect((await taskOf(img.id)).status).toBe("success");
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", stores: "store1,store2", os_hash_value: written.sha512, size: data.length });
    const rows = await locationRows(img.id);
    expect(rows.map((r: any) => [r.store, r.status])).toEqual([
      ["store1", "active"],
      ["store2", "active"],
    ]);
    expect(rows[0].key).toBe(w1.key); // written once
    expect(rows[1].key).not.toBe(w2.key); // the stray object was replaced...
    await vi.waitFor(async () => {
      expect(await objectsOf(img.id, env.STORE1)).toEqual([w1.key]);
      expect(await objectsOf(img.id, env.STORE2)).toEqual([rows[1].key]); // ...and removed
    });
    const copy = await env.STORE2.get(rows[1].key);
    expect(await digest("SHA-512", await copy!.arrayBuffer())).toBe(written.sha512);
  });

  it("two deliveries running at once: the first to claim a store copies it, the other waits (keeping the lock) and then leaves the import to it", async () => {
    const d = deployment({});
    const img = await createImage();
    const taskId = await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/${MiB}/43` } });
    const s = stub(img.id);
    expect((await s.startImport(img.id, taskId)).ok).toBe(true);
    const a = await s.beginImportWrite(img.id, taskId, "store1", "first-delivery");
    if (!a.ok) throw new Error(a.message);
    const data = bytes(MiB, 43);
    await env.STORE1.put(a.key, data);
    // the second delivery: started, its task processing, then asking for store1 while the first holds it
    const second = d.run(2);
    await vi.waitFor(async () => expect((await taskOf(img.id)).status).toBe("processing"));
    await ageLock(img.id, 100);
    await vi.waitFor(async () => expect(Date.now() - (await lockOf(img.id)).renewedAt).toBeLessThan(50_000)); // only its asking renews the lock
    // the first records its copy: the second stands down, acknowledged, writing nothing
    const written = { size: data.length, md5: await digest("MD5", data), sha512: await digest("SHA-512", data), virtualSize: null };
    expect((await s.importStoreWritten(img.id, taskId, "store1", a.key, written, true)).ok).toBe(true);
    expect((await second).filter((x) => x.startsWith("retry:"))).toEqual([]);
    await s.finishImport(img.id, taskId, { success: true });
    expect((await taskOf(img.id)).status).toBe("success");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, os_hash_value: written.sha512 });
    expect((await locationRows(img.id)).map((r: any) => r.key)).toEqual([a.key]);
    expect(await objectsOf(img.id)).toEqual([a.key]);

    const other = await createImage();
    const t2 = await lockedImport(d, other.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/1000/44` } });
    const s2 = stub(other.id);
    expect((await s2.startImport(other.id, t2)).ok).toBe(true);
    const first = await s2.beginImportWrite(other.id, t2, "store1", "a");
    if (!first.ok) throw new Error(first.message);
    expect(await s2.beginImportWrite(other.id, t2, "store1", "b")).toMatchObject({ ok: false, reason: "busy" });
    await env.STORE1.put(first.key, "late");
    // a's claim lapses (a died): b takes store1 over and a's object goes; a, back late, is refused
    expect(await ageClaims(other.id, TTL_S)).toEqual(["store1"]);
    const taken = await s2.beginImportWrite(other.id, t2, "store1", "b");
    expect(taken).toMatchObject({ ok: true, done: false });
    await vi.waitFor(async () => expect(await objectsOf(other.id)).toEqual([]));
    const r = await s2.importStoreWritten(other.id, t2, "store1", first.key, { size: 4, md5: "m", sha512: "s", virtualSize: null }, true);
    expect(r).toMatchObject({ ok: false, reason: "superseded" });
    expect((await rowOf(other.id)).status).toBe("importing"); // b carries on
  });

  it("a lock left by an import that never ran expires: the alarm fails its task and frees the image", async () => {
    const d = deployment({});
    const img = await createImage();
    const wd = { method: { name: "web-download", uri: `${ORIGIN}/bytes/1000/3` } };
    const taskId = await lockedImport(d, img.id, wd);
    const message = d.captured.splice(0);
    const busy = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: wd });
    expect(busy.status).toBe(409);
    expect((await json(busy)).message).toContain("Image has active task");

    await ageLock(img.id);
    expect(await runDurableObjectAlarm(stub(img.id))).toBe(true);
    const task = await json(await call("GET", `/v2/images/${img.id}/tasks`));
    expect(task.tasks[0]).toMatchObject({ id: taskId, status: "failure", message: expiredLockMessage(TTL_S) });
    const after = await show(img.id, OWNER);
    expect(after.status).toBe("queued");
    expect(after).not.toHaveProperty("os_glance_import_task");
    expect(after.os_glance_importing_to_stores ?? "").toBe("");
    // the image takes a new import; the stale message, delivered late, does nothing
    await lockedImport(d, img.id, wd);
    d.captured.unshift(...message);
    await d.run();
    expect((await rowOf(img.id)).status).toBe("active");
    const tasks = (await json(await call("GET", `/v2/images/${img.id}/tasks`))).tasks;
    expect(tasks.map((t: any) => t.status)).toEqual(["failure", "success"]);
  });

  it("a crash mid-write: when the lock expires the image is queued again and the partial object removed", async () => {
    const d = deployment({});
    const img = await createImage();
    const taskId = await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/1000/3` } });
    const s = stub(img.id);
    expect((await s.startImport(img.id, taskId)).ok).toBe(true);
    const w = await s.beginImportWrite(img.id, taskId, "store1", "first-delivery");
    if (!w.ok) throw new Error(w.message);
    await env.STORE1.put(w.key, "half");
    expect((await show(img.id, OWNER)).os_glance_importing_to_stores).toBe("store1");
    await ageLock(img.id);
    expect(await runDurableObjectAlarm(s)).toBe(true);
    expect((await taskOf(img.id)).status).toBe("failure");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "queued", os_glance_importing_to_stores: "" });
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    // the dead import's late steps are refused
    expect(await s.renewImport(img.id, taskId)).toBe("lost");
  });

  it("deleting the image during an import: the import stops, its task fails, nothing is left", async () => {
    const d = deployment({});
    const img = await createImage();
    const taskId = await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/1000/3` } });
    const s = stub(img.id);
    expect((await s.startImport(img.id, taskId)).ok).toBe(true);
    const w = await s.beginImportWrite(img.id, taskId, "store1", "first-delivery");
    if (!w.ok) throw new Error(w.message);
    await env.STORE1.put(w.key, "in flight");
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect(await s.renewImport(img.id, taskId)).toBe("gone");
    await d.run(2);
    const task = (await env.DB.prepare("SELECT status, message FROM tasks WHERE id = ?").bind(taskId).first<any>())!;
    expect(task.status).toBe("failure");
    expect(task.message).toContain("deleted");
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
  });

  it("a source that breaks mid-stream or answers 404 fails the import; the image is queued again with no data, its store failed", async () => {
    const d = deployment({});
    for (const path of [`/broken/${2 * MiB}/5`, "/status/404"]) {
      const img = await createImage();
      await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}${path}` } });
      await d.run();
      const task = await taskOf(img.id);
      expect(task.status).toBe("failure");
      expect(await show(img.id, OWNER)).toMatchObject({ status: "queued", size: null, os_glance_importing_to_stores: "", os_glance_failed_import: "store1" });
      await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
      if (path.startsWith("/status")) expect(task.message).toContain("404");
    }
  });

  it("data over image_size_cap fails the import, announced (Content-Length) or streamed (chunked)", async () => {
    const d = deployment(withConfig({ image_size_cap: 1000 }));
    for (const path of ["/bytes/5000/3", "/bytes/5000/3?chunked=1"]) {
      const img = await createImage();
      await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}${path}` } });
      await d.run();
      const task = await taskOf(img.id);
      expect(task.status).toBe("failure");
      expect(task.message).toContain("image_size_cap");
      expect((await rowOf(img.id)).status).toBe("queued");
      await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    }
  });
});

describe("unified limits during imports", () => {
  const project = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

  it("glance-direct that would go over image_size_total: 202, then the task fails and the image is queued", async () => {
    const token = `${project("q1")}:member,reader`;
    const d = deployment(withConfig({ unified_limits: { image_size_total: 5 } }));
    const first = await createImage({}, token);
    expect((await upload(first.id, bytes(3 * MiB), { token })).status).toBe(204);
    const img = await createImage({}, token);
    expect((await d.fetch("PUT", `/v2/images/${img.id}/stage`, { token, raw: bytes(3 * MiB), headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    await lockedImport(d, img.id, { method: { name: "glance-direct" } }, token);
    await d.run();
    const task = await taskOf(img.id);
    expect(task.status).toBe("failure");
    expect(task.message).toContain("image_size_total is over limit: 3 MiB of 5 MiB used, 3 MiB requested");
    expect(await show(img.id, token)).toMatchObject({ status: "queued", size: null, os_glance_importing_to_stores: "" });
    await vi.waitFor(async () => expect((await env.STORE1.list({ prefix: `staging/${img.id}/` })).objects).toEqual([]));
  });

  it("web-download over image_stage_total and copy-image over image_count_uploading fail their tasks", async () => {
    const token = `${project("q2")}:member,reader`;
    const d = deployment(withConfig({ unified_limits: { image_stage_total: 1 } }));
    const staged = await createImage({}, token);
    expect((await d.fetch("PUT", `/v2/images/${staged.id}/stage`, { token, raw: bytes(2 * MiB), headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    const img = await createImage({}, token);
    await lockedImport(d, img.id, { method: { name: "web-download", uri: `${ORIGIN}/bytes/10/1` } }, token);
    await d.run();
    expect((await taskOf(img.id)).message).toContain("image_stage_total is over limit");
    expect((await rowOf(img.id)).status).toBe("queued");

    const admin = `${project("q3")}:admin,member,reader`;
    const d2 = deployment(withConfig({ unified_limits: { image_count_uploading: 0 } }));
    const active = await createImage({}, admin);
    expect((await upload(active.id, bytes(1000), { token: admin })).status).toBe(204);
    await lockedImport(d2, active.id, { method: { name: "copy-image" }, stores: ["store2"] }, admin);
    await d2.run();
    expect((await taskOf(active.id)).message).toContain("image_count_uploading is over limit");
    expect(await show(active.id, admin)).toMatchObject({ status: "active", stores: "store1", os_glance_importing_to_stores: "" });
  });

  it("usage follows the import: staged data is staging and uploading, then size; a copy counts its second location", async () => {
    const p = project("q4");
    const token = `${p}:admin,member,reader`;
    const limits = withConfig({ unified_limits: { image_size_total: 100, image_stage_total: 100, image_count_uploading: 10, image_count_total: 10 } });
    const d = deployment(limits);
    const usage = async () => (await json(await d.fetch("GET", "/v2/info/usage", { token }))).usage;
    const img = await createImage({}, token);
    expect((await d.fetch("PUT", `/v2/images/${img.id}/stage`, { token, raw: bytes(2 * MiB), headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    expect(await usage()).toMatchObject({
      image_size_total: { usage: 0 },
      image_stage_total: { usage: 2 },
      image_count_uploading: { usage: 1 },
      image_count_total: { usage: 1 },
    });
    await lockedImport(d, img.id, { method: { name: "glance-direct" } }, token);
    await d.run();
    expect(await usage()).toMatchObject({ image_size_total: { usage: 2 }, image_stage_total: { usage: 0 }, image_count_uploading: { usage: 0 } });
    await lockedImport(d, img.id, { method: { name: "copy-image" }, stores: ["store2"] }, token);
    await d.run();
    expect(await usage()).toMatchObject({ image_size_total: { usage: 4 }, image_stage_total: { usage: 0 }, image_count_uploading: { usage: 0 } });
  });
});
