import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json } from "../helpers/api";
import { bytes, digest, download, show, upload } from "../helpers/image-data";

async function activeImage(n = 1000, body: Record<string, unknown> = {}, token = OWNER) {
  const img = await createImage(body, token);
  const data = bytes(n);
  const r = await upload(img.id, data, { token });
  if (r.status !== 204) throw new Error(`upload ${r.status}`);
  return { id: img.id as string, data, image: await show(img.id, ADMIN) };
}

const ranged = (id: string, range: string, header = "Range") => download(id, { headers: { [header]: range } });

async function expectSlice(r: Response, data: Uint8Array, from: number, to: number) {
  expect(r.status).toBe(206);
  expect(r.headers.get("Content-Range")).toBe(`bytes ${from}-${to}/${data.length}`);
  expect(r.headers.get("Content-Length")).toBe(String(to - from + 1));
  const got = new Uint8Array(await r.arrayBuffer());
  expect(await digest("SHA-512", got)).toBe(await digest("SHA-512", data.subarray(from, to + 1)));
}

describe("GET /v2/images/{id}/file", () => {
  it("204 when the image has no data", async () => {
    const img = await createImage();
    const r = await download(img.id);
    expect(r.status).toBe(204);
    expect(await r.text()).toBe("");
  });

  it("single ranges: a-b, a-, -n, past the end, suffix longer than the data", async () => {
    const { id, data } = await activeImage(1000);
    await expectSlice(await ranged(id, "bytes=0-9"), data, 0, 9);
    await expectSlice(await ranged(id, "bytes=990-"), data, 990, 999);
    await expectSlice(await ranged(id, "bytes=-5"), data, 995, 999);
    await expectSlice(await ranged(id, "bytes=500-5000"), data, 500, 999);
    await expectSlice(await ranged(id, "bytes=-5000"), data, 0, 999);
    await expectSlice(await ranged(id, "bytes 10-19/*", "Content-Range"), data, 10, 19);
  });

  it("416 for an unsatisfiable or malformed range; 400 for several ranges", async () => {
    const { id } = await activeImage(1000);
    for (const range of ["bytes=1000-", "bytes=2000-3000", "bytes=5-2", "items=0-1", "bytes=-"]) {
      const r = await ranged(id, range);
      expect(r.status, range).toBe(416);
    }
    expect((await json(await ranged(id, "bytes=1000-"))).message).toContain("Start position MUST be in the inclusive range [0, 999]");
    expect((await ranged(id, "bytes 990-1009/*", "Content-Range")).status).toBe(416);
    expect((await ranged(id, "bytes=0-1,5-6")).status).toBe(400);
  });

  it("ETag is the image hash; If-None-Match answers 304", async () => {
    const { id, image } = await activeImage(1000);
    const r = await download(id);
    expect(r.headers.get("ETag")).toBe(`"${image.os_hash_value}"`);
    await r.arrayBuffer();
    const cached = await download(id, { headers: { "If-None-Match": `"${image.os_hash_value}"` } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("ETag")).toBe(`"${image.os_hash_value}"`);
    expect((await download(id, { headers: { "If-None-Match": `W/"x", "${image.os_hash_value}"` } })).status).toBe(304);
    expect((await download(id, { headers: { "If-None-Match": "*" } })).status).toBe(304);
    const other = await download(id, { headers: { "If-None-Match": '"something-else"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it("a deactivated image: 403 for its owner, data for an admin", async () => {
    const { id, data } = await activeImage(100);
    expect((await call("POST", `/v2/images/${id}/actions/deactivate`)).status).toBe(204);
    const r = await download(id);
    expect(r.status).toBe(403);
    expect((await json(r)).message).toContain("The requested image has been deactivated");
    const admin = await download(id, { token: ADMIN });
    expect(admin.status).toBe(200);
    expect(await digest("MD5", await admin.arrayBuffer())).toBe(await digest("MD5", data));
  });

  it("another project: 404 for a private image; the owner's readers get 403 (download_image needs member)", async () => {
    const { id } = await activeImage(100, { visibility: "private" });
    expect((await download(id, { token: OTHER })).status).toBe(404);
    expect((await download(id, { token: READER })).status).toBe(403);
    expect((await download(crypto.randomUUID())).status).toBe(404);
  });

  it("public data is served through the edge cache (Range from the cached copy); private data never is", async () => {
    const pub = await activeImage(200_000, { visibility: "public" }, ADMIN);
    const key = `https://image-data.glance.internal/${pub.id}/${pub.image.os_hash_value}`;
    const first = await download(pub.id, { token: OTHER });
    expect(first.status).toBe(200);
    expect(await digest("SHA-512", await first.arrayBuffer())).toBe(pub.image.os_hash_value);
    await vi.waitFor(async () => expect(await caches.default.match(key)).toBeDefined(), { timeout: 5_000, interval: 50 });
    // With the R2 object gone, the bytes can only come from the cache.
    await env.STORE1.delete((await env.STORE1.list({ prefix: `images/${pub.id}/` })).objects.map((o) => o.key));
    const again = await download(pub.id, { token: OTHER });
    expect(again.status).toBe(200);
    expect(await digest("SHA-512", await again.arrayBuffer())).toBe(pub.image.os_hash_value);
    await expectSlice(await ranged(pub.id, "bytes=1000-1999"), pub.data, 1000, 1999);

    const priv = await activeImage(1000, { visibility: "private" });
    await (await download(priv.id)).arrayBuffer();
    // A public download after it fills the cache in the background: once that entry is there, the
    // private download's background work (had there been any) has run too.
    const later = await activeImage(1000, { visibility: "public" }, ADMIN);
    await (await download(later.id)).arrayBuffer();
    await vi.waitFor(async () => expect(await caches.default.match(`https://image-data.glance.internal/${later.id}/${later.image.os_hash_value}`)).toBeDefined(), { timeout: 5_000 });
    expect(await caches.default.match(`https://image-data.glance.internal/${priv.id}/${priv.image.os_hash_value}`)).toBeUndefined();
  });
});
