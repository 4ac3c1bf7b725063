import { ascii, Detector, NotThisFormat, startsWith, u64 } from "./capture";

/**
 * VMDK: a sparse extent ("KDMV" header, the descriptor at sector 1, and for a grain directory at
 * the end a footer before the end-of-stream marker), or a text-only descriptor (which names other
 * files: refused). Only monolithicSparse and streamOptimized, one file, are accepted.
 */
export class Vmdk extends Detector {
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
