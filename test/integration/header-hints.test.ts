import { describe, expect, it } from "vitest";
import { OTHER, OWNER, call, createImage } from "../helpers/api";
import { MiB, bytes, digest, download, fetchWithEnv, objectsOf, show, streamOf, upload, withConfig } from "../helpers/image-data";
import { deployment, stage, taskOf } from "../helpers/imports";

// Request headers Glance treats as hints (README "Request headers: hints and rules"), checked side
// by side against Debian's glance-api 25.1: a wrong hint never turns a valid request into an error.
const data = bytes(2048, 3);
const md5 = await digest("MD5", data);
const HINTS = ["100", "0", "5000", String(10 ** 15), "abc", "-5", ""];

describe("x-openstack-image-size is a hint: the size is what arrives", () => {
  it("PUT /file: smaller, larger, huge or malformed hints, known length or chunked → 204 with the real size and checksum", async () => {
    for (const hint of HINTS) {
      for (const chunked of [false, true]) {
        const img = await createImage();
        // (a Request built here carries no Content-Length unless given one, as a real client's would)
        const length: Record<string, string> = chunked ? {} : { "Content-Length": String(data.length) };
        const r = await upload(img.id, chunked ? streamOf(data, 700) : data, { headers: { "x-openstack-image-size": hint, ...length } });
        expect(r.status, `hint ${hint} chunked ${chunked}`).toBe(204);
        expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, checksum: md5 });
        expect(await objectsOf(img.id)).toHaveLength(1);
      }
    }
    // and the data is the body, byte for byte
    const img = await createImage();
    expect((await upload(img.id, streamOf(data, 500), { headers: { "x-openstack-image-size": "7" } })).status).toBe(204);
    expect(new Uint8Array(await (await download(img.id, { token: OWNER })).arrayBuffer())).toEqual(data);
  });

  it("an empty body with a hint: an active image of 0 bytes, as in Glance", async () => {
    const img = await createImage();
    expect((await upload(img.id, new Uint8Array(0), { headers: { "x-openstack-image-size": "10" } })).status).toBe(204);
    expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: 0, checksum: "d41d8cd98f00b204e9800998ecf8427e" });
  });

  it("a small hint does not let data past image_size_cap (413 on the bytes that arrive); a huge hint on small data is no 413", async () => {
    const cfg = withConfig({ image_size_cap: 1000 });
    const big = await createImage();
    const r = await fetchWithEnv(cfg, "PUT", `/v2/images/${big.id}/file`, { body: streamOf(data, 300), headers: { "Content-Type": "application/octet-stream", "x-openstack-image-size": "10" } });
    expect(r.status).toBe(413);
    expect(await show(big.id, OWNER)).toMatchObject({ status: "queued", size: null });
    const small = await createImage();
    const ok = await fetchWithEnv(cfg, "PUT", `/v2/images/${small.id}/file`, {
      body: bytes(500),
      headers: { "Content-Type": "application/octet-stream", "Content-Length": "500", "x-openstack-image-size": String(MiB) },
    });
    expect(ok.status).toBe(204);
    expect((await show(small.id, OWNER)).size).toBe(500);
  });

  it("PUT /stage: the staged size is what arrived whatever the hint; glance-direct then activates it", async () => {
    for (const hint of ["100", "5000", "abc"]) {
      const img = await createImage();
      const body = hint === "5000" ? data : streamOf(data, 700);
      const length: Record<string, string> = hint === "5000" ? { "Content-Length": String(data.length) } : {};
      expect((await stage(img.id, body, { headers: { "x-openstack-image-size": hint, ...length } })).status, hint).toBe(204);
      expect(await show(img.id, OWNER)).toMatchObject({ status: "uploading", size: data.length });
      if (hint !== "100") continue;
      const d = deployment({});
      expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "glance-direct" } } })).status).toBe(202);
      await d.run();
      expect((await taskOf(img.id)).status).toBe("success");
      expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, checksum: md5 });
    }
  });

  it("another project cannot upload, hint or not (404)", async () => {
    const img = await createImage();
    const r = await upload(img.id, data, { token: OTHER, headers: { "x-openstack-image-size": String(data.length) } });
    expect(r.status).toBe(404);
    expect(await show(img.id, OWNER)).toMatchObject({ status: "queued", size: null });
  });
});

describe("other headers Glance does not act on", () => {
  it("checksum headers (x-image-meta-checksum, Content-MD5) are not checked: the checksum is computed", async () => {
    const wrong: Record<string, string>[] = [{ "x-image-meta-checksum": "0".repeat(32) }, { "Content-MD5": "0".repeat(32) }];
    for (const headers of wrong) {
      const img = await createImage();
      expect((await upload(img.id, data, { headers })).status).toBe(204);
      expect((await show(img.id, OWNER)).checksum).toBe(md5);
    }
  });

  it("X-Openstack-Request-ID is answered with a req- prefix when it has none", async () => {
    const r = await call("GET", "/v2/images?limit=1", { headers: { "X-Openstack-Request-ID": "hello" } });
    expect(r.headers.get("x-openstack-request-id")).toBe("req-hello");
    const same = await call("GET", "/v2/images?limit=1", { headers: { "X-Openstack-Request-ID": "req-hello" } });
    expect(same.headers.get("x-openstack-request-id")).toBe("req-hello");
  });
});
