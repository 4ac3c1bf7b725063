// D1 read replication (the Sessions API) for one request: every query of the request goes through
// one D1 session, opened lazily on its first query with the constraint chosen once the caller is
// known (src/wiring.ts `chooseConsistency`): a bookmark the client sent back (reads see at least
// that point), the nearest replica for anonymous readers, the bookmark of the caller's project's
// newest write (read_your_writes "project"), the primary otherwise. Its bookmark goes
// back to the client (X-Glance-Bookmark). Drizzle only needs prepare() and batch().

export type SessionConstraint = "first-primary" | "first-unconstrained" | (string & {});

/** Bookmarks look like `00000000-0000000b-00000000-<32 hex>`: anything else is not one. */
export const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export class RequestSession {
  /** Until the caller is known, the primary (never a stale read). */
  constraint: SessionConstraint = "first-primary";
  private session?: D1DatabaseSession;

  constructor(private readonly d1: D1Database) {}

  private get open(): D1DatabaseSession {
    return (this.session ??= this.d1.withSession(this.constraint));
  }

  prepare(query: string): D1PreparedStatement {
    return this.open.prepare(query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.open.batch<T>(statements);
  }

  /**
   * The bookmark to hand back. `fresh`: first read the primary's latest point, so that writes made
   * elsewhere for this request (the image's Durable Object, a queue job) are covered too.
   */
  async bookmark(fresh: boolean): Promise<string | null> {
    if (fresh) {
      const primary = this.d1.withSession("first-primary");
      await primary.prepare("SELECT 1").first();
      return primary.getBookmark();
    }
    return this.session?.getBookmark() ?? null;
  }

  /** As a D1Database for drizzle (which uses prepare and batch only). */
  asDatabase(): D1Database {
    return this as unknown as D1Database;
  }
}
