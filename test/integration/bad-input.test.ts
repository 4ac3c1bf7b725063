// "Never a 500": malformed requests and store failures get Glance-shaped 4xx/503 answers.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, PATCH21, call, createImage, json, patch } from "../helpers/api";
import { OCTET, bytes, download, fetchWithEnv, upload } from "../helpers/image-data";
import { importCall, waitTask } from "../helpers/imports";

async function activeImage(n: number) {
  const img = await createImage();
  expect((await upload(img.id, bytes(n))).status).toBe(204);
  return img.id as string;
}

const message = async (r: Response) => (await json(r)).message as string;

describe("Range on image data", () => {
  it("bytes=-0 (and -00) is unsatisfiable: 416 with Glance's start-position message, not R2's error", async () => {
    const id = await activeImage(1000);
    for (const range of ["bytes=-0", "bytes=-00", "bytes = - 0"]) {
      const r = await download(id, { headers: { Range: range } });
      expect(r.status, range).toBe(416);
      expect(await message(r)).toContain("Invalid start position in Range header. Start position MUST be in the inclusive range [0, 999].");
    }
    // a non-zero suffix still works, and one longer than the data means all of it
    const tail = await download(id, { headers: { Range: "bytes=-1" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("Content-Range")).toBe("bytes 999-999/1000");
    await tail.arrayBuffer();
    const all = await download(id, { headers: { Range: "bytes=-5000" } });
    expect(all.status).toBe(206);
    expect(all.headers.get("Content-Range")).toBe("bytes 0-999/1000");
    await all.arrayBuffer();
  });

  it("an image with empty data: any range (suffix included) is 416 [0, -1]; bytes=- is an invalid header", async () => {
    const id = await activeImage(0);
    for (const range of ["bytes=-0", "bytes=-1", "bytes=0-", "bytes=0-0"]) {
      const r = await download(id, { headers: { Range: range } });
      expect(r.status, range).toBe(416);
      expect(await message(r)).toContain("[0, -1]");
    }
    const r = await download(id, { headers: { Range: "bytes=-" } });
    expect(r.status).toBe(416);
    expect(await message(r)).toContain("Invalid Range header.");
  });
});

describe("GET /v2/images with too many parameters", () => {
  it("about a thousand filters: 400 before the database (was D1 'statement too long')", async () => {
    const q = Array.from({ length: 1000 }, (_, i) => `p${i}=v${i}`).join("&");
    const r = await call("GET", `/v2/images?${q}`);
    expect(r.status).toBe(400);
    expect(await message(r)).toContain("Too many query parameters: 1000");
  });

  it("more than 32 filters (tags included) is 400; 32 still answer", async () => {
    const props = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=v${i}`);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag=t${i}`);
    for (const q of [props(33), tags(33), [...props(13), ...tags(20)]]) {
      const r = await call("GET", `/v2/images?${q.join("&")}`);
      expect(r.status).toBe(400);
      expect(await message(r)).toContain("Too many filters: 33");
    }
    const long = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=${String(i).repeat(1000)}`);
    for (const q of [props(32), tags(32), long(32), [...props(12), ...tags(20), "sort=name:asc,size", "visibility=all"]]) {
      const r = await call("GET", `/v2/images?${q.join("&")}`);
      expect(r.status).toBe(200);
      expect((await json(r)).images).toEqual([]);
    }
  });
});

describe("JSON bodies", () => {
  const body16MiB = () => JSON.stringify({ name: "big", disk_format: "raw", container_format: "bare", foo: "x".repeat(16 << 20) });

  it("a 16 MiB JSON body is 413 (oslo.middleware's max_request_body_size), declared or chunked", async () => {
    const text = body16MiB();
    const declared = await call("POST", "/v2/images", { raw: text, headers: { "Content-Type": "application/json" } });
    expect(declared.status).toBe(413);
    expect(await message(declared)).toContain("Request is too large. Larger than max_request_body_size (114688).");
    const data = new TextEncoder().encode(text);
    let at = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= data.length) return c.close();
        c.enqueue(data.subarray(at, (at += 65536)));
      },
    });
    const r = await call("POST", "/v2/images", { raw: chunked, headers: { "Content-Type": "application/json" } });
    expect(r.status).toBe(413);
    // a PATCH too, and a body just under the limit is read as usual
    const img = await createImage();
    const big = await call("PATCH", `/v2/images/${img.id}`, { raw: JSON.stringify([{ op: "add", path: "/foo", value: "y".repeat(200_000) }]), headers: { "Content-Type": PATCH21 } });
    expect(big.status).toBe(413);
    const ok = await patch(img.id, [{ op: "add", path: "/foo", value: "y".repeat(100_000 - 200) }]);
    expect(ok.status).toBe(400); // within the body limit, over the property value limit (below)
  });

  it("an extra property value longer than 65535 characters is 400 (create and PATCH); 65535 is kept", async () => {
    const create = await call("POST", "/v2/images", { body: { name: "p", foo: "x".repeat(65536) } });
    expect(create.status).toBe(400);
    expect(await message(create)).toContain("is too long: more than 65535 characters (on 'foo')");
    const img = await createImage({ foo: "x".repeat(65535) });
    expect(img.foo).toHaveLength(65535);
    const r = await patch(img.id, [{ op: "add", path: "/description", value: "d".repeat(65536) }]);
    expect(r.status).toBe(400);
    expect(await message(r)).toContain("(on 'description')");
    expect((await json(await call("GET", `/v2/images/${img.id}`))).description).toBeUndefined();
  });

  it("deeply nested JSON is 400, not a stack overflow (was 500 on metadef namespaces)", async () => {
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    for (const [method, path] of [["POST", "/v2/metadefs/namespaces"], ["PUT", "/v2/metadefs/namespaces/OS::Compute::Libvirt"], ["POST", "/v2/images"], ["POST", "/v2/tasks"]]) {
      for (const body of [deep(10_000), `{"namespace":"n","properties":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`]) {
        const r = await call(method, path, { raw: body, token: ADMIN, headers: { "Content-Type": "application/json" } });
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(await message(r)).toContain("Malformed JSON in request body: nested deeper than 32 levels.");
      }
    }
    // 32 levels are read as usual (then refused by the schema), brackets inside strings do not count
    const ok = await call("POST", "/v2/images", { raw: `{"name":"${"[".repeat(100)}","a":${deep(31)}}`, headers: { "Content-Type": "application/json" } });
    expect(ok.status).toBe(400);
    expect(await message(ok)).toContain("is not of type 'string' (on 'a')");
  });

  it("bytes that are not UTF-8 are malformed JSON (400)", async () => {
    const raw = new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"name":"\xff\xfe"}
    const r = await call("POST", "/v2/images", { raw, headers: { "Content-Type": "application/json" } });
    expect(r.status).toBe(400);
    expect(await message(r)).toContain("Malformed JSON in request body.");
  });
});

describe("store failures on read", () => {
  const failingGet = (error: string) => ({
    ...env.STORE1,
    get: async () => {
      throw new Error(error);
    },
  }) as unknown as R2Bucket;

  it("R2 failing a get: 503 (store down), never 500", async () => {
    const id = await activeImage(1000);
    const r = await fetchWithEnv({ STORE1: failingGet("get: We encountered an internal error. Please try again. (10001)") }, "GET", `/v2/images/${id}/file`);
    expect(r.status).toBe(503);
    expect(await message(r)).toContain("Error reading the image data from store store1.");
  });

  it("R2's own 'range not satisfiable' (10039) is a 416", async () => {
    const id = await activeImage(1000);
    const r = await fetchWithEnv({ STORE1: failingGet("get: The requested range is not satisfiable (10039)") }, "GET", `/v2/images/${id}/file`, {
      headers: { Range: "bytes=10-20" },
    });
    expect(r.status).toBe(416);
  });

  it("a failing store passes to the image's next location (as glance.location does)", async () => {
    const data = bytes(5000, 3);
    const img = await createImage();
    expect((await upload(img.id, data)).status).toBe(204);
    expect((await importCall(img.id, { method: { name: "copy-image" }, stores: ["store2"] }, { token: ADMIN })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    const r = await fetchWithEnv({ STORE1: failingGet("R2 unavailable") }, "GET", `/v2/images/${img.id}/file`);
    expect(r.status).toBe(200);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(data);
  });

  it("R2 failing a write is 503 with the image back to queued (no 500)", async () => {
    const img = await createImage();
    const failing = { ...env.STORE1, put: async () => Promise.reject(new Error("R2 down")), delete: async () => {} } as unknown as R2Bucket;
    const r = await fetchWithEnv({ STORE1: failing }, "PUT", `/v2/images/${img.id}/file`, { body: bytes(1000), headers: OCTET });
    expect(r.status).toBe(503);
    expect((await json(await call("GET", `/v2/images/${img.id}`))).status).toBe("queued");
  });
});
