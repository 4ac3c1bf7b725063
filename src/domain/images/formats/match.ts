import { INSPECTABLE_FORMATS, type Inspection } from "./inspector";

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
