import type { ObjectStore, ObjectStores } from "../domain/ports";
import type { Settings } from "../domain/settings";
import { EdgeCache } from "./edge-cache";
import { S3Presigner, s3ConfigFor } from "./presign";
import { R2ObjectStore } from "./r2-store";

/** Store ids → R2 buckets, as configured in settings.stores (one binding per store). */
export class R2ObjectStores implements ObjectStores {
  private readonly byId = new Map<string, ObjectStore>();
  readonly defaultId: string;

  constructor(settings: Settings, env: object, cache: EdgeCache | null = null) {
    this.defaultId = settings.defaultStore;
    const s3 = s3ConfigFor(env);
    for (const s of settings.stores) {
      const bucket = (env as Record<string, unknown>)[s.binding] as R2Bucket | undefined;
      const presigner = s3?.buckets[s.id] ? new S3Presigner(s3, s3.buckets[s.id]) : null;
      if (bucket) this.byId.set(s.id, new R2ObjectStore(s.id, bucket, cache, presigner));
    }
  }

  get(id: string): ObjectStore | null {
    return this.byId.get(id) ?? null;
  }
}

/** The stores of a request: downloads of public data go through the edge cache. */
export function storesFor(settings: Settings, env: object, waitUntil?: (p: Promise<unknown>) => void): R2ObjectStores {
  const cache = waitUntil && typeof caches !== "undefined" ? new EdgeCache((caches as unknown as { default: Cache }).default, waitUntil) : null;
  return new R2ObjectStores(settings, env, cache);
}
