// Read-your-writes for clients that carry no bookmark (README "Read replicas"): the newest D1
// bookmark each project's writes reached, held where writes for the project are recorded (a
// Durable Object per project in production). A read of the project opens its D1 session at that
// point, so it may be served by any replica that has caught up with every write of the project.

/** D1 bookmarks sort lexicographically from oldest to newest (D1's documented format). */
export const newerBookmark = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a >= b ? a : b);

export interface WriteBookmarks {
  /** The newest bookmark recorded for the project; null when none is. */
  latest(projectId: string): Promise<string | null>;
  /** Records a bookmark read from the primary after a write for the project (an older one changes nothing). */
  record(projectId: string, bookmark: string): Promise<void>;
}
