import { HeaderFormat, startsWith, u64 } from "./capture";

/** VHD (qemu "vpc"): the footer copy at the start of dynamic disks; size at byte 40, big-endian. */
export class Vhd extends HeaderFormat {
  readonly name = "vhd";
  protected is(h: Uint8Array) {
    return startsWith(h, "conectix");
  }
  override virtualSize() {
    const v = this.header();
    return v ? u64(v, 40, false) : 0;
  }
}
