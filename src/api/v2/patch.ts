import { badRequest } from "../../domain/errors";
import type { ImageChange } from "../../domain/images/update";
import { HttpError } from "../errors";

export const PATCH_V21 = "application/openstack-images-v2.1-json-patch";
export const PATCH_V20 = "application/openstack-images-v2.0-json-patch";
const ACCEPT_PATCH = `${PATCH_V20}, ${PATCH_V21}`;

/** 415 + Accept-Patch unless the body is one of Glance's two json-patch media types. */
export function patchMediaType(contentType: string | undefined): "v2.0" | "v2.1" {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === PATCH_V21) return "v2.1";
  if (type === PATCH_V20) return "v2.0";
  throw new HttpError(415, `Unsupported Content-Type`, { "Accept-Patch": ACCEPT_PATCH });
}

// glance/api/v2/images.py RequestDeserializer._decode_json_pointer: ~0 and ~1 only.
function decodePointer(pointer: string): string[] {
  if (!pointer.startsWith("/")) throw badRequest("Pointer `%s` does not start with \"/\".".replace("%s", pointer));
  if (pointer.includes("//")) throw badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith("/")) throw badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (/~[^01]|~$/.test(pointer)) throw badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function checkDepth(op: string, path: string[], pointer: string): void {
  const root = path[0];
  const okDepth = root === "locations" ? (op === "replace" ? [1] : [2]) : [1];
  if (!okDepth.includes(path.length) || root === "") throw badRequest(`Invalid JSON pointer for this resource: '${pointer}'`);
}

/** Parses either json-patch dialect into domain changes (all-or-nothing: errors are 400). */
export function parsePatch(body: unknown, mediaType: "v2.0" | "v2.1"): ImageChange[] {
  if (!Array.isArray(body)) throw badRequest("Request body must be a JSON array of operation objects.");
  return body.map((raw) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw badRequest("Operations must be JSON objects.");
    }
    const o = raw as Record<string, unknown>;
    let op: string;
    let pointer: unknown;
    if (mediaType === "v2.1") {
      op = o.op as string;
      if (!["add", "remove", "replace"].includes(op)) throw badRequest(`Unable to find 'op' in JSON Schema change / invalid operation: ${String(o.op)}`);
      pointer = o.path;
    } else {
      // draft-4: the operation's name is the key holding the path.
      const ops = ["add", "remove", "replace"].filter((k) => k in o);
      if (ops.length !== 1) throw badRequest("Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".");
      op = ops[0];
      pointer = o[op];
    }
    if (typeof pointer !== "string") throw badRequest(`Unable to find 'path' in JSON Schema change`);
    const path = decodePointer(pointer);
    checkDepth(op, path, pointer);
    if (op !== "remove" && !("value" in o)) throw badRequest(`Operation "${op}" requires a member named "value".`);
    return { op: op as ImageChange["op"], path, value: o.value, draft4: mediaType === "v2.0" };
  });
}
