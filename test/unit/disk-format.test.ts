import { describe, expect, it } from "vitest";
import { DiskFormatInspector, type Inspection } from "../../src/domain/images/formats/inspector";
import { judgeDiskFormat } from "../../src/domain/images/formats/match";
import { type DiskImageName, diskImage } from "../fixtures/disk-images";
import { bytes } from "../helpers/image-data";

const GiB = 1024 ** 3;

/** Runs `data` through an inspector in chunks of `size` bytes (the result must not depend on it). */
function inspect(data: Uint8Array, size = 1 << 20): Inspection {
  const i = new DiskFormatInspector();
  for (let at = 0; at < data.byteLength; at += size) i.update(data.subarray(at, at + size));
  return i.result();
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
};

const text = (s: string) => new TextEncoder().encode(s);

/** An ISO 9660 image: 16 empty sectors, then a primary volume descriptor of `blocks` blocks of 2048 bytes. */
function iso(blocks: number, extra = 4096): Uint8Array {
  const out = new Uint8Array(32 * 1024 + 2048 + extra);
  const pvd = out.subarray(32 * 1024);
  pvd[0] = 1;
  pvd.set(text("CD001"), 1);
  pvd[6] = 1;
  const v = new DataView(pvd.buffer, pvd.byteOffset);
  v.setUint32(80, blocks, true);
  v.setUint32(84, blocks, false);
  v.setUint16(128, 2048, true);
  v.setUint16(130, 2048, false);
  return out;
}

describe("disk format inspection (real images made by qemu-img)", () => {
  const cases: [DiskImageName, string, number][] = [
    ["qcow2", "qcow2", GiB],
    ["qcow2v2", "qcow2", GiB],
    ["vhd", "vhd", 1073995776],
    ["vhdx", "vhdx", GiB],
    ["vmdkSparse", "vmdk", GiB],
    ["vmdkStream", "vmdk", GiB],
    ["vdi", "vdi", GiB],
  ];
  for (const [name, format, virtualSize] of cases) {
    it(`${name}: ${format}, virtual size ${virtualSize}, safe, whatever the chunk size`, async () => {
      const data = await diskImage(name);
      for (const chunk of [1 << 20, 65536, 4093, 512, 7]) {
        expect(inspect(data, chunk)).toEqual({ format, virtualSize, unsafe: [], size: data.byteLength });
      }
    });
  }

  it("a qcow2 with a backing file, or an external data file, is unsafe", async () => {
    expect(inspect(await diskImage("qcow2Backing"))).toMatchObject({ format: "qcow2", unsafe: ["backing_file"] });
    expect(inspect(await diskImage("qcow2DataFile"))).toMatchObject({ format: "qcow2", virtualSize: 64 << 20, unsafe: ["data_file"] });
  });

  it("a qcow2 v3 with an unknown incompatible feature is unsafe", async () => {
    const data = await diskImage("qcow2");
    data[72 + 7] |= 0x10; // bit 4: beyond the features Glance knows
    expect(inspect(data)).toMatchObject({ format: "qcow2", unsafe: ["unknown_features"] });
  });

  it("QED is recognised and always refused", async () => {
    expect(inspect(await diskImage("qed"))).toMatchObject({ format: "qed", unsafe: ["banned"] });
  });

  it("a text VMDK descriptor (monolithicFlat: names another file) is a vmdk that fails its safety check", async () => {
    const data = await diskImage("vmdkFlatDescriptor");
    expect(inspect(data, 100)).toEqual({ format: "vmdk", virtualSize: 0, unsafe: ["descriptor"], size: data.byteLength });
  });

  it("a sparse VMDK whose extent is a path elsewhere is unsafe", async () => {
    const data = await diskImage("vmdkSparse");
    const desc = new TextDecoder().decode(data.subarray(512, 1024));
    expect(desc).toContain('"sparse.vmdk"');
    data.set(text(desc.replace('"sparse.vmdk"', '"/etc/passwd"')), 512); // same length
    expect(inspect(data)).toMatchObject({ format: "vmdk", virtualSize: GiB, unsafe: ["descriptor"] });
  });

  it("a VMDK descriptor with a line it does not understand is unsafe", async () => {
    const data = await diskImage("vmdkSparse");
    const desc = new TextDecoder().decode(data.subarray(512, 1024));
    data.set(text(desc.replace("# Extent description", "bogus line nobody k")), 512);
    expect(inspect(data)).toMatchObject({ format: "vmdk", unsafe: ["descriptor"] });
  });

  it("a streamOptimized VMDK with its grain directory at the end needs a valid footer", async () => {
    const data = await diskImage("vmdkStream");
    const header = data.slice(0, 512);
    new DataView(header.buffer).setBigUint64(56, 0xffffffffffffffffn, true);
    const footerMarker = new Uint8Array(512);
    new DataView(footerMarker.buffer).setUint32(12, 3, true);
    const footer = data.slice(0, 512); // the real header (grain directory offset 150), as a footer
    const eos = new Uint8Array(512);
    const good = concat(header, data.subarray(512), footerMarker, footer, eos);
    expect(inspect(good)).toMatchObject({ format: "vmdk", virtualSize: GiB, unsafe: [] });
    expect(inspect(concat(header, data.subarray(512)))).toMatchObject({ format: "vmdk", unsafe: ["footer"] });
    const badMarker = footerMarker.slice();
    badMarker[12] = 2;
    expect(inspect(concat(header, data.subarray(512), badMarker, footer, eos))).toMatchObject({ unsafe: ["footer"] });
  });

  it("an ISO 9660 image: blocks × block size", () => {
    expect(inspect(iso(1000), 3000)).toMatchObject({ format: "iso", virtualSize: 1000 * 2048, unsafe: [] });
  });

  it("anything else is raw, its virtual size its size; two formats at once is an error", async () => {
    const random = bytes(300_000, 7);
    expect(inspect(random)).toEqual({ format: "raw", virtualSize: 300_000, unsafe: [], size: 300_000 });
    expect(inspect(text("just some text, not a descriptor\n"))).toMatchObject({ format: "raw" });
    expect(inspect(new Uint8Array(0))).toMatchObject({ format: "raw", size: 0 });
    const both = iso(10);
    both.set((await diskImage("qcow2")).subarray(0, 512));
    expect(inspect(both)).toEqual({ format: null, error: "Multiple formats detected: qcow2,iso", size: both.byteLength });
  });
});

