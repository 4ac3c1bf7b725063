import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, OWNER, createImage } from "../helpers/api";
import { MiB, bytes, objectsOf, show, upload } from "../helpers/image-data";
import { ORIGIN, REMOTE_GLANCE, REMOTE_IMAGE, deployment, stage, taskOf, withConfig } from "../helpers/imports";

// An import whose data cannot be read, for every method and both values of
// all_stores_must_succeed, ends as the reference Glance ends a web-download whose download fails
// (glance base_download.revert, checked side by side against Debian's glance-api 25.1 with a
// refused connection, 404, 403 and 500 from the source, each flag): the task `failure` with a
// message, the image `queued` again (copy-image: still `active`), every requested store in
// os_glance_failed_import, none left in os_glance_importing_to_stores, the lock released, no data
// kept. Where Glance itself leaves an image stuck (glance-direct with all_stores_must_succeed=true
// stays `importing`; copy-image keeps its stores in os_glance_importing_to_stores), the same rule
// applies here.
const STORES = ["store1", "store2"];
const config = withConfig({
  enabled_import_methods: ["glance-direct", "web-download", "copy-image", "glance-download"],
  glance_download_endpoints: { RegionTwo: REMOTE_GLANCE, Down: "http://127.0.0.1:1" },
  // the filter trusts allowed hosts as written: a refused port on loopback and a name that does not resolve
  import_filtering_opts: { allowed_hosts: ["images.example.com", "127.0.0.1", "no-such-host.invalid"], allowed_ports: [] },
});
const FLAGS = [true, false];

async function failedImport(imageId: string, method: Record<string, unknown>, flag: boolean, o: { token?: string; stores?: string[] } = {}) {
  const d = deployment(config);
  const r = await d.fetch("POST", `/v2/images/${imageId}/import`, { token: o.token ?? OWNER, body: { method, stores: o.stores ?? STORES, all_stores_must_succeed: flag } });
  expect(r.status).toBe(202);
  await d.run();
  const task = await taskOf(imageId);
  expect(task.status).toBe("failure");
  expect(task.message).not.toBe("");
  return { task, image: await show(imageId, OWNER) };
}

const requeued = { status: "queued", size: null, checksum: null, os_hash_value: null, os_glance_failed_import: "store1,store2", os_glance_importing_to_stores: "" };

