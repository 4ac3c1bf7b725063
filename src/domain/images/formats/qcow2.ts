import { HeaderFormat, startsWith, u64 } from "./capture";

/** QEMU qcow2: big-endian header; a backing file, an external data file or unknown incompatible features are refused. */
export class Qcow2 extends HeaderFormat {
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
