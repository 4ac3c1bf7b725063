// Fault injection: the image's Durable Object restarts (state.abort(): its in-memory modules are
// gone, a fresh instance rebuilds them from storage) in the middle of an upload or an import.
// Each case ends with "nothing lost, nothing stuck, nothing orphaned": the image shows what Glance
// would show, and no object is left in a store that no location row refers to.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { expiredLockMessage } from "../../src/domain/imports/properties";
import { beginTask } from "../../src/domain/tasks/lifecycle";
import type { ImageObject, Lease } from "../../src/durable-objects/image-object";
import { LEASE_TTL_MS } from "../../src/durable-objects/image-object";
import type { ImportRecord } from "../../src/durable-objects/import-lock";
import { servicesForEnv } from "../../src/wiring";
import { OWNER, createImage, json } from "../helpers/api";
import { MiB, bytes, controlledBody, digest, download, objectsOf, rowOf, show, upload, waitStatus } from "../helpers/image-data";
import { ageClaims, locations, noOrphans, stub } from "../helpers/faults";
import { ORIGIN, deployment, stage, taskOf } from "../helpers/imports";

/** The object restarts: what it held in memory is lost, its storage stays. */
async function restart(id: string): Promise<void> {
  const mark = crypto.randomUUID();
  await runInDurableObject(stub(id), (o: ImageObject, state) => {
    (o as unknown as { mark: string }).mark = mark;
    try {
      state.abort("fault injection: restart");
    } catch {
      // abort() throws in the aborted object's own call
    }
  }).catch(() => {});
  // proof: the next call reaches a fresh instance (it does not carry the mark)
  await vi.waitFor(async () => expect(await runInDurableObject(stub(id), (o: ImageObject) => (o as unknown as { mark?: string }).mark)).toBeUndefined(), {
    timeout: 5_000,
  });
}

const ageLease = (id: string) =>
  runInDurableObject(stub(id), (_o: ImageObject, state) => {
    const lease = state.storage.kv.get<Lease>("lease")!;
    state.storage.kv.put("lease", { ...lease, renewedAt: Date.now() - LEASE_TTL_MS - 1 });
    return lease;
  });

const TTL_S = 600;
const ageLock = (id: string) =>
  runInDurableObject(stub(id), (_o: ImageObject, state) => {
    const r = state.storage.kv.get<ImportRecord>("import")!;
    state.storage.kv.put("import", { ...r, renewedAt: Date.now() - TTL_S * 1000 - 1000 });
  });

describe("the image's Durable Object restarts mid-upload", () => {
  it("the client keeps sending: the upload finishes on the new instance (the lease lives in storage)", async () => {
    const img = await createImage();
    const data = bytes(2 * MiB, 1);
    const { stream, ctl } = controlledBody();
    ctl.enqueue(data.slice(0, MiB));
    const pending = upload(img.id, stream, { headers: { "x-openstack-image-size": String(data.length) } });
    await waitStatus(img.id, "saving");
    await restart(img.id);
    expect((await rowOf(img.id)).status).toBe("saving");
    ctl.enqueue(data.slice(MiB));
    ctl.close();
    expect((await pending).status).toBe(204);
    // nothing lost
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, checksum: await digest("MD5", data) });
    expect(await digest("SHA-512", await (await download(img.id)).arrayBuffer())).toBe(await digest("SHA-512", data));
    expect(await locations(img.id)).toHaveLength(1);
    await noOrphans(img.id);
  });

  it("the Worker died with it (no more renewals): the alarm puts the image back to queued; the late writer's object is removed", async () => {
    const img = await createImage();
    const { stream, ctl } = controlledBody();
    ctl.enqueue(bytes(MiB, 2));
    const stale = upload(img.id, stream, { headers: { "x-openstack-image-size": String(2 * MiB) } });
    await waitStatus(img.id, "saving");
    await restart(img.id);
    await ageLease(img.id);
    expect(await runDurableObjectAlarm(stub(img.id))).toBe(true);
    // nothing stuck: what Glance shows after a failed upload, and it takes a new one
    expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null, checksum: null });
    const fresh = bytes(3000, 3);
    expect((await upload(img.id, fresh)).status).toBe(204);
    // the stale writer finishes late: refused, its object removed, the new data kept
    ctl.enqueue(bytes(MiB, 4));
    ctl.close();
    const late = await stale;
    expect(late.status).toBe(409);
    expect((await json(late)).message).toContain("abandoned");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: 3000, checksum: await digest("MD5", fresh) });
    expect(await locations(img.id)).toHaveLength(1);
    await noOrphans(img.id);
    expect(await objectsOf(img.id)).toHaveLength(1);
  });
});

