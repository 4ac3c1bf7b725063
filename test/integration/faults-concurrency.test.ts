// The concurrency run in small (scripts/concurrency-run.mjs is the full one against npm start):
// 20 requests at once per image, uploads, PATCHes and deletes. Exactly one upload wins, no
// acknowledged (2xx) write is lost, exactly one delete succeeds, and no object is left that
// nothing refers to.
import { describe, expect, it, vi } from "vitest";
import { OWNER, call, createImage, json, patch } from "../helpers/api";
import { locations, noOrphans } from "../helpers/faults";
import { bytes, digest, download, objectsOf, rowOf, show, upload } from "../helpers/image-data";

const tally = (xs: number[]) => xs.reduce<Record<number, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});

describe("20 parallel requests per image", () => {
  it("12 uploads and 8 PATCHes on each of 2 images: one upload winner, its bytes stored, every acknowledged PATCH kept", async () => {
    const images = [await createImage(), await createImage()];
    await Promise.all(
      images.map(async (img, k) => {
        const bodies = Array.from({ length: 12 }, (_, i) => bytes(64 * 1024 + i, 100 * k + i));
        const [ups, patches] = await Promise.all([
          Promise.all(bodies.map((b) => upload(img.id, b).then((r) => r.status))),
          Promise.all(Array.from({ length: 8 }, (_, i) => patch(img.id, [{ op: "add", path: `/c_${i}`, value: `v${i}` }]).then((r) => r.status))),
        ]);
        expect(tally(ups)).toEqual({ 204: 1, 409: 11 });
        const winner = bodies[ups.indexOf(204)];
        const shown = await show(img.id, OWNER);
        expect(shown).toMatchObject({ status: "active", size: winner.length, checksum: await digest("MD5", winner) });
        expect(await digest("SHA-512", await (await download(img.id)).arrayBuffer())).toBe(await digest("SHA-512", winner));
        const acked = patches.map((s, i) => (s === 200 ? `c_${i}` : null)).filter((p): p is string => p !== null);
        expect(patches.every((s) => s === 200)).toBe(true); // none refused: concurrent PATCHes retry their compare-and-swap
        for (const p of acked) expect(shown[p]).toBe(`v${p.slice(2)}`);
        expect(await locations(img.id)).toHaveLength(1);
        expect(await objectsOf(img.id)).toHaveLength(1);
        await noOrphans(img.id);
      }),
    );
  });

  it("uploads, deletes and PATCHes at once (the deletes land while an upload streams): at most one upload 204, exactly one delete 204, nothing left", async () => {
    const images = [await createImage(), await createImage()];
    await Promise.all(
      images.map(async (img, k) => {
        const ups = Array.from({ length: 8 }, (_, i) => upload(img.id, bytes(2 << 20, 200 * k + i)).then((r) => r.status));
        const patches = Array.from({ length: 7 }, (_, i) => patch(img.id, [{ op: "add", path: `/d_${i}`, value: "x" }]).then((r) => r.status));
        // the deletes go once an upload holds the image
        await vi.waitFor(async () => expect((await rowOf(img.id)).status).not.toBe("queued"), { timeout: 10_000, interval: 5 });
        const deletes = Array.from({ length: 5 }, () => call("DELETE", `/v2/images/${img.id}`).then((r) => r.status));
        const [u, p, d] = await Promise.all([Promise.all(ups), Promise.all(patches), Promise.all(deletes)]);
        expect(u.filter((s) => s === 204).length).toBeLessThanOrEqual(1);
        expect(u.every((s) => [204, 409, 404, 410].includes(s))).toBe(true);
        expect(tally(d)).toEqual({ 204: 1, 404: 4 });
        expect(p.every((s) => s === 200 || s === 404)).toBe(true);
        expect((await call("GET", `/v2/images/${img.id}`)).status).toBe(404);
        expect((await rowOf(img.id)).status).toBe("deleted");
        await noOrphans(img.id);
        await vi.waitFor(async () => expect(await objectsOf(img.id)).toEqual([]), { timeout: 5_000 });
        console.log(`image ${k}: uploads ${JSON.stringify(tally(u))}, deletes ${JSON.stringify(tally(d))}, PATCHes ${JSON.stringify(tally(p))}`);
      }),
    );
  });
});
