import type { RequestContext } from "../context";
import { conflict } from "../errors";
import { notifyImage } from "../notifications";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { loadImage } from "./access";
import { deactivationTarget } from "./status";

/**
 * POST /v2/images/{id}/actions/deactivate|reactivate (glance/api/v2/image_actions.py):
 * no-op when already there, 403 from any other status; the coordinator makes the move.
 */
export async function setActivation(services: Services, ctx: RequestContext, id: string, action: "deactivate" | "reactivate"): Promise<void> {
  assertMutable(ctx);
  for (let attempt = 0; attempt < 3; attempt++) {
    const { image, policy } = await loadImage(services, ctx, id);
    policy.enforce(action);
    const to = deactivationTarget(image.status, action);
    if (to === null) return;
    const from = action === "deactivate" ? "active" : "deactivated";
    const moved = await services.coordinator.transition(id, [from], to);
    if (moved) {
      notifyImage(services, "image.update", moved);
      return;
    }
  }
  throw conflict(`Image ${id} changed status concurrently; try again.`);
}
