import type { KeystoneIdentity } from "./identity";

/** A verdict about one token: who it is, or that Keystone refused it. */
export type CachedVerdict = { valid: true; identity: KeystoneIdentity } | { valid: false };

export interface TokenCache {
  get(key: string): Promise<CachedVerdict | null>;
  /** Keep `verdict` for `ttlMs` at most. */
  put(key: string, verdict: CachedVerdict, ttlMs: number): Promise<void>;
}

/**
 * Per-isolate cache (a bounded Map, oldest entry evicted first). Entries carry their own deadline,
 * so nothing outlives min(token expiry, token_cache_time).
 */
export class MemoryTokenCache implements TokenCache {
  private readonly entries = new Map<string, { verdict: CachedVerdict; until: number }>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedVerdict | null> {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.verdict;
  }

  async put(key: string, verdict: CachedVerdict, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { verdict, until: this.now() + ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * A second tier in the Workers Cache API, shared by the isolates of one location. Only positive
 * verdicts go there; keys are SHA-256 digests of the token, never the token itself.
 */
export class EdgeTokenCache implements TokenCache {
  constructor(private readonly cache: Cache) {}

  private url(key: string): string {
    return `https://keystone-token-cache.internal/${key}`;
  }

  async get(key: string): Promise<CachedVerdict | null> {
    const r = await this.cache.match(this.url(key));
    if (!r) return null;
    const v = (await r.json()) as { identity: KeystoneIdentity; until: number };
    if (v.until <= Date.now()) return null;
    return { valid: true, identity: v.identity };
  }

  async put(key: string, verdict: CachedVerdict, ttlMs: number): Promise<void> {
    if (!verdict.valid || ttlMs < 1000) return;
    const body = JSON.stringify({ identity: verdict.identity, until: Date.now() + ttlMs });
    await this.cache.put(
      this.url(key),
      new Response(body, { headers: { "Content-Type": "application/json", "Cache-Control": `private, max-age=${Math.floor(ttlMs / 1000)}` } }),
    );
  }
}

/** Memory first, then the edge cache; a verdict is written to every tier. */
export class TieredTokenCache implements TokenCache {
  constructor(private readonly tiers: TokenCache[]) {}

  async get(key: string): Promise<CachedVerdict | null> {
    for (const tier of this.tiers) {
      const v = await tier.get(key);
      if (v) return v;
    }
    return null;
  }

  async put(key: string, verdict: CachedVerdict, ttlMs: number): Promise<void> {
    await Promise.all(this.tiers.map((t) => t.put(key, verdict, ttlMs)));
  }
}
