import { HeaderFormat, u64 } from "./capture";

/** VirtualBox VDI: signature at 0x40, size at 0x170, little-endian. */
export class Vdi extends HeaderFormat {
  readonly name = "vdi";
  protected is(_h: Uint8Array, v: DataView) {
    return v.byteLength >= 0x178 && v.getUint32(0x40, true) === 0xbeda107f;
  }
  override virtualSize() {
    const v = this.header();
    return v ? u64(v, 0x170, true) : 0;
  }
}
