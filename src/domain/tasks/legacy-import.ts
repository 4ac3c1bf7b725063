// The legacy `import` task of POST /v2/tasks (glance/common/scripts/utils.py
// validate_legacy_import_from_uri + unpack_task_input). Its input is checked when the task is
// created; running it (glance/async_/flows/base_import.py) is not offered: the task fails with a
// pointer to interoperable image import, which does the same job safely.
import { badRequest } from "../errors";

export const LEGACY_IMPORT_UNSUPPORTED =
  "Legacy 'import' tasks are not run by this service. Use interoperable image import instead: create the image, then POST /v2/images/{image_id}/import with method web-download.";

/** Task types the image API creates itself (api_image_import, location_import). */
export const createdByImageApi = (type: string) =>
  `Tasks of type '${type}' are created by the image API (POST /v2/images/{image_id}/import or the locations API), not by POST /v2/tasks.`;

// [import_filtering_opts] defaults: allowed_schemes http/https, allowed_ports 80/443, no host
// lists. Like the patched Glance, loopback, private, link-local and metadata hosts are refused.
const ALLOWED_SCHEMES = new Set(["http:", "https:"]);
const ALLOWED_PORTS = new Set(["80", "443"]);

/** Checks `input` of a legacy import task; 400 with the reason otherwise. */
export function validateLegacyImportInput(input: Record<string, unknown> | null): void {
  const from = input?.import_from;
  if (typeof from !== "string" || from === "") throw badRequest(`Invalid location: ${from === undefined || from === null ? "None" : String(from)}`);
  if (from.startsWith("file:///") || from.startsWith("filesystem:///")) {
    throw badRequest("File based imports are not allowed. Please use a non-local source of image data.");
  }
  if (!from.startsWith("http://") && !from.startsWith("https://")) {
    throw badRequest("The given uri is not valid. Please specify a valid uri from the following list of supported uri ['http']");
  }
  if (!passesImportFilter(from)) throw badRequest(`URI for legacy import task does not pass filtering: ${from}`);
  for (const key of ["import_from_format", "image_properties"]) {
    if (!(key in input!)) throw badRequest(`Input does not contain '${key}' field`);
  }
}

function passesImportFilter(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) return false;
  if (url.port !== "" && !ALLOWED_PORTS.has(url.port)) return false;
  return url.hostname !== "" && !isInternalHost(url.hostname);
}

/** Hosts that name this machine or a private network (no DNS here: literal names and addresses). */
export function isInternalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost") || h === "metadata.google.internal") return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (h.includes(":")) {
    return h === "::" || h === "::1" || /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("::ffff:") || h.startsWith("ff");
  }
  return false;
}