describe("broken images never break an upload", () => {
  it("corrupted headers and tables: an answer, never an exception", async () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const name of ["qcow2", "vhdx", "vmdkSparse", "vmdkStream", "vdi", "vhd"] as const) {
      const original = await diskImage(name);
      for (let round = 0; round < 40; round++) {
        const data = original.slice(0, Math.min(original.length, 300 * 1024));
        // hit the places the detectors read: the first sectors, the VHDX region table and metadata
        for (let k = 0; k < 24; k++) {
          const at = [rand(1024), 192 * 1024 + rand(256), rand(data.length)][k % 3];
          if (at < data.length) data[at] = rand(256);
        }
        const r = inspect(data, 1 + rand(70_000));
        expect(r.size).toBe(data.length);
      }
    }
  });

  it("a VHDX metadata table of 2047 entries, none the virtual size: the detector drops out, the data reads as raw", async () => {
    const data = await diskImage("vhdx");
    const table = new DataView(data.buffer, 192 * 1024);
    const meta = Number(table.getBigUint64(16 + 16, true)); // the first region entry's file offset
    const metaIsFirst = new TextDecoder().decode(data.subarray(meta, meta + 8)) === "metadata";
    const at = metaIsFirst ? meta : Number(table.getBigUint64(16 + 32 + 16, true));
    new DataView(data.buffer, at).setUint16(10, 2047, true);
    new Uint8Array(data.buffer, at + 32, 2047 * 32 > 64 * 1024 - 32 ? 64 * 1024 - 32 : 2047 * 32).fill(0);
    expect(inspect(data)).toMatchObject({ format: "raw" });
  });
});

describe("judging the data against the image's disk_format (glance location.py set_data)", () => {
  const bare = (diskFormat: string) => ({ diskFormat, containerFormat: "bare" });
  const qcow2: Inspection = { format: "qcow2", virtualSize: GiB, unsafe: [], size: 196624 };
  const raw: Inspection = { format: "raw", virtualSize: 5000, unsafe: [], size: 5000 };
  const unsafeQcow2: Inspection = { ...qcow2, unsafe: ["backing_file"] };

  it("matching content: the format's virtual size", () => {
    expect(judgeDiskFormat(bare("qcow2"), qcow2, true)).toEqual({ ok: true, virtualSize: GiB });
    expect(judgeDiskFormat(bare("raw"), raw, true)).toEqual({ ok: true, virtualSize: 5000 });
  });

  it("raw accepts any safe content, its virtual size the byte count", () => {
    expect(judgeDiskFormat(bare("raw"), qcow2, true)).toEqual({ ok: true, virtualSize: 196624 });
  });

  it("formats nobody inspects (ami...) accept unrecognised content, with no virtual size", () => {
    expect(judgeDiskFormat(bare("ami"), raw, true)).toEqual({ ok: true, virtualSize: null });
    expect(judgeDiskFormat(bare("ami"), qcow2, true)).toEqual({ ok: false, message: "Image disk_format ami does not match stream data qcow2" });
  });

  it("a mismatch is refused, unless require_image_format_match is off", () => {
    expect(judgeDiskFormat(bare("qcow2"), raw, true)).toEqual({ ok: false, message: "Image disk_format qcow2 does not match stream data raw" });
    expect(judgeDiskFormat(bare("qcow2"), raw, false)).toEqual({ ok: true, virtualSize: null });
    const multiple: Inspection = { format: null, error: "Multiple formats detected: qcow2,iso", size: 1 };
    expect(judgeDiskFormat(bare("iso"), multiple, true)).toEqual({ ok: false, message: "Multiple formats detected: qcow2,iso" });
  });

  it("unsafe content is refused whatever it claims to be, and whatever require_image_format_match says", () => {
    for (const claim of ["qcow2", "raw"]) {
      for (const require of [true, false]) {
        expect(judgeDiskFormat(bare(claim), unsafeQcow2, require)).toEqual({ ok: false, message: "Image failed safety checks" });
      }
    }
  });

  it("only a bare container is inspected", () => {
    expect(judgeDiskFormat({ diskFormat: "qcow2", containerFormat: "ovf" }, raw, true)).toEqual({ ok: true, virtualSize: null });
    expect(judgeDiskFormat({ diskFormat: "raw", containerFormat: "ovf" }, unsafeQcow2, true)).toEqual({ ok: true, virtualSize: null });
  });
});
