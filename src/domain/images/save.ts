import { DomainError } from "../errors";

const MAX_ATTEMPTS = 25;

/**
 * Optimistic concurrency for metadata writes: `attempt` reads, edits and saves with a
 * compare-and-swap, returning null when another writer won. We retry with jittered backoff, so a
 * burst of concurrent PATCHes all land (none lost, none refused) unless contention is extreme.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const result = await attempt();
    if (result !== null) return result;
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 + i * 4)));
  }
  throw new DomainError("Conflict", "The image was changed concurrently too many times; try again.");
}
