import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { OTHER, OWNER, call, createImage, json, sinkEvents } from "../helpers/api";
import { OCTET, bytes, digest, download, fetchWithEnv, objectsOf, rowOf, show, upload, waitStatus, withConfig } from "../helpers/image-data";
import { importCall, stage, waitTask } from "../helpers/imports";
import { diskImage } from "../fixtures/disk-images";

// Format inspection of uploaded and imported data (glance location.py set_data with
// [image_format] require_image_format_match = True, the default): data in a bare container must be
// what disk_format says (415 otherwise), must pass its format's safety checks (415 always), and
// gives the image its virtual_size.

const GiB = 1024 ** 3;

describe("PUT /file: the data must be what disk_format says", () => {
  it("a qcow2 image with qcow2 data: 204, virtual_size from the qcow2 header", async () => {
    const img = await createImage({ disk_format: "qcow2" });
    const data = await diskImage("qcow2");
    expect((await upload(img.id, data)).status).toBe(204);
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, virtual_size: GiB });
    expect(await digest("SHA-512", await (await download(img.id)).arrayBuffer())).toBe(await digest("SHA-512", data));
  });

  it("vhdx, vmdk, vdi and vhd images get their virtual size too", async () => {
    for (const [name, format, size] of [
      ["vhdx", "vhdx", GiB],
      ["vmdkStream", "vmdk", GiB],
      ["vdi", "vdi", GiB],
      ["vhd", "vhd", 1073995776],
    ] as const) {
      const img = await createImage({ disk_format: format });
      expect((await upload(img.id, await diskImage(name))).status, name).toBe(204);
      expect((await show(img.id, OWNER)).virtual_size, name).toBe(size);
    }
  });

  it("raw data in a qcow2 image: 415 with the reason, the image back to queued, no object left", async () => {
    const img = await createImage({ disk_format: "qcow2" });
    const r = await upload(img.id, bytes(300_000, 4));
    expect(r.status).toBe(415);
    const body = await json(r);
    expect(body.code).toBe("415 Unsupported Media Type");
    expect(body.message).toContain("Image disk_format qcow2 does not match stream data raw");
    await waitStatus(img.id, "queued");
    expect(await rowOf(img.id)).toMatchObject({ size: null, checksum: null, os_hash_value: null, virtual_size: null });
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    // and the right data is accepted afterwards
    expect((await upload(img.id, await diskImage("qcow2"))).status).toBe(204);
    await vi.waitFor(async () => {
      const failed = (await sinkEvents("image.upload")).filter((e) => typeof e.payload === "string" && e.payload.includes(img.id));
      expect(failed[0]?.payload).toContain("does not match stream data raw");
    });
  });

  it("a qcow2 with a backing file is refused whatever it claims to be (415: safety checks)", async () => {
    for (const disk_format of ["qcow2", "raw"]) {
      const img = await createImage({ disk_format });
      const r = await upload(img.id, await diskImage("qcow2Backing"));
      expect(r.status, disk_format).toBe(415);
      expect((await json(r)).message).toContain("Image failed safety checks");
      await waitStatus(img.id, "queued");
      await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
    }
  });

  it("a text VMDK descriptor pointing at another file is refused, even as raw", async () => {
    const img = await createImage({ disk_format: "raw" });
    expect((await upload(img.id, await diskImage("vmdkFlatDescriptor"))).status).toBe(415);
    await waitStatus(img.id, "queued");
  });

  it("raw accepts any safe content: a qcow2 uploaded as raw is raw, its virtual size its byte count", async () => {
    const img = await createImage({ disk_format: "raw" });
    const data = await diskImage("qcow2");
    expect((await upload(img.id, data)).status).toBe(204);
    expect((await show(img.id, OWNER)).virtual_size).toBe(data.length);
  });

  it("formats nobody inspects (ami) take unrecognised data, with no virtual_size; only bare containers are inspected", async () => {
    const ami = await createImage({ disk_format: "ami", container_format: "ami" });
    expect((await upload(ami.id, bytes(5000))).status).toBe(204);
    const bareAmi = await createImage({ disk_format: "ami", container_format: "bare" });
    expect((await upload(bareAmi.id, bytes(5000))).status).toBe(204);
    expect((await show(bareAmi.id, OWNER)).virtual_size).toBeNull();
    const ovf = await createImage({ disk_format: "qcow2", container_format: "ovf" });
    expect((await upload(ovf.id, bytes(5000))).status).toBe(204);
    expect((await show(ovf.id, OWNER)).virtual_size).toBeNull();
  });

  it("require_image_format_match off: a mismatch is accepted (no virtual_size), unsafe data still is not", async () => {
    const lax = withConfig({ require_image_format_match: false });
    const put = (id: string, body: Uint8Array) => fetchWithEnv(lax, "PUT", `/v2/images/${id}/file`, { body, headers: OCTET });
    const img = await createImage({ disk_format: "qcow2" });
    expect((await put(img.id, bytes(4000))).status).toBe(204);
    expect((await show(img.id, OWNER)).virtual_size).toBeNull();
    const unsafe = await createImage({ disk_format: "qcow2" });
    expect((await put(unsafe.id, await diskImage("qcow2Backing"))).status).toBe(415);
  });

  it("another project still cannot upload (404), whatever the data", async () => {
    const img = await createImage({ disk_format: "qcow2" });
    expect((await upload(img.id, await diskImage("qcow2"), { token: OTHER })).status).toBe(404);
    expect((await rowOf(img.id)).status).toBe("queued");
  });
});

