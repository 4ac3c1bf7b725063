// The POST /v2/images/{id}/import body, checked the way glance/api/v2/images.py does it
// (RequestDeserializer._validate_import_body, then ImagesController.import_image).
import { badRequest, conflict } from "../errors";
import type { Image } from "../images/image";
import type { Settings } from "../settings";
import { IMPORT_METHODS, type ImportMethod } from "./ports";

export interface ImportBody {
  method: ImportMethod;
  /** The method object as sent (uri, glance_region, glance_image_id, glance_service_interface). */
  details: Record<string, unknown>;
  stores: unknown;
  hasStores: boolean;
  allStores: boolean;
  allStoresMustSucceed: boolean;
  /** The body as sent, kept in the task's input (glance: import_req). */
  raw: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Step 1: method and flags (400). */
export function parseImportBody(body: unknown, settings: Settings): ImportBody {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (!isObject(body)) throw badRequest("Import request requires a 'method' field.");
  if (!("method" in body)) throw badRequest("Import request requires a 'method' field.");
  const method = body.method;
  if (!isObject(method) || !("name" in method)) throw badRequest("Import request requires a 'name' field.");
  const name = method.name;
  if (typeof name !== "string" || !settings.enabledImportMethods.includes(name) || !(IMPORT_METHODS as readonly string[]).includes(name)) {
    throw badRequest(`Unknown import method name '${String(name)}'.`);
  }
  const mustSucceed = body.all_stores_must_succeed ?? true;
  if (typeof mustSucceed !== "boolean") throw badRequest("'all_stores_must_succeed' must be boolean value only");
  const allStores = body.all_stores ?? false;
  if (typeof allStores !== "boolean") throw badRequest("'all_stores' must be boolean value only");
  return {
    method: name as ImportMethod,
    details: method,
    stores: body.stores,
    hasStores: "stores" in body,
    allStores,
    allStoresMustSucceed: mustSucceed,
    raw: body,
  };
}

/** Step 3: the status and formats the method needs (409). */
export function assertImportable(image: Image, method: ImportMethod): void {
  if (image.status === "active" && method !== "copy-image") throw conflict("Image with status active cannot be target for import");
  if (image.status !== "active" && method === "copy-image") throw conflict("Only images with status active can be targeted for copying");
  if (image.status !== "queued" && (method === "web-download" || method === "glance-download")) {
    throw conflict(`Image needs to be in 'queued' state to use '${method}' method`);
  }
  if (image.status !== "uploading" && method === "glance-direct") throw conflict("Image needs to be staged before 'glance-direct' method can be used");
  if (!image.containerFormat) throw conflict("'container_format' needs to be set before import");
  if (!image.diskFormat) throw conflict("'disk_format' needs to be set before import");
}

const UUID = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/** Step 4: glance-download needs the remote region and a UUID image id (400). */
export function assertGlanceDownloadInput(b: ImportBody): void {
  if (b.method !== "glance-download") return;
  if (!("glance_region" in b.details)) throw badRequest("'glance_region' needs to be set for glance-download import method");
  if (!("glance_image_id" in b.details)) throw badRequest("'glance_image_id' needs to be set for glance-download import method");
  const id = b.details.glance_image_id;
  if (typeof id !== "string" || !UUID.test(id)) throw badRequest(`Remote image id does not look like a UUID: ${String(id)}`);
  if (typeof b.details.glance_region !== "string") throw badRequest("'glance_region' needs to be set for glance-download import method");
  if (!("glance_service_interface" in b.details)) b.details.glance_service_interface = "public";
}

/**
 * Step 7 (glance/common/utils.py get_stores_from_request): `all_stores` (not with `stores` or
 * X-Image-Meta-Store: 400), else `stores`, else the header, else the default store. Unknown store
 * → 409. Duplicates are dropped.
 */
export function resolveStores(b: ImportBody, header: string | null, settings: Settings): string[] {
  let stores: string[];
  if (b.allStores) {
    if (b.hasStores || header !== null) throw badRequest("All_stores parameter can't be used with x-image-meta-store header or stores parameter");
    stores = settings.stores.map((s) => s.id).filter((id) => !id.startsWith("os_glance_"));
  } else if (b.hasStores) {
    if (header !== null) throw badRequest("Stores parameter and x-image-meta-store header can't be both specified");
    if (!Array.isArray(b.stores) || !b.stores.every((s) => typeof s === "string")) throw badRequest("'stores' must be a list of store identifiers");
    stores = b.stores as string[];
  } else {
    stores = [header ?? settings.defaultStore];
  }
  for (const s of stores) {
    if (!settings.stores.some((c) => c.id === s)) throw conflict(`Unknown scheme '${s}' found in URI`);
  }
  return [...new Set(stores)];
}
