import { ascii, Detector } from "./capture";

/** ISO 9660 / UDF: a volume descriptor at 32 KiB; the primary one gives blocks × block size. */
export class Iso extends Detector {
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
