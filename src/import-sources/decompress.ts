// glance image_decompression's byte work, streaming: a gzip file or a zip archive of exactly one
// file (stored or deflated, zip64 included, its CRC-32 checked) is decompressed on its way to the
// store; LHA archives and zips whose sizes follow their data are refused (the import fails).
import { type Source, SourceError } from "../domain/imports/sources";

const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;

/**
 * glance image_decompression: the data, decompressed when it starts like a zip (one file only),
 * an LHA archive (refused: Glance needs the optional lhafile module for it) or a gzip file; as it
 * is otherwise. An image whose container_format is `compressed` is kept as it is.
 */
export async function decompressed(source: Source, containerFormat: string | null): Promise<Source> {
  if (containerFormat === "compressed") return source;
  const input = new Bytes(source.body);
  const head = await input.peek(5);
  const at = (o: number, ...magic: number[]) => magic.every((b, i) => head[o + i] === b);
  if (at(0, 0x50, 0x4b, 0x03, 0x04)) return unzipped(input);
  if (at(2, 0x2d, 0x6c, 0x68)) {
    await input.cancel();
    throw new SourceError("Image decompression failed: LHA archives are not supported.");
  }
  if (at(0, 0x1f, 0x8b, 0x08)) {
    return { body: input.stream().pipeThrough(new DecompressionStream("gzip")), length: null };
  }
  return { body: input.stream(), length: source.length };
}

/** The one file of a zip archive, streamed out of its local entry (stored or deflated). */
async function unzipped(input: Bytes): Promise<Source> {
  const fail = async (why: string): Promise<never> => {
    await input.cancel();
    throw new SourceError(`Image decompression failed: ${why}`);
  };
  const header = await input.read(30);
  if (header.byteLength < 30) return fail("the zip archive is truncated.");
  const h = new DataView(header.buffer, header.byteOffset, 30);
  const flags = h.getUint16(6, true);
  const method = h.getUint16(8, true);
  const crc = h.getUint32(14, true);
  let compressed = h.getUint32(18, true);
  let size = h.getUint32(22, true);
  const nameLength = h.getUint16(26, true);
  const extra = await input.read(nameLength + h.getUint16(28, true));
  if (flags & 0x1) return fail("the zip archive is encrypted.");
  if (flags & 0x8) return fail("zip entries whose sizes follow their data (streamed zips) are not supported.");
  if (method !== 0 && method !== 8) return fail(`zip compression method ${method} is not supported.`);
  if (compressed === 0xffffffff || size === 0xffffffff) {
    // Zip64: the real sizes are in the extra field 0x0001 (uncompressed, then compressed).
    const sizes = zip64Sizes(extra.subarray(nameLength), size === 0xffffffff, compressed === 0xffffffff);
    if (!sizes) return fail("the zip64 entry has no sizes.");
    ({ size, compressed } = { size: sizes.size ?? size, compressed: sizes.compressed ?? compressed });
  }
  // Exactly `compressed` bytes of entry data, then the next record must end the archive (Glance
  // refuses an archive of more than one file).
  const entry = input.take(compressed, async () => {
    const next = await input.read(4);
    await input.cancel();
    const signature = next.byteLength === 4 ? new DataView(next.buffer, next.byteOffset, 4).getUint32(0, true) : -1;
    if (signature === ZIP_LOCAL) throw new SourceError("Image decompression failed: Archive contains more than one file.");
    if (signature !== ZIP_CENTRAL && signature !== ZIP_END) throw new SourceError("Image decompression failed: the zip archive is malformed.");
  });
  const body = method === 8 ? entry.pipeThrough(new DecompressionStream("deflate-raw")) : entry;
  return { body: body.pipeThrough(crcChecked(crc)), length: size };
}

/** Passes the data on, failing at its end unless its CRC-32 is `expected` (as Python's zipfile does). */
function crcChecked(expected: number): TransformStream<Uint8Array, Uint8Array> {
  let crc = 0xffffffff;
  return new TransformStream({
    transform(chunk, c) {
      for (let i = 0; i < chunk.byteLength; i++) crc = CRC_TABLE[(crc ^ chunk[i]) & 0xff] ^ (crc >>> 8);
      c.enqueue(chunk);
    },
    flush() {
      if ((crc ^ 0xffffffff) >>> 0 !== expected) throw new SourceError("Image decompression failed: the zip entry's CRC-32 does not match its data.");
    },
  });
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function zip64Sizes(extra: Uint8Array, wantSize: boolean, wantCompressed: boolean): { size?: number; compressed?: number } | null {
  const v = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.byteLength; ) {
    const id = v.getUint16(at, true);
    const length = v.getUint16(at + 2, true);
    if (id === 0x0001 && at + 4 + length <= extra.byteLength) {
      let o = at + 4;
      const next = () => {
        const n = o + 8 <= at + 4 + length ? Number(v.getBigUint64(o, true)) : null;
        o += 8;
        return n;
      };
      const size = wantSize ? next() : undefined;
      const compressed = wantCompressed ? next() : undefined;
      if (size === null || compressed === null) return null;
      return { size, compressed };
    }
    at += 4 + length;
  }
  return null;
}

/** A byte stream read in exact amounts, with what was looked at ahead kept for the next read. */
class Bytes {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private pending: Uint8Array[] = [];
  private buffered = 0;
  private done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else if (value.byteLength) {
        this.pending.push(value);
        this.buffered += value.byteLength;
      }
    }
  }

  /** Up to `n` bytes from the front, left in place. */
  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    return concat(this.pending, n);
  }

  /** Up to `n` bytes from the front (fewer only at the end). */
  async read(n: number): Promise<Uint8Array> {
    const out = await this.peek(n);
    this.drop(out.byteLength);
    return out;
  }

  private drop(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.pending[0];
      if (first.byteLength <= n) {
        this.pending.shift();
        n -= first.byteLength;
      } else {
        this.pending[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** The next chunk (what was looked ahead first), or null at the end. */
  private async next(): Promise<Uint8Array | null> {
    if (this.pending.length) {
      const chunk = this.pending.shift()!;
      this.buffered -= chunk.byteLength;
      return chunk;
    }
    if (this.done) return null;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return null;
    }
    return value;
  }

  /** The rest of the stream. */
  stream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const chunk = await this.next();
        if (chunk) c.enqueue(chunk);
        else c.close();
      },
      cancel: (reason) => this.reader.cancel(reason),
    });
  }

  /** Exactly the next `n` bytes as a stream (an error if the stream ends first), then `after()`. */
  take(n: number, after: () => Promise<void>): ReadableStream<Uint8Array> {
    let left = n;
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        if (left === 0) {
          await after();
          c.close();
          return;
        }
        const chunk = await this.next();
        if (!chunk) throw new SourceError("Image decompression failed: the zip archive is truncated.");
        if (chunk.byteLength > left) {
          this.pending.unshift(chunk.subarray(left));
          this.buffered += chunk.byteLength - left;
        }
        const part = chunk.subarray(0, Math.min(left, chunk.byteLength));
        left -= part.byteLength;
        c.enqueue(part);
      },
      cancel: (reason) => this.reader.cancel(reason),
    });
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}

function concat(parts: Uint8Array[], max: number): Uint8Array {
  const out = new Uint8Array(Math.min(max, parts.reduce((n, p) => n + p.byteLength, 0)));
  let at = 0;
  for (const p of parts) {
    if (at >= out.byteLength) break;
    const n = Math.min(p.byteLength, out.byteLength - at);
    out.set(p.subarray(0, n), at);
    at += n;
  }
  return out;
}
