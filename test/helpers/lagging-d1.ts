// A simulated lagging read replica for the read-replication tests: two real local D1 databases,
// the primary (env.DB) and a replica (env.REPLICA_DB) that sees the primary's data only when the
// test calls sync(). Sessions are routed as D1 routes them: "first-primary" and bookmarks the
// replica has not reached go to the primary; "first-unconstrained" and reached bookmarks read the
// replica. Writes always go to the primary (the replica learns them at the next sync).
const READ = /^\s*(select|with)\b/i;

type Target = "primary" | "replica";

type Db = Pick<D1Database, "prepare" | "batch">;

class Statement {
  constructor(
    readonly route: (target: Target) => Db,
    readonly target: Target,
    readonly sql: string,
    readonly params: unknown[] = [],
  ) {}
  bind(...params: unknown[]) {
    return new Statement(this.route, this.target, this.sql, params);
  }
  real(): D1PreparedStatement {
    return this.route(this.target).prepare(this.sql).bind(...this.params);
  }
  first<T>(col?: string) {
    return col ? this.real().first<T>(col) : this.real().first<T>();
  }
  all<T>() {
    return this.real().all<T>();
  }
  run<T>() {
    return this.real().run<T>();
  }
  raw<T>(o?: { columnNames?: boolean }) {
    return this.real().raw<T>(o as { columnNames: true });
  }
}

export class LaggingD1 {
  /** The primary's bookmark when the replica last caught up. */
  replicaAt: string | null = null;
  readonly served = { primary: 0, replica: 0 };

  constructor(
    private readonly primary: D1Database,
    private readonly replica: D1Database,
  ) {}

  /** The replica catches up with the primary (every table copied). */
  async sync(): Promise<void> {
    const { results } = await this.primary
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'")
      .all<{ name: string }>();
    // One batch (one transaction), foreign keys checked at its end: the replica jumps to the new state.
    const writes = [this.replica.prepare("PRAGMA defer_foreign_keys = ON")];
    for (const { name } of results) writes.push(this.replica.prepare(`DELETE FROM "${name}"`));
    for (const { name } of results) {
      const rows = (await this.primary.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>()).results;
      for (const row of rows) {
        const cols = Object.keys(row);
        writes.push(this.replica.prepare(`INSERT INTO "${name}" (${cols.map((c) => `"${c}"`).join(",")}) VALUES (${cols.map(() => "?").join(",")})`).bind(...cols.map((c) => row[c])));
      }
    }
    await this.replica.batch(writes);
    const s = this.primary.withSession("first-primary");
    await s.prepare("SELECT 1").first();
    this.replicaAt = s.getBookmark();
  }

  withSession(constraint: string) {
    const reads: Target =
      constraint === "first-primary" ? "primary" : constraint === "first-unconstrained" || (this.replicaAt !== null && constraint <= this.replicaAt) ? "replica" : "primary";
    // The primary side is a real D1 session, so its bookmarks are D1's own.
    const primary = this.primary.withSession("first-primary");
    let usedPrimary = false;
    const route = (target: Target): Db => {
      this.served[target]++;
      if (target === "primary") usedPrimary = true;
      return target === "primary" ? primary : this.replica;
    };
    const lag = this;
    return {
      prepare(sql: string) {
        return new Statement(route, READ.test(sql) ? reads : "primary", sql);
      },
      batch(statements: Statement[]) {
        const db = route(statements.some((s) => s.target === "primary") ? "primary" : "replica");
        return db.batch(statements.map((s) => db.prepare(s.sql).bind(...s.params)));
      },
      getBookmark() {
        return usedPrimary ? primary.getBookmark() : reads === "replica" ? lag.replicaAt : null;
      },
    };
  }

  async primaryBookmark(): Promise<string | null> {
    const s = this.primary.withSession("first-primary");
    await s.prepare("SELECT 1").first();
    return s.getBookmark();
  }
}
