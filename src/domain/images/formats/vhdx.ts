import { ascii, Detector, NotThisFormat, startsWith, u64 } from "./capture";

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
export class Vhdx extends Detector {
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