describe("an import whose data cannot be read", () => {
  for (const flag of FLAGS) {
    describe(`all_stores_must_succeed=${flag}`, () => {
      it("web-download: refused connection, unresolvable name, 404, 403, 500 → queued, both stores failed", async () => {
        const sources = [
          ["http://127.0.0.1:1/image.raw", /127\.0\.0\.1:1/],
          ["http://no-such-host.invalid/image.raw", /no-such-host\.invalid/],
          [`${ORIGIN}/status/404`, /404/],
          [`${ORIGIN}/status/403`, /403/],
          [`${ORIGIN}/status/500`, /500/],
        ] as const;
        for (const [uri, why] of sources) {
          const img = await createImage();
          const { task, image } = await failedImport(img.id, { name: "web-download", uri }, flag);
          expect(task.message).toMatch(why);
          expect(image).toMatchObject(requeued);
          expect(image).not.toHaveProperty("os_glance_import_task");
          expect(image.stores).toBeUndefined();
        }
      });

      it("glance-direct: the staged data is gone → queued, both stores failed", async () => {
        const img = await createImage();
        expect((await stage(img.id, bytes(MiB + 3, 7))).status).toBe(204);
        const staged = (await env.STORE1.list({ prefix: `staging/${img.id}/` })).objects.map((o) => o.key);
        expect(staged).toHaveLength(1);
        await env.STORE1.delete(staged);
        const { task, image } = await failedImport(img.id, { name: "glance-direct" }, flag);
        expect(task.message).toContain("staged data");
        expect(image).toMatchObject(requeued);
        expect(image).not.toHaveProperty("os_glance_import_task");
      });

      it("glance-download: the remote Glance refuses the connection or has no such image → queued, both stores failed, formats restored", async () => {
        for (const [region, remoteId] of [
          ["Down", REMOTE_IMAGE],
          ["RegionTwo", "aaaaaaaa-0000-4000-8000-0000000000ff"],
        ]) {
          const img = await createImage({ disk_format: "raw", container_format: "bare" });
          const { image } = await failedImport(img.id, { name: "glance-download", glance_region: region, glance_image_id: remoteId }, flag);
          expect(image).toMatchObject({ ...requeued, disk_format: "raw", container_format: "bare" });
        }
      });

      it("copy-image: no store can be read → still active in its store, the target store failed", async () => {
        const img = await createImage();
        expect((await upload(img.id, bytes(MiB, 9))).status).toBe(204);
        const [key] = await objectsOf(img.id, env.STORE1);
        const saved = await env.STORE1.get(key);
        const data = await saved!.arrayBuffer();
        await env.STORE1.delete(key);
        const { task, image } = await failedImport(img.id, { name: "copy-image" }, flag, { token: ADMIN, stores: ["store2"] });
        expect(task.message).toContain("could be read");
        expect(image).toMatchObject({ status: "active", stores: "store1", size: MiB, os_glance_failed_import: "store2", os_glance_importing_to_stores: "" });
        expect(await objectsOf(img.id, env.STORE2)).toEqual([]);
        await env.STORE1.put(key, data); // the data back: a copy works again and clears the failed store
        const d = deployment(config);
        expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, stores: ["store2"] } })).status).toBe(202);
        await d.run();
        expect((await taskOf(img.id)).status).toBe("success");
        expect(await show(img.id, OWNER)).toMatchObject({ status: "active", stores: "store1,store2", os_glance_failed_import: "" });
      });
    });
  }

  it("the image takes a new import at once: a good web-download clears the failed stores and activates it", async () => {
    const img = await createImage();
    expect((await failedImport(img.id, { name: "web-download", uri: `${ORIGIN}/status/503` }, true)).image).toMatchObject(requeued);
    const d = deployment(config);
    const again = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri: `${ORIGIN}/bytes/${MiB + 1}/3` }, stores: STORES } });
    expect(again.status).toBe(202);
    await d.run();
    expect((await taskOf(img.id)).status).toBe("success");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: MiB + 1, stores: "store1,store2", os_glance_failed_import: "", os_glance_importing_to_stores: "" });
  });

  it("data that breaks after one store has it: false → only the next store fails, the image stays active; true → all undone", async () => {
    // store2 is filled from store1's copy; reading that copy breaks half-way.
    const broken: Partial<R2Bucket> = {
      put: (...a: Parameters<R2Bucket["put"]>) => env.STORE1.put(...a),
      createMultipartUpload: (...a: Parameters<R2Bucket["createMultipartUpload"]>) => env.STORE1.createMultipartUpload(...a),
      resumeMultipartUpload: (...a: Parameters<R2Bucket["resumeMultipartUpload"]>) => env.STORE1.resumeMultipartUpload(...a),
      head: (key: string) => env.STORE1.head(key),
      list: (o?: R2ListOptions) => env.STORE1.list(o),
      delete: (keys: string | string[]) => env.STORE1.delete(keys),
      get: (async (key: string) => {
        const obj = await env.STORE1.get(key);
        if (!obj) return null;
        const reader = obj.body.getReader();
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            if (sent >= obj.size / 2) return c.error(new Error("connection reset"));
            const { value, done } = await reader.read();
            if (done) return c.close();
            sent += value.byteLength;
            c.enqueue(value);
          },
        });
        return { ...obj, size: obj.size, body } as unknown as R2ObjectBody;
      }) as R2Bucket["get"],
    };
    const uri = `${ORIGIN}/bytes/${2 * MiB}/5`;
    for (const flag of FLAGS) {
      const img = await createImage();
      const d = deployment({ ...config, STORE1: broken });
      const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri }, stores: STORES, all_stores_must_succeed: flag } });
      expect(r.status).toBe(202);
      await d.run();
      const task = await taskOf(img.id);
      if (flag) {
        expect(task).toMatchObject({ status: "failure", message: expect.stringContaining("connection reset") });
        expect(await show(img.id, OWNER)).toMatchObject({ status: "queued", size: null, os_glance_failed_import: "store2", os_glance_importing_to_stores: "" });
        expect(await objectsOf(img.id, env.STORE1)).toEqual([]);
      } else {
        expect(task.status).toBe("success");
        expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: 2 * MiB, stores: "store1", os_glance_failed_import: "store2", os_glance_importing_to_stores: "" });
        expect(await objectsOf(img.id, env.STORE1)).toHaveLength(1);
      }
      expect(await objectsOf(img.id, env.STORE2)).toEqual([]);
    }
  });
});
