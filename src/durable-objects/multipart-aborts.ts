// Multipart uploads to abort (a session that ended before its parts were assembled), retried until
// R2 confirms; after ABORT_ATTEMPTS failures R2's own rule (incomplete uploads go after 7 days) is
// left to it.
import type { ObjectStores } from "../domain/ports";

const ABORTS = "upload-session-aborts";
const RETRY_AT = "upload-session-aborts-retry-at";
const ABORT_RETRY_MS = 60_000;
const ABORT_ATTEMPTS = 10;

interface PendingAbort {
  store: string;
  key: string;
  multipartId: string;
  attempts?: number;
}

export class MultipartAborts {
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly stores: () => ObjectStores,
  ) {}

  private get pending(): PendingAbort[] {
    return this.kv.get<PendingAbort[]>(ABORTS) ?? [];
  }

  add(a: PendingAbort): void {
    this.kv.put(ABORTS, [...this.pending, a]);
  }

  async retry(): Promise<void> {
    const pending = this.pending;
    if (pending.length === 0) return;
    const done = new Set<string>();
    const failed = new Set<string>();
    for (const a of pending) {
      try {
        const store = this.stores().get(a.store);
        if (!store) throw new Error(`store ${a.store} is not configured`);
        await store.multipart.abort(a.key, a.multipartId);
        done.add(a.multipartId);
      } catch (e) {
        console.error(`store ${a.store}: aborting multipart upload of ${a.key} failed: ${String(e)}`);
        failed.add(a.multipartId);
      }
    }
    // Re-read: a session may have queued another abort while R2 answered.
    const left = this.pending
      .filter((a) => !done.has(a.multipartId))
      .map((a) => (failed.has(a.multipartId) ? { ...a, attempts: (a.attempts ?? 0) + 1 } : a))
      .filter((a) => (a.attempts ?? 0) < ABORT_ATTEMPTS);
    if (left.length > 0) {
      this.kv.put(ABORTS, left);
      this.kv.put(RETRY_AT, Date.now() + ABORT_RETRY_MS);
    } else {
      this.kv.delete(ABORTS);
      this.kv.delete(RETRY_AT);
    }
  }

  /** When the next retry is due, or null. */
  get due(): number | null {
    return this.pending.length > 0 ? (this.kv.get<number>(RETRY_AT) ?? Date.now()) : null;
  }
}
