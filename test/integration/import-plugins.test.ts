import { describe, expect, it, vi } from "vitest";
import { ConfigError, parseSettings } from "../../src/config";
import { ADMIN, OWNER, createImage, json } from "../helpers/api";
import { MiB, bytes, digest, objectsOf } from "../helpers/image-data";
import { ORIGIN, deployment, taskOf, withConfig } from "../helpers/imports";
import { compressedImage, diskImage } from "../fixtures/disk-images";

// Glance's import plugins that run here ([image_import_opts] image_import_plugins):
// inject_image_metadata and image_decompression, on glance-direct and web-download imports.

const GiB = 1024 ** 3;
const INJECT = { hw_injected: "yes", os_injected_by: "operator" };

/** A deployment with these plugins; `importStaged` stages `data` and runs a glance-direct import to its end. */
function withPlugins(plugins: string[], extra: Record<string, unknown> = {}) {
  const d = deployment(withConfig({ image_import_plugins: plugins, inject_metadata_properties: { inject: INJECT }, ...extra }));
  const importStaged = async (data: Uint8Array, image: Record<string, unknown> = {}, token = OWNER) => {
    const img = await createImage(image, token);
    expect((await d.fetch("PUT", `/v2/images/${img.id}/stage`, { raw: data, token, headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "glance-direct" } }, token })).status).toBe(202);
    await d.run();
    const task = await taskOf(img.id);
    const after = await json(await d.fetch("GET", `/v2/images/${img.id}`, { token: ADMIN }));
    return { img, task, after };
  };
  return { d, importStaged };
}

describe("inject_image_metadata", () => {
  it("sets the configured properties on an image a member imports", async () => {
    const { importStaged } = withPlugins(["inject_image_metadata"]);
    const { task, after } = await importStaged(bytes(5000));
    expect(task.status).toBe("success");
    expect(after).toMatchObject({ status: "active", ...INJECT });
  });

  it("not for an importer with an ignored role (admin by default), and not when the plugin is off", async () => {
    const { importStaged } = withPlugins(["inject_image_metadata"]);
    const byAdmin = await importStaged(bytes(5000), {}, ADMIN);
    expect(byAdmin.after.status).toBe("active");
    expect(byAdmin.after).not.toHaveProperty("hw_injected");
    const off = await withPlugins([]).importStaged(bytes(5000));
    expect(off.after).not.toHaveProperty("hw_injected");
  });

  it("ignore_user_roles is configurable", async () => {
    const { importStaged } = withPlugins(["inject_image_metadata"], { inject_metadata_properties: { inject: INJECT, ignore_user_roles: ["member"] } });
    expect((await importStaged(bytes(5000))).after).not.toHaveProperty("hw_injected");
  });

  it("copy-image runs no plugin", async () => {
    const { d } = withPlugins(["inject_image_metadata"]);
    const img = await createImage({}, ADMIN);
    expect((await d.fetch("PUT", `/v2/images/${img.id}/file`, { raw: bytes(3000), token: ADMIN, headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "copy-image" }, stores: ["store2"] }, token: ADMIN });
    expect(r.status).toBe(202);
    await d.run();
    expect((await taskOf(img.id)).status).toBe("success");
    expect(await json(await d.fetch("GET", `/v2/images/${img.id}`, { token: ADMIN }))).not.toHaveProperty("hw_injected");
  });
});

