import { HeaderFormat, startsWith } from "./capture";

/** QEMU QED: recognised only to be refused (nobody supports it; it can name a backing file). */
export class Qed extends HeaderFormat {
  readonly name = "qed";
  protected is(h: Uint8Array) {
    return startsWith(h, "QED\0");
  }
  override unsafe() {
    return this.matches() ? ["banned"] : [];
  }
}
