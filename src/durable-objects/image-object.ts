import { DurableObject } from "cloudflare:workers";
import { createDb } from "../db/client";
import { D1ImageRepository } from "../db/images-repo";
import type { Image, ImageStatus } from "../domain/images/image";
import { nowIso } from "../domain/images/image";
import { InvalidStatusTransition, assertTransition } from "../domain/images/status";

/**
 * One instance per image id: the only writer of an image's status. Calls for one image are
 * serialized here (input gates), and every write is also a conditional D1 update, so the status
 * table holds even against a stray writer.
 */
export class ImageObject extends DurableObject<Env> {
  private repo(): D1ImageRepository {
    return new D1ImageRepository(createDb(this.env.DB));
  }

  /** Move the image from one of `from` to `to`; null if it is not in `from` (or gone). */
  async transition(id: string, from: ImageStatus[], to: ImageStatus, fields: Partial<Image> = {}): Promise<Image | null> {
    const repo = this.repo();
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

  /** Soft-delete; `delayed` keeps data for the scrubber (pending_delete) when there is any. */
  async deleteImage(id: string, delayed: boolean): Promise<Image | null> {
    const repo = this.repo();
    const image = await repo.get(id);
    if (!image) return null;
    const at = nowIso();
    const status = delayed && image.stores.length > 0 ? "pending_delete" : "deleted";
    if (!(await repo.softDelete(id, status, at))) return null;
    return { ...image, status, deleted: true, deletedAt: at, updatedAt: at };
  }
}