describe("image_decompression", () => {
  const { d, importStaged } = withPlugins(["image_decompression"]);

  it("a gzipped qcow2 lands decompressed: size, hash and virtual size are the qcow2's", async () => {
    const qcow2 = await diskImage("qcow2");
    const { task, after } = await importStaged(compressedImage("qcow2Gzip"), { disk_format: "qcow2" });
    expect(task.status, task.message).toBe("success");
    expect(after).toMatchObject({ status: "active", size: qcow2.length, os_hash_value: await digest("SHA-512", qcow2), virtual_size: GiB });
    const got = await (await d.fetch("GET", `/v2/images/${after.id}/file`)).arrayBuffer();
    expect(await digest("SHA-512", got)).toBe(await digest("SHA-512", qcow2));
  });

  it("a zip of one file, deflated or stored, lands as that file", async () => {
    const deflated = await importStaged(compressedImage("qcow2Zip"), { disk_format: "qcow2" });
    expect(deflated.task.status, deflated.task.message).toBe("success");
    expect(deflated.after).toMatchObject({ size: (await diskImage("qcow2")).length, virtual_size: GiB });
    const stored = await importStaged(compressedImage("vdiZipStored"), { disk_format: "vdi" });
    expect(stored.task.status, stored.task.message).toBe("success");
    expect(stored.after).toMatchObject({ size: 4608, virtual_size: GiB, os_hash_value: await digest("SHA-512", await diskImage("vdi")) });
  });

  it("a large gzipped body streams through (more than one store part)", async () => {
    const data = bytes(20 * MiB + 3, 11);
    const gz = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    const { task, after } = await importStaged(gz);
    expect(task.status, task.message).toBe("success");
    expect(after).toMatchObject({ size: data.length, os_hash_value: await digest("SHA-512", data) });
  });

  it("refused: a zip of two files, a zip that streams its sizes after the data, a corrupted gzip; the image goes back to queued", async () => {
    const cases: [Uint8Array, string][] = [
      [compressedImage("twoFilesZip"), "Archive contains more than one file."],
      [compressedImage("streamedZip"), "sizes follow their data"],
    ];
    const gz = compressedImage("qcow2Gzip").slice();
    gz[gz.length - 20] ^= 0xff;
    cases.push([gz, ""]);
    for (const [data, why] of cases) {
      const { img, task, after } = await importStaged(data, { disk_format: "qcow2" });
      expect(task.status).toBe("failure");
      expect(task.message).toContain(why);
      expect(after.status).toBe("queued");
      await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    }
  });

  it("a corrupted zip entry fails its CRC-32 check", async () => {
    const zip = compressedImage("vdiZipStored").slice();
    zip[30 + "disk.vdi".length + 100] ^= 0x01; // a byte of the stored entry
    const { task } = await importStaged(zip, { disk_format: "vdi" });
    expect(task.status).toBe("failure");
    expect(task.message).toContain("CRC-32");
  });

  it("uncompressed data and container_format compressed pass untouched; web-download is decompressed too", async () => {
    const plain = bytes(9000, 5);
    expect((await importStaged(plain)).after).toMatchObject({ status: "active", size: 9000 });
    const gz = compressedImage("qcow2Gzip");
    const kept = await importStaged(gz, { disk_format: "raw", container_format: "compressed" });
    expect(kept.after).toMatchObject({ status: "active", size: gz.length, os_hash_value: await digest("SHA-512", gz) });

    const img = await createImage({ disk_format: "raw" });
    const r = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri: `${ORIGIN}/gzip/20000/3` } } });
    expect(r.status).toBe(202);
    await d.run();
    const task = await taskOf(img.id);
    expect(task.status, task.message).toBe("success");
    expect((await json(await d.fetch("GET", `/v2/images/${img.id}`))).size).toBe(20000);
  });
});

describe("plugin configuration", () => {
  const STORES = JSON.stringify([{ id: "s1", binding: "S1", default: true }]);
  it("image_conversion cannot be enabled (no qemu-img in a Worker); unknown names are refused", () => {
    for (const name of ["image_conversion", "nope"]) {
      const raw = { AUTH_MODE: "strict", STORES, GLANCE_CONFIG: JSON.stringify({ image_import_plugins: [name] }) };
      expect(() => parseSettings(raw as never)).toThrow(ConfigError);
      expect(() => parseSettings(raw as never)).toThrow("image_import_plugins");
    }
  });
});
