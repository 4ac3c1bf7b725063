// One delivery at a time copies a store (Queues deliver a message at least once, now and then
// twice at the same time): a running import (src/domain/imports/run.ts) claims each store's copy
// from the image's coordinator before writing it, and waits while another delivery that is alive
// holds the claim. The coordinator keeps the lock alive meanwhile; a claim whose delivery died
// lapses with the lock's lease and is taken over here.
import type { ImportCoordinator, ImportStep } from "./ports";

const FIRST_PAUSE_MS = 50;
/** Below the import's renewal period: each ask keeps the lock alive. */
const LONGEST_PAUSE_MS = 5_000;

/**
 * `store`'s claim for `delivery`: the key to write, or `done` with the key of a dead delivery's
 * recorded copy; refusals as the coordinator's beginWrite (superseded: another delivery carries on).
 */
export async function claimStore(
  imports: ImportCoordinator,
  ids: { imageId: string; taskId: string; delivery: string },
  store: string,
): Promise<ImportStep<{ key: string; done: boolean }>> {
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const r = await imports.beginWrite(ids.imageId, ids.taskId, store, ids.delivery);
    if (r.ok || r.reason !== "busy") return r;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(2 * pause, LONGEST_PAUSE_MS);
  }
}