describe("the image's Durable Object restarts mid-import", () => {
  /** glance-direct import to both stores (all must succeed) whose first delivery wrote store1 and was half-way through store2. */
  async function halfDone() {
    const d = deployment({});
    const img = await createImage();
    const data = bytes(MiB + 7, 5);
    expect((await stage(img.id, data)).status).toBe(204);
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "glance-direct" }, stores: ["store1", "store2"] } });
    expect(r.status).toBe(202);
    const taskId = (await taskOf(img.id)).id;
    const s = stub(img.id);
    expect((await s.startImport(img.id, taskId)).ok).toBe(true);
    await beginTask(servicesForEnv(env, () => {}, null), taskId);
    const w1 = await s.beginImportWrite(img.id, taskId, "store1", "first-delivery");
    if (!w1.ok) throw new Error(w1.message);
    await env.STORE1.put(w1.key, data);
    const sha512 = await digest("SHA-512", data);
    const md5 = await digest("MD5", data);
    expect((await s.importStoreWritten(img.id, taskId, "store1", w1.key, { size: data.length, md5, sha512, virtualSize: data.length }, false)).ok).toBe(true);
    const w2 = await s.beginImportWrite(img.id, taskId, "store2", "first-delivery");
    if (!w2.ok) throw new Error(w2.message);
    await env.STORE2.put(w2.key, data.slice(0, 1000)); // the half-written copy
    return { d, img, data, taskId, halfKey: w2.key, sha512 };
  }

  it("the message is redelivered: the import resumes on the new instance, the half copy is replaced, nothing duplicated", async () => {
    const { d, img, data, halfKey, sha512 } = await halfDone();
    await restart(img.id);
    // the first delivery died with it: its claim on store2 lapses (src/domain/imports/store-claim.ts)
    expect(await ageClaims(img.id, TTL_S)).toEqual(["store2"]);
    expect(await d.run(2)).toHaveLength(1);
    expect((await taskOf(img.id)).status).toBe("success");
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", size: data.length, os_hash_value: sha512 });
    expect(after.stores.split(",").sort()).toEqual(["store1", "store2"]);
    expect(await locations(img.id)).toHaveLength(2);
    expect((await objectsOf(img.id, env.STORE2))).not.toContain(halfKey);
    await noOrphans(img.id);
  });

  it("nothing redelivers (the consumer died too): the lock expires, the task fails with a message, the written copies are reverted", async () => {
    const { d, img, taskId } = await halfDone();
    const message = d.captured.splice(0);
    await restart(img.id);
    await ageLock(img.id);
    expect(await runDurableObjectAlarm(stub(img.id))).toBe(true);
    expect(await taskOf(img.id)).toMatchObject({ id: taskId, status: "failure", message: expiredLockMessage(TTL_S) });
    const after = await show(img.id, OWNER);
    // the failed import's data goes with it: back to queued, no locations, the staged data removed
    expect(after).toMatchObject({ status: "queued", os_glance_importing_to_stores: "" });
    expect(after).not.toHaveProperty("os_glance_import_task");
    expect(await locations(img.id)).toEqual([]);
    await noOrphans(img.id);
    expect(await objectsOf(img.id, env.STORE1)).toEqual([]);
    expect(await objectsOf(img.id, env.STORE2)).toEqual([]);
    // the dead import's message, delivered late, changes nothing and is acknowledged
    d.captured.push(...message);
    const acks = await d.run(3);
    expect(acks.filter((a) => a.startsWith("retry:"))).toEqual([]);
    expect((await rowOf(img.id)).status).toBe("queued");
    await noOrphans(img.id);
    // and a new import works
    const again = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri: `${ORIGIN}/bytes/1000/8` } } });
    expect(again.status).toBe(202);
    await d.run();
    expect((await rowOf(img.id)).status).toBe("active");
    await noOrphans(img.id);
  });
});
