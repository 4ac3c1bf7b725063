// Status moves that are not an upload or an import: deactivate/reactivate (transition), delete
// (with delayed_delete's scrubber), and DELETE /v2/stores/{store}/{image}.
import { type Image, type ImageStatus, nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";
import type { Refusal } from "../domain/imports/ports";
import type { ObjectHost } from "./object-host";
import { groupByStore } from "./orphans";

/** Delayed delete: the scrubber removes pending_delete data this long after the delete (Glance wakeup_time). */
export const SCRUB_DELAY_SECONDS = 300;

const refuse = <R extends string>(reason: R, message: string): Refusal<R> => ({ ok: false, reason, message });

export class ImageLifecycle {
  constructor(
    private readonly host: ObjectHost,
    /** Every module that holds something of the image (leases, staged data, sessions, the import). */
    private readonly onDeleted: () => Promise<void>,
  ) {}

  /** Move the image from one of `from` to `to`; null if it is not in `from` (or gone). */
  async transition(id: string, from: ImageStatus[], to: ImageStatus, fields: Partial<Image> = {}): Promise<Image | null> {
    const repo = this.host.services.imageState;
    const image = await repo.get(id);
    if (!image || !from.includes(image.status)) return null;
    try {
      assertTransition(image.status, to, image);
    } catch (e) {
      if (e instanceof InvalidStatusTransition) return null;
      throw e;
    }
    return repo.transition(id, [image.status], to, { ...fields, updatedAt: nowIso() });
  }

  /**
   * Soft-delete; `delayed` keeps data for the scrubber (pending_delete) when there is any.
   * Otherwise the stored objects go now. Whatever is in flight is cancelled: its objects are
   * removed whenever they land (the alarm covers a dead writer).
   */
  async deleteImage(id: string, delayed: boolean): Promise<Image | null> {
    const { imageState: repo, jobs } = this.host.services;
    const image = await repo.get(id);
    if (!image) return null;
    const at = nowIso();
    const status = delayed && image.stores.length > 0 ? "pending_delete" : "deleted";
    if (!(await repo.softDelete(id, status, at))) return null;
    if (status === "deleted") {
      await this.scrub(id).catch((e) => {
        console.error(`image ${id}: removing data failed (${String(e)}); the scrubber will retry`);
        return jobs.scrub(id, 0);
      });
    } else {
      await jobs.scrub(id, SCRUB_DELAY_SECONDS);
    }
    await this.onDeleted();
    await this.host.orphans.reap();
    return { ...image, status, deleted: true, deletedAt: at, updatedAt: at };
  }

  /** Removes the data of a deleted image (locations pending_delete) and ends pending_delete. Idempotent. */
  async scrub(id: string): Promise<void> {
    const { imageState: repo, stores } = this.host.services;
    const locations = await repo.locationsIn(id, ["pending_delete"]);
    for (const [storeId, keys] of groupByStore(locations)) {
      await stores.get(storeId)?.delete(keys);
      await repo.markLocationsDeleted(id, keys, nowIso());
    }
    await repo.finishScrub(id, nowIso());
  }

  /** DELETE /v2/stores/{store}/{image} (glance ImagesController.delete_from_store). */
  async removeStore(imageId: string, store: string): Promise<{ ok: true; image: Image } | Refusal<"not_found" | "conflict" | "forbidden">> {
    const repo = this.host.services.imageState;
    const image = await repo.get(imageId);
    if (!image) return refuse("not_found", `Failed to find image ${imageId}`);
    if (image.status !== "active") return refuse("conflict", "It's not allowed to remove image data from store if image status is not 'active'");
    if (image.stores.length === 1) {
      return refuse("forbidden", "Cannot delete image data from the only store containing it. Consider deleting the image instead.");
    }
    const key = await repo.locationKey(imageId, store);
    if (!key) return refuse("not_found", `Image ${imageId} is not stored in store ${store}.`);
    const changed = await repo.change(imageId, { from: ["active"], fields: { updatedAt: nowIso() }, removeLocations: [store] });
    if (!changed) return refuse("conflict", "It's not allowed to remove image data from store if image status is not 'active'");
    this.host.orphans.add([{ store, key }]);
    await this.host.orphans.reap();
    return { ok: true, image: changed };
  }
}
