// Fault injection: the client disconnects (its body errors) at every phase of PUT /file, PUT /stage
// and an upload session's part: before any byte, mid-body, and right at the last byte (every byte
// sent, then the connection breaks instead of ending). The body is pulled, so each phase is reached
// when the service reads it, not after a guessed delay. Each ends with nothing stored that nothing
// refers to, the image as Glance shows it after a failed upload (queued; the session still open),
// and the same request succeeding afterwards.
// The broken requests call the app directly (fetchWithEnv): a read of their body fails as a read
// of a dropped connection's body fails. Through workerd's own loopback (exports.default.fetch,
// fetch()), a JS body stream that errors reaches the receiving Worker as a clean, empty end
// instead (checked: the hooks receiver got "" with no error), which is not what a client
// disconnect looks like to a Worker.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OWNER, call, createImage, json } from "../helpers/api";
import { locations, noOrphans } from "../helpers/faults";
import { MiB, OCTET, bytes, digest, fetchWithEnv, objectsOf, rowOf, show, upload, waitStatus } from "../helpers/image-data";
import { stage } from "../helpers/imports";

type Phase = "before any byte" | "mid-body" | "at the last byte";
const PHASES: Phase[] = ["before any byte", "mid-body", "at the last byte"];

/** A body the service pulls piece by piece that breaks at `phase`; `broke` settles when it did. */
function breakingBody(data: Uint8Array, phase: Phase, piece = 256 * 1024) {
  const stopAt = phase === "before any byte" ? 0 : phase === "mid-body" ? Math.floor(data.length / 2) : data.length;
  let at = 0;
  let resolveBroke!: () => void;
  const broke = new Promise<void>((r) => (resolveBroke = r));
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (at >= stopAt) {
          c.error(new Error("connection reset by peer"));
          resolveBroke();
          return;
        }
        const end = Math.min(stopAt, at + piece);
        c.enqueue(data.slice(at, end));
        at = end;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, broke };
}

/** The client is gone: its request fails, or is answered with a 4xx; never a 5xx, never success. */
async function outcome(pending: Promise<Response>): Promise<number | "failed"> {
  const r = await pending.then(
    (res) => res.status,
    () => "failed" as const,
  );
  if (r !== "failed") expect(r).toBeGreaterThanOrEqual(400);
  if (r !== "failed") expect(r).toBeLessThan(500);
  return r;
}

const data = bytes(3 * MiB + 5, 41);

describe("client disconnect during PUT /file", () => {
  for (const sized of [true, false]) {
    for (const phase of PHASES) {
      it(`${sized ? "Content-Length" : "chunked"}, ${phase}: queued, no object, no location; the upload works afterwards`, async () => {
        const img = await createImage();
        const { stream, broke } = breakingBody(data, phase);
        const headers: Record<string, string> = { ...OCTET, ...(sized ? { "Content-Length": String(data.length) } : {}) };
        await outcome(fetchWithEnv({}, "PUT", `/v2/images/${img.id}/file`, { body: stream, headers }));
        await broke;
        expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null, checksum: null });
        expect(await locations(img.id)).toEqual([]);
        await noOrphans(img.id);
        expect(await objectsOf(img.id)).toEqual([]);
        expect((await upload(img.id, data)).status).toBe(204);
        expect(await show(img.id, OWNER)).toMatchObject({ status: "active", size: data.length, checksum: await digest("MD5", data) });
        await noOrphans(img.id);
      });
    }
  }
});

describe("client disconnect during PUT /stage", () => {
  for (const phase of PHASES) {
    it(`${phase}: queued, no staging object; staging works afterwards`, async () => {
      const img = await createImage();
      const { stream, broke } = breakingBody(data, phase);
      await outcome(fetchWithEnv({}, "PUT", `/v2/images/${img.id}/stage`, { body: stream, headers: OCTET }));
      await broke;
      expect(await rowOf(img.id)).toMatchObject({ status: "queued", size: null });
      await noOrphans(img.id);
      expect((await env.STORE1.list({ prefix: `staging/${img.id}/` })).objects).toEqual([]);
      expect((await stage(img.id, data)).status).toBe(204);
      expect(await show(img.id, OWNER)).toMatchObject({ status: "uploading", size: data.length });
      expect((await env.STORE1.list({ prefix: `staging/${img.id}/` })).objects).toHaveLength(1);
      await noOrphans(img.id);
    });
  }
});

describe("client disconnect during an upload session's part", () => {
  const PART = 5 * MiB;
  const whole = bytes(PART + 4321, 42);
  for (const phase of PHASES) {
    it(`${phase}: the part not recorded, the session open; resent, the session completes`, async () => {
      const img = await createImage();
      const base = `/v2/images/${img.id}/upload-sessions`;
      const s = await json(await call("POST", base, { body: { size: whole.length, part_size: PART } }));
      const part = (n: number, body: BodyInit) => call("PUT", `${base}/${s.id}/parts/${n}`, { raw: body, headers: OCTET });
      expect((await part(2, whole.slice(PART))).status).toBe(200);
      const { stream, broke } = breakingBody(whole.slice(0, PART), phase);
      await outcome(fetchWithEnv({}, "PUT", `${base}/${s.id}/parts/1`, { body: stream, headers: { ...OCTET, "Content-Length": String(PART) } }));
      await broke;
      const seen = await json(await call("GET", `${base}/${s.id}`));
      expect(seen).toMatchObject({ status: "uploading" });
      expect(seen.parts.map((p: any) => p.part_number)).toEqual([2]);
      expect((await rowOf(img.id)).status).toBe("saving");
      expect(await objectsOf(img.id)).toEqual([]);
      expect((await part(1, whole.slice(0, PART))).status).toBe(200);
      expect((await call("POST", `${base}/${s.id}/complete`)).status).toBe(202);
      await waitStatus(img.id, "active");
      expect(await show(img.id, OWNER)).toMatchObject({ size: whole.length, os_hash_value: await digest("SHA-512", whole) });
      expect(await objectsOf(img.id)).toHaveLength(1);
      await noOrphans(img.id);
    });
  }
});
