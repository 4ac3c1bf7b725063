// Objects to remove (failed, cancelled or expired attempts, reverted imports, dropped copies),
// kept in the image's Durable Object and retried until the store confirms: nothing the database
// does not refer to stays in a store.
import type { ImageLocation, ObjectStores } from "../domain/ports";
import type { AlarmClock } from "./alarm-clock";

const ORPHANS = "orphans";
const RETRY_AT = "orphans-retry-at";
const REAP_RETRY_MS = 60_000;

export class Orphans {
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly stores: () => ObjectStores,
    private readonly clock: AlarmClock,
  ) {}

  get list(): ImageLocation[] {
    return this.kv.get<ImageLocation[]>(ORPHANS) ?? [];
  }

  add(objects: ImageLocation[]): void {
    if (objects.length === 0) return;
    const all = this.list;
    for (const o of objects) if (!all.some((x) => x.key === o.key && x.store === o.store)) all.push(o);
    this.kv.put(ORPHANS, all);
  }

  /** Deletes what is listed; what fails stays listed, and the alarm retries it. */
  async reap(): Promise<void> {
    const pending = this.list;
    if (pending.length === 0) return;
    const stores = this.stores();
    const done = new Set<string>();
    for (const [storeId, keys] of groupByStore(pending)) {
      try {
        await stores.get(storeId)?.delete(keys);
        keys.forEach((k) => done.add(`${storeId}\u0000${k}`));
      } catch (e) {
        console.error(`store ${storeId}: deleting ${keys.length} object(s) failed: ${String(e)}`);
      }
    }
    // Re-read: an attempt may have added orphans while the store answered.
    const left = this.list.filter((o) => !done.has(`${o.store}\u0000${o.key}`));
    if (left.length > 0) {
      this.kv.put(ORPHANS, left);
      const at = Date.now() + REAP_RETRY_MS;
      this.kv.put(RETRY_AT, at);
      await this.clock.armBy(at);
    } else {
      this.kv.delete(ORPHANS);
      this.kv.delete(RETRY_AT);
    }
  }

  /** When the reaper next retries, or null. */
  get due(): number | null {
    return this.list.length > 0 ? (this.kv.get<number>(RETRY_AT) ?? Date.now()) : null;
  }
}

export function groupByStore(locations: ImageLocation[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of locations) m.set(l.store, [...(m.get(l.store) ?? []), l.key]);
  return m;
}
