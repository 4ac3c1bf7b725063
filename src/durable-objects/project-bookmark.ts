// Per-project read-your-writes (README "Read replicas"): one Durable Object per project id (its
// name) holding the newest D1 bookmark that the project's writes reached. The API records the
// bookmark of every mutating request of the project (read from the primary after the write), the
// queue consumer the bookmark after an import or upload session it finished; a bookmark-less read
// of the project opens its D1 session at that point. Calls to one object are serialized, and its
// storage write is confirmed before the answer leaves, so a read that follows a write's response
// always finds that write's bookmark (or a newer one).
import { DurableObject } from "cloudflare:workers";
import { type WriteBookmarks, newerBookmark } from "../domain/write-bookmarks";

const KEY = "bookmark";

export class ProjectBookmarks extends DurableObject<Env> {
  private cached?: string | null;

  /** The newest bookmark recorded, or null. */
  latest(): string | null {
    return (this.cached ??= this.ctx.storage.kv.get<string>(KEY) ?? null);
  }

  /** Keeps `bookmark` if it is newer than the one held (D1 bookmarks sort oldest to newest); answers the one held. */
  record(bookmark: string): string | null {
    const current = this.latest();
    const next = newerBookmark(current, bookmark);
    if (next !== current) {
      this.ctx.storage.kv.put(KEY, next);
      this.cached = next;
    }
    return next;
  }
}

/** The WriteBookmarks port over the objects (one RPC to the object named by the project id). */
export class ProjectBookmarkClient implements WriteBookmarks {
  constructor(private readonly ns: DurableObjectNamespace<ProjectBookmarks>) {}

  async latest(projectId: string): Promise<string | null> {
    return (await this.ns.getByName(projectId).latest()) ?? null;
  }

  async record(projectId: string, bookmark: string): Promise<void> {
    await this.ns.getByName(projectId).record(bookmark);
  }
}
