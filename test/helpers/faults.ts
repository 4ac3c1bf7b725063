// Checks and wrappers for the fault injection tests (test/integration/faults-*.test.ts): what the
// store holds against what the database refers to, and bindings that fail on the Nth call.
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { ImageObject } from "../../src/durable-objects/image-object";
import type { ImportRecord } from "../../src/durable-objects/import-lock";
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
 * The deliveries holding store claims on the image's import died: each claim's last sign of life
 * is set back past the lock's lease (`ttlS`, import_lock_ttl), the lock itself left as it is.
 */
export const ageClaims = (id: string, ttlS = 600) =>
  runInDurableObject(stub(id), (_o: ImageObject, state) => {
    const r = state.storage.kv.get<ImportRecord>("import")!;
    const claims = Object.fromEntries(Object.entries(r.claims ?? {}).map(([store, c]) => [store, { ...c, renewedAt: Date.now() - ttlS * 1000 - 1000 }]));
    state.storage.kv.put("import", { ...r, claims });
    return Object.keys(claims);
  });

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

/** An error as D1 reports one (the test's own, so no internal text may reach a client). */
const d1Fault = () => new Error("D1_ERROR: fault injected by the test: network connection lost");

/**
 * env.DB that fails its `failAt`-th operation (a statement's first/all/run/raw, or a batch): a
 * statement throws; a batch fails in its middle, after its first statements ran (a statement on a
 * missing table is slipped in), so D1's rollback is part of what is tested. `ops` counts operations.
 */
export function failingD1(real: D1Database, failAt: number) {
  const state = { ops: 0, failedAt: null as number | null };
  const tick = () => {
    state.ops++;
    if (state.ops !== failAt) return false;
    state.failedAt = state.ops;
    return true;
  };
  const patch = (s: D1PreparedStatement): D1PreparedStatement => {
    const bind = s.bind;
    for (const m of ["first", "all", "run", "raw"] as const) {
      const orig = (s[m] as (...a: unknown[]) => Promise<unknown>).bind(s);
      (s as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (tick() ? Promise.reject(d1Fault()) : orig(...a));
    }
    s.bind = (...a: unknown[]) => patch(bind.apply(s, a));
    return s;
  };
  const batch = (db: Pick<D1Database, "batch" | "prepare">, statements: D1PreparedStatement[]) => {
    if (!tick()) return db.batch(statements);
    const mid = Math.max(1, Math.floor(statements.length / 2));
    return db.batch([...statements.slice(0, mid), db.prepare("INSERT INTO fault_injected_no_such_table VALUES (1)"), ...statements.slice(mid)]);
  };
  const session = (s: D1DatabaseSession) => ({
    prepare: (q: string) => patch(s.prepare(q)),
    batch: <T>(st: D1PreparedStatement[]) => batch(s as unknown as D1Database, st) as Promise<D1Result<T>[]>,
    getBookmark: () => s.getBookmark(),
  });
  const db = {
    prepare: (q: string) => patch(real.prepare(q)),
    batch: <T>(st: D1PreparedStatement[]) => batch(real, st) as Promise<D1Result<T>[]>,
    exec: (q: string) => (tick() ? Promise.reject(d1Fault()) : real.exec(q)),
    withSession: (c?: string) => session(real.withSession(c as D1SessionConstraint)),
    dump: () => real.dump(),
  };
  return { db: db as unknown as D1Database, state };
}

/**
 * An R2 bucket whose multipart uploads fail: the `failAt`-th uploadPart (counted over the bucket's
 * uploads), or complete when `failComplete`. Records what was created, aborted and completed.
 */
export function failingMultipart(real: R2Bucket, o: { failPartAt?: number; failComplete?: boolean }) {
  const seen = { parts: 0, created: [] as string[], aborted: [] as string[], completed: [] as string[] };
  const wrap = (u: R2MultipartUpload): R2MultipartUpload => ({
    key: u.key,
    uploadId: u.uploadId,
    uploadPart: (n: number, v: unknown, opts?: unknown) => {
      seen.parts++;
      if (seen.parts === o.failPartAt) return Promise.reject(new Error("R2 uploadPart: fault injected by the test (internal error 10001)"));
      return u.uploadPart(n, v as ReadableStream, opts as R2UploadPartOptions);
    },
    complete: (parts: R2UploadedPart[]) => {
      if (o.failComplete) return Promise.reject(new Error("R2 completeMultipartUpload: fault injected by the test (internal error 10001)"));
      seen.completed.push(u.uploadId);
      return u.complete(parts);
    },
    abort: () => {
      seen.aborted.push(u.uploadId);
      return u.abort();
    },
  });
  const bucket = new Proxy(real, {
    get(target, prop) {
      if (prop === "createMultipartUpload")
        return async (key: string, opts?: R2MultipartOptions) => {
          const u = await target.createMultipartUpload(key, opts);
          seen.created.push(u.uploadId);
          return wrap(u);
        };
      if (prop === "resumeMultipartUpload") return (key: string, id: string) => wrap(target.resumeMultipartUpload(key, id));
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { bucket, seen };
}
