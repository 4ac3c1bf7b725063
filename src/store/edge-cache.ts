// Edge cache for data anyone may read (public and community images). Image bytes never change
// once active, so the key (image id + os_hash_value, and the cache API's generation) names
// immutable content. Callers authorize before calling; private and shared images never come here.
// Each read reports what the cache did (a hit, or the fill after a miss) to its `onCache`, whose
// bookkeeping is kept alive with the fill.
import type { CacheEvent, StoredData } from "../domain/ports";
import { countedStream } from "../platform/streams";

type Range = { offset: number; length: number };
type Get = (range?: Range) => Promise<R2ObjectBody | null>;

/** Cloudflare's Cache API takes objects up to 512 MB; larger images are always read from R2. */
const CACHE_MAX = 512 * 1024 * 1024;
const ORIGIN = "https://image-data.glance.internal/";

export class EdgeCache {
  constructor(
    private readonly cache: Cache,
    private readonly waitUntil: (p: Promise<unknown>) => void,
  ) {}

  /** From the cache when there (Range served by the cache itself), else from R2, filling the cache in the background. */
  async read(cacheKey: string, range: Range | undefined, get: Get, onCache?: OnCache): Promise<StoredData | null> {
    const url = ORIGIN + cacheKey;
    const headers: Record<string, string> = range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
    const hit = await this.cache.match(new Request(url, { headers })).catch(() => undefined);
    if (hit?.body && hit.status === (range ? 206 : 200)) {
      const length = Number(hit.headers.get("Content-Length") ?? (range ? range.length : 0));
      if (onCache) this.waitUntil(report(onCache, { hit: true }));
      return { ...countedStream(hit.body, length), length };
    }
    await hit?.body?.cancel().catch(() => {});
    const obj = await get(range);
    if (!obj) return null;
    if (obj.size <= CACHE_MAX) this.waitUntil(this.fill(url, get, onCache));
    else if (onCache) this.waitUntil(report(onCache, { hit: false, stored: null }));
    const length = range ? range.length : obj.size;
    return { ...countedStream(obj.body, length), length };
  }

  /** A separate full read (no tee: the client's stream never waits for the cache write). */
  private async fill(url: string, get: Get, onCache?: OnCache): Promise<void> {
    let stored: number | null = null;
    try {
      const full = await get();
      if (!full) return;
      await this.cache.put(
        url,
        new Response(full.body, {
          headers: {
            "Content-Type": "application/octet-stream",
            "Content-Length": String(full.size),
            "Cache-Control": "public, max-age=31536000, immutable",
            ETag: full.httpEtag,
          },
        }),
      );
      stored = full.size;
    } catch (e) {
      console.warn(`edge cache fill of ${url} failed: ${String(e)}`);
    } finally {
      if (onCache) await report(onCache, { hit: false, stored });
    }
  }
}

type OnCache = (event: CacheEvent) => Promise<void> | void;

/** Bookkeeping is best-effort: its failure never reaches the download. */
async function report(onCache: OnCache, event: CacheEvent): Promise<void> {
  try {
    await onCache(event);
  } catch (e) {
    console.warn(`edge cache bookkeeping failed: ${String(e)}`);
  }
}
