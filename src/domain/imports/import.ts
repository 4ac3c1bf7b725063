import type { RequestContext } from "../context";
import { badRequest, conflict, imageNotFound, serviceUnavailable } from "../errors";
import { loadImage } from "../images/access";
import { assertMutable } from "../policy/image-policy";
import { assertImageSizeTotal } from "../quotas";
import type { Services } from "../services";
import { addTask, newTask } from "../tasks/lifecycle";
import { IMPORT_TASK } from "./properties";
import { assertGlanceDownloadInput, assertImportable, parseImportBody, resolveStores } from "./import-request";
import { checkImportUri } from "./url-filter";

export interface ImportRequest {
  body: unknown;
  /** X-Image-Meta-Store. */
  storeHeader: string | null;
}

/**
 * POST /v2/images/{id}/import (glance/api/v2/images.py import_image), in Glance's order: the body
 * (400), read-only contexts (403), image_size_total (413), the image (404), status and formats (409), glance-download input
 * (400), copy_image or modify_image (403), a live import lock (409), stores (400/409; copy-image
 * skips or refuses stores that already hold the data), the web-download URL filter (400). Then
 * the lock is taken in the image's coordinator (a race → 409), the api_image_import task is added
 * and the work is queued. Returns the task id, or null when copy-image had nothing to copy.
 */
export async function importImage(services: Services, ctx: RequestContext, id: string, req: ImportRequest): Promise<string | null> {
  const body = parseImportBody(req.body, services.settings);
  assertMutable(ctx);
  await assertImageSizeTotal(services, ctx.projectId);
  const { image, policy } = await loadImage(services, ctx, id);
  assertImportable(image, body.method);
  assertGlanceDownloadInput(body);
  if (body.method === "copy-image") policy.enforce("copy_image", "You are not authorized to complete copy_image action.");
  else policy.enforce("modify_image", "You are not authorized to complete modify_image action.");
  if (image.properties[IMPORT_TASK] && (await services.imports.lockHolder(id))) throw conflict("Image has active task");

  let stores = resolveStores(body, req.storeHeader, services.settings);
  if (body.method === "copy-image") {
    const present = stores.filter((s) => image.stores.includes(s));
    if (body.allStores) {
      stores = stores.filter((s) => !present.includes(s));
      if (stores.length === 0) return null; // already everywhere: nothing to do (glance answers 202)
    } else if (present.length > 0) {
      throw badRequest(`Image is already present at store '${present[0]}'`);
    }
  }
  if (body.method === "web-download") {
    const check = checkImportUri(body.details.uri, services.settings.importFilter);
    if (!check.ok) throw badRequest(`URI for web-download does not pass filtering: ${String(body.details.uri ?? "None")}`);
  }

  const task = newTask(services, ctx, {
    type: "api_image_import",
    input: { image_id: id, import_req: body.raw, backend: stores },
    imageId: id,
  });
  const locked = await services.imports.acquire(id, {
    taskId: task.id,
    method: body.method,
    stores,
    allStoresMustSucceed: body.allStoresMustSucceed,
  });
  if (!locked.ok) throw locked.reason === "gone" ? imageNotFound(id) : conflict(locked.message);
  try {
    await addTask(services, task);
  } catch (e) {
    // No task, no import: free the image now rather than when the lock expires.
    await services.imports.finish(id, task.id, { success: false, message: "The import task could not be recorded." }).catch(() => {});
    throw e;
  }
  try {
    await services.jobs.importImage({ taskId: task.id, imageId: id, authToken: ctx.authToken ?? null, requestId: ctx.requestId || null, roles: ctx.roles });
  } catch (e) {
    console.error(`image ${id}: queueing import task ${task.id} failed: ${String(e)}`);
    await services.imports.finish(id, task.id, { success: false, message: "The import could not be queued." });
    throw serviceUnavailable("The import could not be queued; try again later.");
  }
  return task.id;
}
