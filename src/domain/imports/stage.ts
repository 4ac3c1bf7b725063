import type { RequestContext } from "../context";
import { QuotaExceeded, conflict, gone, imageNotFound, notFound } from "../errors";
import { loadImage } from "../images/access";
import type { Image } from "../images/image";
import { notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import { assertCountUploading, assertStageTotal } from "../quotas";
import type { Services } from "../services";
import type { Settings } from "../settings";

export interface StageRequest {
  body: ReadableStream<Uint8Array> | null;
  /** Content-Length; null for a chunked body (x-openstack-image-size is not read, as in Glance). */
  size: number | null;
}

/** How often a streaming stage tells the image it is alive (its lease lasts longer). */
const RENEW_EVERY_MS = 20_000;

/** glance ImageDataController stage deserializer: no glance-direct, no staging endpoint (404). */
export function assertStagingEnabled(settings: Settings): void {
  if (!settings.enabledImportMethods.includes("glance-direct")) throw notFound("'glance-direct' method is not available at this site.");
}

/**
 * PUT /v2/images/{id}/stage (glance/api/v2/image_data.py stage): image_stage_total (413), the
 * image (404), modify_image (403), queued → uploading through the image's coordinator (409 when
 * not queued or already staged/staging), image_count_uploading (413), then the body streamed into
 * the default store under a staging key, capped at image_size_cap (413). The image keeps status
 * uploading with its size set; any failure removes the data and puts it back to queued.
 */
export async function stageImageData(services: Services, ctx: RequestContext, id: string, req: StageRequest): Promise<Image> {
  assertMutable(ctx);
  assertStagingEnabled(services.settings);
  await assertStageTotal(services, ctx.projectId);
  const { policy } = await loadImage(services, ctx, id);
  policy.enforce("modify_image");
  const store = services.stores.get(services.stores.defaultId);
  if (!store) throw notFound(`The default store ${services.stores.defaultId} is not available.`);

  const begun = await services.imports.beginStage(id, store.id);
  if (!begun.ok) throw begun.reason === "not_found" ? imageNotFound(id) : conflict(begun.message);
  notifyImage(services, "image.update", begun.image);
  const { stageId, key } = begun;
  let settled = false;
  try {
    await assertCountUploading(services, ctx.projectId);
    const cap = services.settings.imageSizeCap;
    const tooLarge = () => new QuotaExceeded("The incoming image is too large: The provided image is too large.", cap);
    if (req.size !== null && req.size > cap) throw tooLarge();
    const stop = new AbortController();
    const heartbeat = setInterval(() => {
      services.imports.renewStage(id, stageId).then(
        (state) => {
          if (state === "cancelled") stop.abort(gone(`Image ${id} was deleted while its data was staged.`));
          else if (state === "lost") stop.abort(conflict(`The staging of image ${id} was abandoned.`));
        },
        (e) => console.warn(`image ${id}: stage lease renewal failed: ${String(e)}`),
      );
    }, RENEW_EVERY_MS);
    let written;
    try {
      written = await store.write(key, req.body ?? new Blob([]).stream(), { size: req.size, maxBytes: cap, tooLarge, signal: stop.signal });
    } finally {
      clearInterval(heartbeat);
    }
    const done = await services.imports.finishStage(id, stageId, written.size, services.settings.publicEndpoint);
    settled = true;
    if (!done.ok) throw done.reason === "gone" ? gone(done.message) : conflict(done.message);
    notifyImage(services, "image.update", done.image);
    return done.image;
  } catch (e) {
    if (!settled) {
      await services.imports.abortStage(id, stageId).catch((err) => console.error(`image ${id}: stage abort failed (the lease expiry will undo it): ${String(err)}`));
    }
    throw e;
  }
}