describe("imports and upload sessions are inspected the same way", () => {
  it("glance-direct: staged raw data imported into a qcow2 image fails the task; the image goes back to queued", async () => {
    const img = await createImage({ disk_format: "qcow2" });
    expect((await stage(img.id, bytes(20_000, 9))).status).toBe(204);
    expect((await importCall(img.id, { method: { name: "glance-direct" } })).status).toBe(202);
    const task = await waitTask(img.id);
    expect(task.status).toBe("failure");
    expect(task.message).toContain("does not match stream data raw");
    await vi.waitFor(async () => expect((await show(img.id, OWNER)).status).toBe("queued"));
    expect((await show(img.id, OWNER)).os_glance_failed_import).toBe("store1");
    await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]));
  });

  it("glance-direct with qcow2 data: active, with the virtual size", async () => {
    const img = await createImage({ disk_format: "qcow2" });
    expect((await stage(img.id, await diskImage("qcow2"))).status).toBe(204);
    expect((await importCall(img.id, { method: { name: "glance-direct" } })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", virtual_size: GiB });
  });

  it("an upload session whose data is not its disk_format fails in verification; qcow2 data activates with its virtual size", async () => {
    const base = (id: string) => `/v2/images/${id}/upload-sessions`;
    const run = async (data: Uint8Array) => {
      const img = await createImage({ disk_format: "qcow2" });
      const s = await json(await call("POST", base(img.id), { body: { size: data.length } }));
      expect((await call("PUT", `${base(img.id)}/${s.id}/parts/1`, { raw: data, headers: OCTET })).status).toBe(200);
      expect((await call("POST", `${base(img.id)}/${s.id}/complete`)).status).toBe(202);
      return { img, s };
    };
    const bad = await run(bytes(10_000, 2));
    await vi.waitFor(async () => expect((await json(await call("GET", `${base(bad.img.id)}/${bad.s.id}`))).status).toBe("failed"), { timeout: 10_000 });
    expect((await json(await call("GET", `${base(bad.img.id)}/${bad.s.id}`))).message).toContain("does not match stream data raw");
    await waitStatus(bad.img.id, "queued");
    await vi.waitFor(async () => expect(await objectsOf(bad.img.id)).toEqual([]));

    const good = await run(await diskImage("qcow2"));
    await waitStatus(good.img.id, "active");
    expect((await show(good.img.id, OWNER)).virtual_size).toBe(GiB);
    expect(await env.STORE1.head((await objectsOf(good.img.id))[0])).not.toBeNull();
  });
});
