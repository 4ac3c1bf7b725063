// POST /v2/images/{id}/locations (Image API 2.17; glance/api/v2/images.py add_location and the
// add_location schema). Glance registers the URL as a location of its store; here the data is
// copied into the default R2 store by a location_import task that runs on the import machinery
// (the image's lock, its steps, the queue): a `location-import` method nobody can name in POST
// /import. See README "Locations API" for why the data is copied rather than left remote.
import type { RequestContext } from "../context";
import { badRequest, conflict, forbidden, imageNotFound, serviceUnavailable } from "../errors";
import { loadImage } from "../images/access";
import { locationTaskInput } from "../imports/location-source";
import { IMPORT_TASK } from "../imports/properties";
import { DIGEST_ALGOS, type DigestAlgo } from "../imports/sources";
import { checkImportUri } from "../imports/url-filter";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { addTask, newTask } from "../tasks/lifecycle";

export interface LocationRequest {
  url: string;
  validation: { os_hash_algo: DigestAlgo; os_hash_value: string } | null;
}

const DIGEST_BYTES: Record<DigestAlgo, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const schemaError = (reason: string) => badRequest(`Provided object does not match schema 'add_location': ${reason}`);
const repr = (v: unknown) => (typeof v === "string" ? `'${v}'` : v === null ? "None" : typeof v === "boolean" ? (v ? "True" : "False") : JSON.stringify(v));

/** The body against glance's add_location schema (400; the deserializer's check, before anything else). */
export function parseLocationBody(body: unknown): LocationRequest {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (!isObject(body)) throw schemaError(`${repr(body)} is not of type 'object'`);
  if (!("url" in body)) throw schemaError("'url' is a required property");
  if (typeof body.url !== "string") throw schemaError(`${repr(body.url)} is not of type 'string'`);
  const v = body.validation_data;
  if (v === undefined) return { url: body.url, validation: null };
  if (!isObject(v)) throw schemaError(`${repr(v)} is not of type 'object'`);
  const extra = Object.keys(v).filter((k) => k !== "os_hash_algo" && k !== "os_hash_value");
  if (extra.length > 0) throw schemaError(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(", ")} ${extra.length > 1 ? "were" : "was"} unexpected)`);
  if (Object.keys(v).length === 0) return { url: body.url, validation: null };
  if (!("os_hash_algo" in v)) throw schemaError("'os_hash_algo' is a dependency of 'os_hash_value'");
  if (!("os_hash_value" in v)) throw schemaError("'os_hash_value' is a dependency of 'os_hash_algo'");
  const { os_hash_algo: algo, os_hash_value: value } = v;
  if (typeof algo !== "string" || !(DIGEST_ALGOS as readonly string[]).includes(algo)) {
    throw schemaError(`${repr(algo)} is not one of ['sha1', 'sha256', 'sha512', 'md5']`);
  }
  if (typeof value !== "string") throw schemaError(`${repr(value)} is not of type 'string'`);
  if (value.length > 128) throw schemaError(`${repr(value)} is too long`);
  return { url: body.url, validation: { os_hash_algo: algo as DigestAlgo, os_hash_value: value } };
}

/** glance _validate_hashing_data: hexadecimal, and as long as the algorithm's digest (400). */
function checkDigest(v: NonNullable<LocationRequest["validation"]>): NonNullable<LocationRequest["validation"]> {
  const value = v.os_hash_value;
  if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw badRequest(`os_hash_value (${value}) is not a valid hexadecimal value`);
  const want = DIGEST_BYTES[v.os_hash_algo];
  if (value.length !== want * 2) throw badRequest(`os_hash_value: (${value}) is not the correct size for (${v.os_hash_algo}) (should be (${want}) bytes)`);
  return { os_hash_algo: v.os_hash_algo, os_hash_value: value.toLowerCase() };
}

/**
 * In glance's order: the body's schema (400), the image (404), status queued (409), add_image_location
 * (403; 404 when the caller cannot see the image), a caller without the service role only for
 * http(s) URLs and only with an http store configured (403), the digest (400), formats set (400),
 * the URL filter (400), a live import lock (409). Then the lock is taken, the location_import task
 * added and the work queued. Returns the task id.
 */
export async function addLocation(services: Services, ctx: RequestContext, id: string, body: unknown): Promise<string> {
  assertMutable(ctx);
  const req = parseLocationBody(body);
  const { image, policy } = await loadImage(services, ctx, id);
  if (image.status !== "queued") throw conflict(`It's not allowed to add locations if image status is ${image.status}.`);
  policy.enforce("add_image_location", "You are not authorized to complete add_image_location action.");
  const http = /^https?:\/\//i.test(req.url);
  if (!ctx.roles.includes("service") && !(http && services.settings.httpStore)) {
    throw forbidden("http store must be enabled to use location API by normal user.");
  }
  const validation = req.validation && checkDigest(req.validation);
  if (!image.diskFormat || !image.containerFormat) throw badRequest("Properties disk_format, container_format must be set prior to saving data.");
  if (!http || !checkImportUri(req.url, services.settings.importFilter).ok) {
    throw badRequest(`URI for location import does not pass filtering: ${req.url}`);
  }
  if (image.properties[IMPORT_TASK] && (await services.imports.lockHolder(id))) throw conflict("Image has active task");

  const store = services.settings.defaultStore;
  const task = newTask(services, ctx, { type: "location_import", input: locationTaskInput(id, req.url, validation), imageId: id });
  const locked = await services.imports.acquire(id, { taskId: task.id, method: "location-import", stores: [store], allStoresMustSucceed: true });
  if (!locked.ok) throw locked.reason === "gone" ? imageNotFound(id) : conflict(locked.message);
  try {
    await addTask(services, task);
  } catch (e) {
    await services.imports.finish(id, task.id, { success: false, message: "The location import task could not be recorded." }).catch(() => {});
    throw e;
  }
  try {
    await services.jobs.importImage({ taskId: task.id, imageId: id, authToken: null, requestId: ctx.requestId || null, roles: ctx.roles });
  } catch (e) {
    console.error(`image ${id}: queueing location import task ${task.id} failed: ${String(e)}`);
    await services.imports.finish(id, task.id, { success: false, message: "The location import could not be queued." });
    throw serviceUnavailable("The location import could not be queued; try again later.");
  }
  return task.id;
}
