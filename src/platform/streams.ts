// Byte-stream helpers over the Workers runtime, shared by the adapters (store, import sources):
// one BYOB reader filling 1 MiB buffers (default reads of a request body come in 4 KiB chunks,
// and per-chunk JS work is what costs), falling back to the default reader for streams that are
// not byte streams (a JS ReadableStream in tests). Not an adapter: it implements no port.

export const READ_SIZE = 1 << 20;

/** Reads of up to READ_SIZE bytes from `body`, each into a fresh buffer the caller may keep. */
export interface ChunkReader {
  read(): Promise<{ value: Uint8Array | undefined; done: boolean }>;
  cancel(reason?: unknown): Promise<void>;
  release(): void;
}

export function chunkReader(body: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    byob = null;
  }
  const reader = byob ?? body.getReader();
  return {
    read: async () => {
      const r = byob ? await byob.readAtLeast(READ_SIZE, new Uint8Array(READ_SIZE)) : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      return { value: r.value, done: r.done };
    },
    cancel: (reason) => reader.cancel(reason),
    release: () => reader.releaseLock(),
  };
}

/** Yields the body in chunks of up to READ_SIZE bytes (each a fresh buffer the caller may keep). */
export async function* readChunks(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = chunkReader(body);
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { value, done } = await reader.read();
      // A cancelled read resolves as "done": the abort reason, not EOF, is the truth then.
      signal?.throwIfAborted();
      if (value && value.byteLength > 0) yield value;
      if (done) return;
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.release();
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
export const toHex = (buf: ArrayBuffer) => {
  const b = new Uint8Array(buf);
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
};

/** MD5 (Glance `checksum`) and SHA-512 (`os_hash_value`) over native DigestStreams: no tee. */
export class Hasher {
  private readonly md5 = new crypto.DigestStream("MD5");
  private readonly sha512 = new crypto.DigestStream("SHA-512");
  private readonly md5w = this.md5.getWriter();
  private readonly sha512w = this.sha512.getWriter();

  async update(chunk: Uint8Array): Promise<void> {
    await Promise.all([this.md5w.write(chunk), this.sha512w.write(chunk)]);
  }

  async digests(): Promise<{ md5: string; sha512: string }> {
    await Promise.all([this.md5w.close(), this.sha512w.close()]);
    const [md5, sha512] = await Promise.all([this.md5.digest, this.sha512.digest]);
    return { md5: toHex(md5), sha512: toHex(sha512) };
  }

  abort(): void {
    // An aborted DigestStream rejects its digest promise: nobody wants it now.
    this.md5.digest.catch(() => {});
    this.sha512.digest.catch(() => {});
    this.md5w.abort().catch(() => {});
    this.sha512w.abort().catch(() => {});
  }
}

/**
 * Passes `source` (of `length` bytes) into a FixedLengthStream, so the response keeps its
 * Content-Length, in READ_SIZE chunks (BYOB reads: little JS per byte, unlike a TransformStream
 * over small chunks), and reports how many bytes the consumer took: `delivered` settles, never
 * rejecting, when the copy ends, fails or the consumer goes away.
 */
export function countedStream(source: ReadableStream<Uint8Array>, length: number): { body: ReadableStream<Uint8Array>; delivered: Promise<number> } {
  const reader = chunkReader(source);
  const fixed = new FixedLengthStream(length);
  const writer = fixed.writable.getWriter();
  const delivered = (async () => {
    let n = 0;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (value && value.byteLength > 0) {
          // The identity stream holds no data: a write completes when the consumer has taken it.
          await writer.write(value);
          n += value.byteLength;
        }
        if (done) break;
      }
      await writer.close();
    } catch (e) {
      writer.abort(e).catch(() => {});
      reader.cancel(e).catch(() => {});
    }
    return n;
  })();
  return { body: fixed.readable, delivered };
}

/**
 * Passes `source` on in reads of up to READ_SIZE bytes, counting bytes for `onBytes`.
 * `failure()` tells a failure of the source itself (wrapped by `wrap`) from one of whatever
 * the stream is written to.
 */
export function meteredStream<E extends Error>(
  source: ReadableStream<Uint8Array>,
  onBytes: (total: number) => void,
  wrap: (e: unknown) => E,
): { stream: ReadableStream<Uint8Array>; failure: () => E | null } {
  const reader = chunkReader(source);
  let total = 0;
  let failed: E | null = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        let r: { value: Uint8Array | undefined; done: boolean };
        try {
          r = await reader.read();
        } catch (e) {
          failed = wrap(e);
          c.error(failed);
          return;
        }
        if (r.value && r.value.byteLength > 0) {
          total += r.value.byteLength;
          c.enqueue(r.value);
          onBytes(total);
        }
        if (r.done) c.close();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, failure: () => failed };
}
