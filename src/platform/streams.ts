// Byte-stream helpers over the Workers runtime, shared by the adapters (store, import sources):
// one BYOB reader filling 1 MiB buffers (default reads of a request body come in 4 KiB chunks,
// and per-chunk JS work is what costs), falling back to the default reader for streams that are
// not byte streams (a JS ReadableStream in tests). Not an adapter: it implements no port.

export const READ_SIZE = 1 << 20;

/** Reads of up to READ_SIZE bytes from `body`. */
export interface ChunkReader {
  read(): Promise<{ value: Uint8Array | undefined; done: boolean }>;
  cancel(reason?: unknown): Promise<void>;
  release(): void;
}

export interface ChunkOptions {
  /**
   * Read every chunk into the same 1 MiB buffer: a chunk is then valid only until the next read,
   * for callers that are done with it by then (they hash it, copy it, or write it to a stream
   * whose write completes once the bytes are taken). A fresh 1 MiB buffer per read costs an
   * mmap, 256 zero-filled pages and a munmap, and leaves garbage that grows the isolate's memory
   * by hundreds of MiB per large image before the GC catches up.
   */
  reuse?: boolean;
}

export function chunkReader(body: ReadableStream<Uint8Array>, options: ChunkOptions = {}): ChunkReader {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    byob = null;
  }
  const reader = byob ?? body.getReader();
  // The buffer the next read fills: the BYOB read transfers it and hands it back in its value.
  let spare: ArrayBuffer | null = null;
  return {
    read: async () => {
      if (!byob) {
        const r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        return { value: r.value, done: r.done };
      }
      const r = await byob.readAtLeast(READ_SIZE, new Uint8Array(options.reuse && spare ? spare : new ArrayBuffer(READ_SIZE)));
      if (options.reuse && r.value) spare = r.value.buffer as ArrayBuffer;
      return { value: r.value, done: r.done };
    },
    cancel: (reason) => reader.cancel(reason),
    release: () => reader.releaseLock(),
  };
}

/**
 * Yields the body in chunks of up to READ_SIZE bytes: each a fresh buffer the caller may keep,
 * or with `reuse` the same buffer, valid until the next chunk is asked for.
 */
export async function* readChunks(body: ReadableStream<Uint8Array>, signal?: AbortSignal, options: ChunkOptions = {}): AsyncGenerator<Uint8Array> {
  const reader = chunkReader(body, options);
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

/**
 * MD5 (Glance `checksum`) and SHA-512 (`os_hash_value`) over native DigestStreams: no tee. Each
 * costs about 2 s of CPU per GiB (BoringSSL, measured in workerd: bench/profile.mjs), so MD5 is
 * left out (`md5: false`) where the store computes it anyway (R2's single put: `checksums.md5`).
 * A chunk is hashed before `update` resolves: the caller may reuse its buffer then.
 */
export class Hasher {
  private readonly streams: [name: "md5" | "sha512", stream: DigestStream, writer: WritableStreamDefaultWriter<ArrayBuffer | ArrayBufferView>][] = [];

  constructor(options: { md5?: boolean } = {}) {
    const add = (name: "md5" | "sha512", algorithm: string) => {
      const stream = new crypto.DigestStream(algorithm);
      this.streams.push([name, stream, stream.getWriter()]);
    };
    if (options.md5 !== false) add("md5", "MD5");
    add("sha512", "SHA-512");
  }

  async update(chunk: Uint8Array): Promise<void> {
    for (const [, , w] of this.streams) await w.write(chunk);
  }

  /** The digests in hex; `md5` is null when it was left out. */
  async digests(): Promise<{ md5: string | null; sha512: string }> {
    const out: { md5: string | null; sha512: string } = { md5: null, sha512: "" };
    for (const [name, stream, w] of this.streams) {
      await w.close();
      out[name] = toHex(await stream.digest);
    }
    return out;
  }

  abort(): void {
    for (const [, stream, w] of this.streams) {
      // An aborted DigestStream rejects its digest promise: nobody wants it now.
      stream.digest.catch(() => {});
      w.abort().catch(() => {});
    }
  }
}

/**
 * Passes `source` (of `length` bytes) into a FixedLengthStream, so the response keeps its
 * Content-Length, in READ_SIZE chunks read into one buffer (BYOB reads: little JS per byte,
 * unlike a TransformStream over small chunks), and reports how many bytes the consumer took: `delivered` settles, never
 * rejecting, when the copy ends, fails or the consumer goes away.
 */
export function countedStream(source: ReadableStream<Uint8Array>, length: number): { body: ReadableStream<Uint8Array>; delivered: Promise<number> } {
  // One buffer for the whole copy: a write below completes once the consumer has taken its bytes.
  const reader = chunkReader(source, { reuse: true });
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
