// The catalog's paging cursor: the sort values of the row a page starts after (or ends before),
// carried in the link itself, so a page view needs no marker lookup (one list query, no other). A
// forged cursor only moves the page: visibility is decided by the list query, never by the cursor.
import { badRequest } from "../errors";
import type { Image } from "../images/image";
import type { ImageListMarker } from "../ports";

type CursorFields = [id: string, name: string | null, size: number | null, createdAt: string, updatedAt: string];

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** base64url of the row's sort values (the catalog sorts by name, size, created_at, updated_at; ties by created_at, id). */
export function encodeCursor(image: Pick<Image, "id" | "name" | "size" | "createdAt" | "updatedAt">): string {
  const fields: CursorFields = [image.id, image.name, image.size, image.createdAt, image.updatedAt];
  const bytes = new TextEncoder().encode(JSON.stringify(fields));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The marker for the list query; 400 for anything that is not a cursor this module wrote. */
export function decodeCursor(cursor: string): ImageListMarker {
  const invalid = () => badRequest("Invalid page cursor: follow the catalog's own paging links.");
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let v: unknown;
  try {
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(v) || v.length !== 5) throw invalid();
  const [id, name, size, createdAt, updatedAt] = v as unknown[];
  const ok =
    typeof id === "string" &&
    id.length <= 64 &&
    (name === null || (typeof name === "string" && name.length <= 255)) &&
    (size === null || (typeof size === "number" && Number.isSafeInteger(size) && size >= 0)) &&
    typeof createdAt === "string" &&
    TIME.test(createdAt) &&
    typeof updatedAt === "string" &&
    TIME.test(updatedAt);
  if (!ok) throw invalid();
  // status and the formats are never catalog sort keys, so the keyset never reads them.
  return { id, name, size, createdAt, updatedAt, status: "active", containerFormat: null, diskFormat: null } as ImageListMarker;
}
