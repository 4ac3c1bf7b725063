// In-flight disk format inspection (what Glance does with oslo.utils' format_inspector on upload
// and import): the data goes through once, every detector keeps only the few byte ranges it needs
// (a header, a descriptor, a metadata table: at most about 1 MiB each), and at the end the
// content's format is known, with its virtual size and its safety problems (a qcow2 backing or
// data file, a VMDK extent naming another file, QED at all). Plain TypeScript, no I/O.

/** A byte range of the stream to keep: [offset, offset + length), stored as it arrives. */
class Capture {
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
class NotThisFormat extends Error {}

/** Bytes as Latin-1 text (any length). */
function ascii(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.byteLength; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
const startsWith = (b: Uint8Array, magic: string) => b.byteLength >= magic.length && ascii(b.subarray(0, magic.length)) === magic;
/** u64 as a JS number (exact up to 2^53, far beyond any disk). */
const u64 = (v: DataView, at: number, little: boolean) => Number(v.getBigUint64(at, little));

abstract class Detector {
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
abstract class HeaderFormat extends Detector {
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

/** QEMU qcow2: big-endian header; a backing file, an external data file or unknown incompatible features are refused. */
class Qcow2 extends HeaderFormat {
  readonly name = "qcow2";
  protected is(h: Uint8Array) {
    return startsWith(h, "QFI\xfb");
  }
  override virtualSize() {
    const v = this.header();
    return v ? u64(v, 24, false) : 0;
  }
  override unsafe() {
    const v = this.header();
    if (!v) return [];
    const out: string[] = [];
    if (u64(v, 8, false) !== 0) out.push("backing_file");
    // Incompatible features (version 3 headers): bit 0 dirty, 1 corrupt, 2 external data file,
    // 3 compression type are known; anything above is refused, as Glance does.
    if (v.getUint32(4, false) >= 3) {
      const features = v.getBigUint64(72, false);
      if (features & 0x4n) out.push("data_file");
      if (features & ~0xfn) out.push("unknown_features");
    }
    return out;
  }
}

/** QEMU QED: recognised only to be refused (nobody supports it; it can name a backing file). */
class Qed extends HeaderFormat {
  readonly name = "qed";
  protected is(h: Uint8Array) {
    return startsWith(h, "QED\0");
  }
  override unsafe() {
    return this.matches() ? ["banned"] : [];
  }
}

/** VHD (qemu "vpc"): the footer copy at the start of dynamic disks; size at byte 40, big-endian. */
class Vhd extends HeaderFormat {
  readonly name = "vhd";
  protected is(h: Uint8Array) {
    return startsWith(h, "conectix");
  }
  override virtualSize() {
    const v = this.header();
    return v ? u64(v, 40, false) : 0;
  }
}

/** VirtualBox VDI: signature at 0x40, size at 0x170, little-endian. */
class Vdi extends HeaderFormat {
  readonly name = "vdi";
  protected is(_h: Uint8Array, v: DataView) {
    return v.byteLength >= 0x178 && v.getUint32(0x40, true) === 0xbeda107f;
  }
  override virtualSize() {
    const v = this.header();
    return v ? u64(v, 0x170, true) : 0;
  }
}

const GUID_METADATA_REGION = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
const GUID_VIRTUAL_DISK_SIZE = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
/** An MS GUID from 16 bytes: the first three fields little-endian, the rest as stored. */
function guid(b: Uint8Array, at: number): string {
  const v = new DataView(b.buffer, b.byteOffset + at, 16);
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, "0");
  const tail = Array.from(b.subarray(at + 8, at + 16), (x) => hex(x, 2)).join("");
  return `${hex(v.getUint32(0, true), 8)}-${hex(v.getUint16(4, true), 4)}-${hex(v.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** VHDX: "vhdxfile", then the region table at 192 KiB → the metadata region → its virtual-disk-size item. */
class Vhdx extends Detector {
  readonly name = "vhdx";
  private static readonly TABLE = 2048 * 32;
  constructor() {
    super();
    this.region("ident", 0, 32);
    this.region("regions", 192 * 1024, 64 * 1024);
  }
  matches() {
    const h = this.got("ident");
    return !!h && startsWith(h.data, "vhdxfile");
  }
  protected override progress() {
    const ident = this.got("ident");
    if (ident && !startsWith(ident.data, "vhdxfile")) throw new NotThisFormat();
    const table = this.got("regions");
    if (table && !this.regions.has("metadata")) {
      const v = table.view();
      if (v.getUint32(0, true) !== 0x69676572) throw new NotThisFormat(); // "regi"
      const count = v.getUint32(8, true);
      if (count >= 2048) throw new NotThisFormat();
      for (let i = 0; i < count; i++) {
        const at = 16 + i * 32;
        if (at + 32 > table.length) break;
        if (guid(table.data, at) === GUID_METADATA_REGION) {
          this.region("metadata", u64(v, at + 16, true), Vhdx.TABLE);
          return;
        }
      }
      throw new NotThisFormat();
    }
    const meta = this.got("metadata");
    if (meta && !this.regions.has("vds")) {
      if (ascii(meta.data.subarray(0, 8)) !== "metadata") throw new NotThisFormat();
      const v = meta.view();
      const count = v.getUint16(10, true);
      if (count >= 2048) throw new NotThisFormat();
      for (let i = 0; i < count; i++) {
        const at = 32 + i * 32;
        if (guid(meta.data, at) === GUID_VIRTUAL_DISK_SIZE) {
          this.region("vds", meta.offset + v.getUint32(at + 16, true), 8);
          return;
        }
      }
      throw new NotThisFormat();
    }
  }
  override virtualSize() {
    const vds = this.got("vds");
    return vds ? u64(vds.view(), 0, true) : 0;
  }
}

/**
 * VMDK: a sparse extent ("KDMV" header, the descriptor at sector 1, and for a grain directory at
 * the end a footer before the end-of-stream marker), or a text-only descriptor (which names other
 * files: refused). Only monolithicSparse and streamOptimized, one file, are accepted.
 */
class Vmdk extends Detector {
  readonly name = "vmdk";
  private static readonly DESC_MAX = (1 << 20) - 1;
  private static readonly GD_AT_END = 0xffffffffffffffffn;
  private text: string | null = null;
  private type = "formatnotfound";
  private sparse: DataView | null = null;
  private footer: Uint8Array | null = null;
  constructor() {
    super();
    this.region("header", 0, 512, 64);
    // Until the header says otherwise, the descriptor may be the whole (text) file.
    this.region("descriptor", 0, Vmdk.DESC_MAX, 4);
  }
  protected override progress() {
    const h = this.got("header");
    if (!h) return;
    this.regions.delete("header");
    if (!startsWith(h.data, "KDMV")) {
      if (!isText(h.data)) throw new NotThisFormat();
      return;
    }
    const v = h.view();
    const version = v.getUint32(4, true);
    if (version < 1 || version > 3) throw new NotThisFormat();
    const descOffset = u64(v, 28, true) * 512;
    if (descOffset !== 0x200) throw new NotThisFormat();
    this.sparse = v;
    this.region("descriptor", descOffset, Math.min(u64(v, 36, true) * 512, Vmdk.DESC_MAX));
  }
  protected override atEnd(tail: Uint8Array) {
    const d = this.got("descriptor");
    if (!d) return;
    let bytes = d.data;
    const nul = bytes.indexOf(0);
    if (nul >= 0) bytes = bytes.subarray(0, nul);
    if (bytes.some((b) => b > 0x7f)) return;
    this.text = ascii(bytes).toLowerCase();
    const m = /createtype="([^"]{0,63})"/.exec(this.text);
    this.type = m ? m[1] : "formatnotfound";
    if (this.gdAtEnd()) this.footer = tail.byteLength >= 1536 ? tail.subarray(tail.byteLength - 1536) : null;
  }
  private gdAtEnd(): boolean {
    return this.sparse !== null && this.sparse.getBigUint64(56, true) === Vmdk.GD_AT_END;
  }
  matches() {
    return this.sparse !== null || (this.text !== null && this.type !== "formatnotfound");
  }
  override virtualSize() {
    if (!this.sparse || !["monolithicsparse", "streamoptimized"].includes(this.type)) return 0;
    return u64(this.sparse, 12, true) * 512;
  }
  override unsafe() {
    if (!this.matches()) return [];
    if (this.text === null || !["monolithicsparse", "streamoptimized"].includes(this.type)) return ["descriptor"];
    const extents: string[] = [];
    for (const raw of this.text.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#") || line.startsWith("ddb")) continue;
      if (line.includes("=") && !line.split("=")[0].includes(" ")) continue; // header field
      if (["rw", "rdonly", "noaccess"].includes(line.split(" ")[0])) extents.push(line);
      else return ["descriptor"]; // a line we do not understand
    }
    if (extents.length === 0 || extents.some((e) => e.includes("/"))) return ["descriptor"];
    if (this.gdAtEnd() && !this.footerOk()) return ["footer"];
    return [];
  }
  /** Grain directory at the end (streamOptimized): footer marker, footer (agreeing with the header), end-of-stream marker. */
  private footerOk(): boolean {
    const f = this.footer;
    const header = this.sparse;
    if (!f || !header) return false;
    const at = (o: number) => new DataView(f.buffer, f.byteOffset + o, 512);
    const [marker, foot, eos] = [at(0), at(512), at(1024)];
    const zeros = (o: number) => f.subarray(o + 16, o + 512).every((b) => b === 0);
    return (
      startsWith(f.subarray(512), "KDMV") &&
      foot.getUint32(4, true) === header.getUint32(4, true) &&
      foot.getBigUint64(28, true) === header.getBigUint64(28, true) &&
      foot.getBigUint64(36, true) === header.getBigUint64(36, true) &&
      foot.getBigUint64(56, true) !== Vmdk.GD_AT_END &&
      marker.getUint32(8, true) === 0 &&
      marker.getUint32(12, true) === 3 &&
      zeros(0) &&
      eos.getBigUint64(0, true) === 0n &&
      eos.getUint32(8, true) === 0 &&
      eos.getUint32(12, true) === 0 &&
      zeros(1024)
    );
  }
}

const isText = (b: Uint8Array) => b.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c);

/** ISO 9660 / UDF: a volume descriptor at 32 KiB; the primary one gives blocks × block size. */
class Iso extends Detector {
  readonly name = "iso";
  constructor() {
    super();
    this.region("header", 32 * 1024, 2048);
  }
  matches() {
    const h = this.got("header");
    return !!h && ["CD001", "NSR02", "NSR03"].includes(ascii(h.data.subarray(1, 6)));
  }
  override virtualSize() {
    if (!this.matches()) return 0;
    const h = this.got("header")!;
    if (h.data[0] !== 1) return 0;
    const v = h.view();
    return v.getUint32(80, true) * v.getUint16(128, true);
  }
}

/** The formats this inspector recognises (Glance's, less GPT/MBR and LUKS); anything else reads as raw. */
export const INSPECTABLE_FORMATS = ["raw", "qcow2", "qed", "vhd", "vhdx", "vmdk", "vdi", "iso"] as const;

/** Bytes kept from the end of the stream (a streamOptimized VMDK's footer and end-of-stream marker). */
const TAIL = 1536;

/** Fed every chunk of an image's data, in order; `result()` once the stream has ended. */
export class DiskFormatInspector {
  private readonly detectors: Detector[] = [new Qcow2(), new Qed(), new Vhd(), new Vhdx(), new Vmdk(), new Vdi(), new Iso()];
  private pos = 0;
  private readonly tail = new Uint8Array(TAIL);
  private tailFill = 0;

  update(chunk: Uint8Array): void {
    for (const d of this.detectors) d.eat(chunk, this.pos);
    this.pos += chunk.byteLength;
    this.keepTail(chunk);
  }

  private keepTail(chunk: Uint8Array): void {
    if (chunk.byteLength >= TAIL) {
      this.tail.set(chunk.subarray(chunk.byteLength - TAIL));
      this.tailFill = TAIL;
      return;
    }
    const keep = Math.min(this.tailFill, TAIL - chunk.byteLength);
    this.tail.copyWithin(0, this.tailFill - keep, this.tailFill);
    this.tail.set(chunk, keep);
    this.tailFill = keep + chunk.byteLength;
  }

  /** What the data is: the one format that matched (raw when none did), or an error when several did. */
  result(): Inspection {
    const tail = this.tail.subarray(0, this.tailFill);
    for (const d of this.detectors) d.finish(tail);
    const matched = this.detectors.flatMap((d) => {
      const v = d.verdict();
      return v ? [{ format: d.name, ...v }] : [];
    });
    if (matched.length > 1) return { format: null, error: `Multiple formats detected: ${matched.map((m) => m.format).join(",")}`, size: this.pos };
    return { ...(matched[0] ?? { format: "raw", virtualSize: this.pos, unsafe: [] }), size: this.pos };
  }
}

export type Inspection =
  | { format: string; virtualSize: number; unsafe: string[]; size: number }
  | { format: null; error: string; size: number };

export type FormatVerdict = { ok: true; virtualSize: number | null } | { ok: false; message: string };

/**
 * Glance's rule (glance/location.py set_data) for the data of an image: only a `bare` container is
 * inspected. The detected format must be the image's disk_format (raw content is fine for formats
 * nobody can inspect, such as ami; any content is fine for raw, whose virtual size is then its size),
 * unless `requireMatch` is off; and the content must pass its format's safety checks, always.
 */
export function judgeDiskFormat(
  image: { diskFormat: string | null; containerFormat: string | null },
  inspection: Inspection,
  requireMatch: boolean,
): FormatVerdict {
  if (image.containerFormat !== "bare") return { ok: true, virtualSize: null };
  const mismatch = (message: string): FormatVerdict => (requireMatch ? { ok: false, message } : { ok: true, virtualSize: null });
  if (inspection.format === null) return mismatch(inspection.error);
  const { format, unsafe } = inspection;
  const claimed = image.diskFormat ?? "";
  let virtualSize: number | null;
  if (format === claimed) virtualSize = inspection.virtualSize || null;
  else if (format === "raw" && !(INSPECTABLE_FORMATS as readonly string[]).includes(claimed)) virtualSize = null;
  else if (claimed === "raw") virtualSize = inspection.size;
  else return mismatch(`Image disk_format ${claimed} does not match stream data ${format}`);
  if (unsafe.length) return { ok: false, message: "Image failed safety checks" };
  return { ok: true, virtualSize };
}
