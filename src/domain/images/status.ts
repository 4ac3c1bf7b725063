import { badRequest, forbidden } from "../errors";
import type { Image, ImageStatus } from "./image";

// glance/domain/__init__.py Image.valid_state_targets
export const VALID_STATUS_TRANSITIONS: Record<ImageStatus, readonly ImageStatus[]> = {
  queued: ["saving", "uploading", "importing", "active", "deleted"],
  saving: ["active", "killed", "deleted", "queued"],
  uploading: ["importing", "queued", "deleted"],
  importing: ["active", "deleted", "queued"],
  active: ["pending_delete", "deleted", "deactivated"],
  killed: ["deleted"],
  pending_delete: ["deleted", "active"],
  deleted: [],
  deactivated: ["deleted", "active"],
};

export class InvalidStatusTransition extends Error {
  constructor(
    readonly from: ImageStatus,
    readonly to: ImageStatus,
  ) {
    super(`Image status transition from ${from} to ${to} is not allowed`);
  }
}

export const canTransition = (from: ImageStatus, to: ImageStatus) => VALID_STATUS_TRANSITIONS[from].includes(to);

/**
 * Pure check of one transition. Throws InvalidStatusTransition for a move the table refuses, and
 * a 400 when leaving queued/uploading for a data state without both formats (glance's ValueError).
 */
export function assertTransition(from: ImageStatus, to: ImageStatus, image: Pick<Image, "diskFormat" | "containerFormat">): void {
  if (!canTransition(from, to)) throw new InvalidStatusTransition(from, to);
  if ((from === "queued" || from === "uploading") && (to === "saving" || to === "active" || to === "importing")) {
    if (!image.diskFormat || !image.containerFormat) {
      throw badRequest("Properties disk_format, container_format must be set prior to saving data.");
    }
  }
}

/** deactivate/reactivate rules (glance/api/v2/image_actions.py + domain). */
export function deactivationTarget(status: ImageStatus, action: "deactivate" | "reactivate"): ImageStatus | null {
  if (action === "deactivate") {
    if (status === "deactivated") return null; // no-op
    if (status !== "active") throw forbidden("Not allowed to deactivate image in status '" + status + "'");
    return "deactivated";
  }
  if (status === "active") return null;
  if (status !== "deactivated") throw forbidden("Not allowed to reactivate image in status '" + status + "'");
  return "active";
}
