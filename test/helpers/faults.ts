// Checks and wrappers for the fault injection tests (test/integration/faults-*.test.ts): what the
// store holds against what the database refers to, and bindings that fail on the Nth call.
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { ImageObject } from "../../src/durable-objects/image-object";
import { handleQueue } from "../../src/wiring";
import { objectsOf } from "./image-data";

export const stub = (id: string) => env.IMAGE_DO.getByName(id);

/** The image's live location rows (removed ones are kept with status deleted). */
export const locations = async (id: string): Promise<{ store: string; key: string; status: string }[]> =>
  (await env.DB.prepare("SELECT store, key, status FROM image_locations WHERE image_id = ? AND status != 'deleted' ORDER BY store").bind(id).all<any>()).results;

/**
 * Nothing orphaned: every object under images/<id>/ in both stores is one a live location row
 * names, and under staging/<id>/ only the staged data the image's object records (glance-direct's
 * source). Waits for the reaper, which removes objects after the answer.
 */
export async function noOrphans(id: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const named = new Set((await locations(id)).map((l) => `${l.store}:${l.key}`));
      const stored = [...(await objectsOf(id, env.STORE1)).map((k) => `store1:${k}`), ...(await objectsOf(id, env.STORE2)).map((k) => `store2:${k}`)];
      expect(stored.filter((k) => !named.has(k))).toEqual([]);
      const staged = await runInDurableObject(stub(id), (_o: ImageObject, state) => state.storage.kv.get<{ key: string }>("staged")?.key ?? null);
      const staging = [...(await env.STORE1.list({ prefix: `staging/${id}/` })).objects, ...(await env.STORE2.list({ prefix: `staging/${id}/` })).objects];
      expect(staging.map((o) => o.key).filter((k) => k !== staged)).toEqual([]);
    },
    { timeout: 5_000, interval: 25 },
  );
}

/**
 * Delivers `bodies` to the real consumer in one batch (attempt `attempts`), under `overrides`;
 * returns what became of each message: "ack" or "retry", in order.
 */
export async function deliver(bodies: unknown[], o: { attempts?: number; overrides?: Record<string, unknown> } = {}): Promise<("ack" | "retry")[]> {
  const ids = bodies.map((_b, i) => `fault-${i}-${crypto.randomUUID()}`);
  const batch = createMessageBatch(
    "glance-events",
    bodies.map((body, i) => ({ id: ids[i], timestamp: new Date(), attempts: o.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  await handleQueue(batch, { ...env, ...o.overrides } as unknown as Env);
  const result = await getQueueResult(batch, ctx);
  const retried = new Set(result.retryMessages.map((m) => m.msgId));
  const acked = new Set(result.explicitAcks);
  return ids.map((id) => (retried.has(id) ? "retry" : acked.has(id) ? "ack" : (`neither ${id}` as never)));
}
