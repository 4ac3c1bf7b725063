import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, call, createImage, patch } from "../helpers/api";
import { OCTET, bytes, digest, download, fetchWithEnv, show, streamOf, upload, withConfig } from "../helpers/image-data";

// Cached downloads are never stale (README "Downloads at the edge"): the Worker checks access and
// status before its edge cache on every request, the cache key names immutable bytes (id + hash),
// and other caches must revalidate public data on every use and may not keep anything else.
async function cachedPublic(n = 5000) {
  const img = await createImage({ visibility: "public" }, ADMIN);
  const data = bytes(n, 7);
  expect((await upload(img.id, data, { token: ADMIN })).status).toBe(204);
  const image = await show(img.id, ADMIN);
  const first = await download(img.id, { token: OTHER });
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  // The edge cache is filled in the background: wait until it answers.
  await vi.waitFor(async () => expect(await caches.default.match(`https://image-data.glance.internal/${img.id}/${image.os_hash_value}`)).toBeDefined(), { timeout: 5_000, interval: 50 });
  return { id: img.id as string, data, image };
}

describe("downloads that are never stale", () => {
  it("public data: shared caches may keep it but must revalidate; ETag, Last-Modified, 304 with the same headers", async () => {
    const { id, image } = await cachedPublic();
    const r = await download(id, { token: OTHER });
    expect(r.headers.get("Cache-Control")).toBe("public, max-age=0, must-revalidate");
    expect(r.headers.get("Vary")).toBe("X-Auth-Token");
    expect(r.headers.get("ETag")).toBe(`"${image.os_hash_value}"`);
    expect(new Date(r.headers.get("Last-Modified")!).getTime()).toBe(Math.floor(Date.parse(image.updated_at) / 1000) * 1000);
    await r.arrayBuffer();
    const again = await download(id, { token: OTHER, headers: { "If-None-Match": r.headers.get("ETag")! } });
    expect(again.status).toBe(304);
    expect(again.headers.get("Cache-Control")).toBe("public, max-age=0, must-revalidate");
  });

  it("private and shared data is for the caller alone (Cache-Control: private)", async () => {
    const img = await createImage({ visibility: "private" });
    expect((await upload(img.id, bytes(100))).status).toBe(204);
    const r = await download(img.id);
    expect(r.headers.get("Cache-Control")).toBe("private, no-cache");
    await r.arrayBuffer();
  });

  it("made private after being cached: other projects get 404, never the cached bytes", async () => {
    const { id, image } = await cachedPublic();
    const etag = `"${image.os_hash_value}"`;
    expect((await patch(id, [{ op: "replace", path: "/visibility", value: "private" }], ADMIN)).status).toBe(200);
    expect((await download(id, { token: OTHER })).status).toBe(404);
    // A shared cache revalidating its copy (must-revalidate) is refused too, never told 304.
    expect((await download(id, { token: OTHER, headers: { "If-None-Match": etag } })).status).toBe(404);
    const own = await download(id, { token: ADMIN });
    expect(own.headers.get("Cache-Control")).toBe("private, no-cache");
    await own.arrayBuffer();
  });

  it("deactivated after being cached: 403 for non-admins, served again once reactivated", async () => {
    const { id, data, image } = await cachedPublic();
    const etag = `"${image.os_hash_value}"`;
    expect((await call("POST", `/v2/images/${id}/actions/deactivate`, { token: ADMIN })).status).toBe(204);
    expect((await download(id, { token: OTHER })).status).toBe(403);
    expect((await download(id, { token: OTHER, headers: { "If-None-Match": etag } })).status).toBe(403);
    expect((await call("POST", `/v2/images/${id}/actions/reactivate`, { token: ADMIN })).status).toBe(204);
    expect((await download(id, { token: OTHER, headers: { "If-None-Match": etag } })).status).toBe(304);
    const back = await download(id, { token: OTHER });
    expect(back.status).toBe(200);
    expect(await digest("SHA-512", await back.arrayBuffer())).toBe(await digest("SHA-512", data));
  });

  it("deleted after being cached: 404 for everyone", async () => {
    const { id, image } = await cachedPublic();
    expect((await call("DELETE", `/v2/images/${id}`, { token: ADMIN })).status).toBe(204);
    expect((await download(id, { token: OTHER })).status).toBe(404);
    expect((await download(id, { token: OTHER, headers: { "If-None-Match": `"${image.os_hash_value}"` } })).status).toBe(404);
    expect((await download(id, { token: ADMIN })).status).toBe(404);
  });

  it("re-upload after a failed upload: the bytes served are the new upload's", async () => {
    const img = await createImage({ visibility: "public" }, ADMIN);
    const bad = await upload(img.id, bytes(100, 1), { token: ADMIN, headers: { "Content-Type": "text/plain" } });
    expect(bad.status).toBe(415);
    const data = bytes(3000, 2);
    expect((await upload(img.id, data, { token: ADMIN })).status).toBe(204);
    const r = await download(img.id, { token: OTHER });
    expect(await digest("SHA-512", await r.arrayBuffer())).toBe(await digest("SHA-512", data));
  });

  it("re-upload after an upload that failed mid-stream (over image_size_cap): the new upload's bytes, ETag and cache entry", async () => {
    const cfg = withConfig({ image_size_cap: 4000 });
    const img = await createImage({ visibility: "public" }, ADMIN);
    const path = `/v2/images/${img.id}/file`;
    const failed = await fetchWithEnv(cfg, "PUT", path, { token: ADMIN, body: streamOf(bytes(6000, 3), 1000), headers: OCTET });
    expect(failed.status).toBe(413);
    expect((await download(img.id, { token: OTHER })).status).toBe(204); // queued, no data: nothing to serve or cache
    const data = bytes(3000, 4);
    expect((await fetchWithEnv(cfg, "PUT", path, { token: ADMIN, body: data, headers: OCTET })).status).toBe(204);
    const hash = await digest("SHA-512", data);
    const r = await download(img.id, { token: OTHER });
    expect(r.headers.get("ETag")).toBe(`"${hash}"`);
    expect(await digest("SHA-512", await r.arrayBuffer())).toBe(hash);
    await vi.waitFor(async () => expect(await caches.default.match(`https://image-data.glance.internal/${img.id}/${hash}`)).toBeDefined(), { timeout: 5_000, interval: 50 });
  });
});
