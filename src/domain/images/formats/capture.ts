// The byte-capture engine of the format inspector: every detector keeps only the few byte ranges
// it needs (a header, a descriptor, a metadata table: at most about 1 MiB each) as the data goes
// through once, and may ask for more ranges once the captured ones say where they are.

/** A byte range of the stream to keep: [offset, offset + length), stored as it arrives. */
export class Capture {
  private buf = new Uint8Array(0);
  filled = 0;
  constructor(
    readonly offset: number,
    readonly length: number,
    /** At the end of the stream, this many bytes are enough (a short text descriptor). */
    readonly minLength = length,
  ) {}

  /** Copies the part of `chunk` (which starts at stream position `pos`) that falls in this range. */
  eat(chunk: Uint8Array, pos: number): void {
    const from = Math.max(this.offset + this.filled, pos);
    const to = Math.min(this.offset + this.length, pos + chunk.byteLength);
    // A range the stream has already passed can never be filled: it stays incomplete.
    if (from >= to || from !== this.offset + this.filled) return;
    const n = to - from;
    if (this.filled + n > this.buf.byteLength) {
      const grown = new Uint8Array(Math.min(this.length, Math.max(this.filled + n, this.buf.byteLength * 2)));
      grown.set(this.buf.subarray(0, this.filled));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(from - pos, to - pos), this.filled);
    this.filled += n;
  }

  get complete(): boolean {
    return this.filled === this.length;
  }

  /** What was captured (all of it when complete). */
  get data(): Uint8Array {
    return this.buf.subarray(0, this.filled);
  }

  view(): DataView {
    return new DataView(this.buf.buffer, this.buf.byteOffset, this.filled);
  }
}

/** The content is not (a valid) this format: the detector drops out. */
export class NotThisFormat extends Error {}

/** Bytes as Latin-1 text (any length). */
export function ascii(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.byteLength; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
export const startsWith = (b: Uint8Array, magic: string) => b.byteLength >= magic.length && ascii(b.subarray(0, magic.length)) === magic;
/** u64 as a JS number (exact up to 2^53, far beyond any disk). */
export const u64 = (v: DataView, at: number, little: boolean) => Number(v.getBigUint64(at, little));

/** One format's detector: the regions it captures, and what it says about them at the end. */
export abstract class Detector {
  abstract readonly name: string;
  protected readonly regions = new Map<string, Capture>();
  /** Set when the content turned out not to be this format (or to be a broken one). */
  dropped = false;
  /** The stream has ended: regions with a minimum length count as captured. */
  protected ended = false;
  /** A region was added since the current chunk was fed. */
  private added = false;

  protected region(name: string, offset: number, length: number, minLength?: number): void {
    this.regions.set(name, new Capture(offset, length, minLength));
    this.added = true;
  }

  /** A region, once captured (whole, or at the end of the stream at least its minimum length). */
  protected got(name: string): Capture | undefined {
    const r = this.regions.get(name);
    return r && (r.complete || (this.ended && r.filled > 0 && r.filled >= r.minLength)) ? r : undefined;
  }

  eat(chunk: Uint8Array, pos: number): void {
    this.guard(() => {
      // A region added while looking at this chunk may start inside it: feed until nothing is new
      // (a region that has taken its part of the chunk ignores it the second time).
      do {
        this.added = false;
        for (const r of this.regions.values()) r.eat(chunk, pos);
        this.progress();
      } while (this.added);
    });
  }

  /** End of stream: regions that accept a short read are settled now. */
  finish(tail: Uint8Array): void {
    this.ended = true;
    this.guard(() => {
      this.progress();
      this.atEnd(tail);
    });
  }

  /** A detector that fails on strange data (a bad offset, a short table) drops out; it never breaks the upload. */
  private guard(f: () => void): void {
    if (this.dropped) return;
    try {
      f();
    } catch {
      this.dropped = true;
      this.regions.clear();
    }
  }

  /** Whether it matched, and what it says, or null if it dropped out (now or while answering). */
  verdict(): { virtualSize: number; unsafe: string[] } | null {
    if (this.dropped) return null;
    try {
      return this.matches() ? { virtualSize: this.virtualSize(), unsafe: this.unsafe() } : null;
    } catch {
      this.dropped = true;
      return null;
    }
  }

  /** Called after each chunk: may add regions whose place the captured ones give. */
  protected progress(): void {}
  protected atEnd(_tail: Uint8Array): void {}
  abstract matches(): boolean;
  /** Bytes of the disk this image describes (0 when it cannot be told). */
  virtualSize(): number {
    return 0;
  }
  /** The safety checks that failed (names as Glance logs them). */
  unsafe(): string[] {
    return [];
  }
}

/** A format told by its first 512 bytes. */
export abstract class HeaderFormat extends Detector {
  constructor() {
    super();
    this.region("header", 0, 512);
  }
  /** Whether these first bytes are this format. */
  protected abstract is(header: Uint8Array, view: DataView): boolean;
  /** The header, when it is this format's. */
  protected header(): DataView | undefined {
    const h = this.got("header");
    return h && this.is(h.data, h.view()) ? h.view() : undefined;
  }
  matches() {
    return this.header() !== undefined;
  }
}
