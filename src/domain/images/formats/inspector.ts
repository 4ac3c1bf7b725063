// In-flight disk format inspection (what Glance does with oslo.utils' format_inspector on upload
// and import): the data goes through once, every detector keeps only the few byte ranges it needs
// (a header, a descriptor, a metadata table: at most about 1 MiB each), and at the end the
// content's format is known, with its virtual size and its safety problems (a qcow2 backing or
// data file, a VMDK extent naming another file, QED at all). Plain TypeScript, no I/O.

import type { Detector } from "./capture";
import { Iso } from "./iso";
import { Qcow2 } from "./qcow2";
import { Qed } from "./qed";
import { Vdi } from "./vdi";
import { Vhd } from "./vhd";
import { Vhdx } from "./vhdx";
import { Vmdk } from "./vmdk";

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
