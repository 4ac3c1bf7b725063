import { RpcTarget } from "cloudflare:workers";
import { type SQL, and, asc, desc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { TaskChanges, TaskListQuery, TaskRepository, TaskSortKey } from "../domain/tasks/repository";
import type { Task, TaskStatus, TaskType } from "../domain/tasks/task";
import type { Db } from "./client";
import { tasks } from "./schema";

type TaskRow = typeof tasks.$inferSelect;

const parseJson = (s: string | null): Record<string, unknown> | null => (s === null ? null : (JSON.parse(s) as Record<string, unknown>));
const toJson = (v: Record<string, unknown> | null | undefined) => (v === null || v === undefined ? null : JSON.stringify(v));

const toTask = (r: TaskRow): Task => ({
  id: r.id,
  type: r.type as TaskType,
  status: r.status as TaskStatus,
  owner: r.owner,
  imageId: r.imageId,
  requestId: r.requestId,
  userId: r.userId,
  input: parseJson(r.input),
  result: parseJson(r.result),
  message: r.message,
  expiresAt: r.expiresAt,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  deleted: r.deleted,
  deletedAt: r.deletedAt,
});

const SORT_COLUMN: Record<TaskSortKey, SQLiteColumn> = {
  id: tasks.id,
  type: tasks.type,
  status: tasks.status,
  owner: tasks.owner,
  expires_at: tasks.expiresAt,
  created_at: tasks.createdAt,
  updated_at: tasks.updatedAt,
  deleted_at: tasks.deletedAt,
  deleted: tasks.deleted,
  image_id: tasks.imageId,
  request_id: tasks.requestId,
  user_id: tasks.userId,
};
const MARKER_VALUE: Record<TaskSortKey, (t: Task) => string | number | null> = {
  id: (t) => t.id,
  type: (t) => t.type,
  status: (t) => t.status,
  owner: (t) => t.owner,
  expires_at: (t) => t.expiresAt,
  created_at: (t) => t.createdAt,
  updated_at: (t) => t.updatedAt,
  deleted_at: (t) => t.deletedAt,
  deleted: (t) => (t.deleted ? 1 : 0),
  image_id: (t) => t.imageId,
  request_id: (t) => t.requestId,
  user_id: (t) => t.userId,
};
const FILTER_COLUMN = { id: tasks.id, type: tasks.type, status: tasks.status, owner: tasks.owner, image_id: tasks.imageId, request_id: tasks.requestId, user_id: tasks.userId };

// Nullable sort keys order as '' (glance _paginate_query's marker default), so the order is total;
// the others stay bare columns so the (deleted, created_at, id) indexes serve the default order.
const NULLABLE = new Set<TaskSortKey>(["owner", "expires_at", "deleted_at", "image_id", "request_id", "user_id"]);
const sortExpr = (k: TaskSortKey): SQL => (NULLABLE.has(k) ? sql`coalesce(${SORT_COLUMN[k]}, '')` : sql`${SORT_COLUMN[k]}`);
const live = (now: string) => and(eq(tasks.deleted, false), or(isNull(tasks.expiresAt), gt(tasks.expiresAt, now)));

/** tasks over D1: inserts, keyset-paged lists, and conditional (compare-and-swap) updates. */
export class D1TaskRepository extends RpcTarget implements TaskRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async create(t: Task): Promise<boolean> {
    const r = await this.db
      .insert(tasks)
      .values({
        id: t.id,
        type: t.type,
        status: t.status,
        owner: t.owner,
        expiresAt: t.expiresAt,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
        deleted: t.deleted,
        deletedAt: t.deletedAt,
        input: toJson(t.input),
        result: toJson(t.result),
        message: t.message,
        imageId: t.imageId,
        requestId: t.requestId,
        userId: t.userId,
      })
      .onConflictDoNothing()
      .returning({ id: tasks.id });
    return r.length > 0;
  }

  async get(id: string, now: string): Promise<Task | null> {
    const [r] = await this.db.select().from(tasks).where(and(eq(tasks.id, id), live(now)));
    return r ? toTask(r) : null;
  }

  async list(q: TaskListQuery): Promise<Task[]> {
    const where: (SQL | undefined)[] = [live(q.now)];
    if (q.owner !== null) where.push(eq(tasks.owner, q.owner));
    for (const [k, v] of Object.entries(q.filters)) where.push(eq(FILTER_COLUMN[k as keyof typeof FILTER_COLUMN], v));
    if (q.marker) where.push(this.after(q.sort, q.dir, q.marker));
    const order = q.sort.map((k) => (q.dir === "asc" ? asc(sortExpr(k)) : desc(sortExpr(k))));
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(...where))
      .orderBy(...order)
      .limit(q.limit);
    return rows.map(toTask);
  }

  /** Rows strictly after `m` in (k1, k2, …) order: (k1 > m1) or (k1 = m1 and k2 > m2) or … */
  private after(keys: TaskSortKey[], dir: "asc" | "desc", m: Task): SQL {
    const cmp = dir === "asc" ? gt : lt;
    const branches = keys.map((k, i) => {
      const equal = keys.slice(0, i).map((p) => eq(sortExpr(p), MARKER_VALUE[p](m) ?? ""));
      return and(...equal, cmp(sortExpr(k), MARKER_VALUE[k](m) ?? ""))!;
    });
    return or(...branches)!;
  }

  async listByImage(imageId: string, now: string): Promise<Task[]> {
    const rows = await this.db
      .select()
      .from(tasks)
      // `+deleted` keeps SQLite on ix_tasks_image (an image has few tasks) rather than walking
      // every live task in created_at order.
      .where(and(eq(tasks.imageId, imageId), sql`+${tasks.deleted} = 0`, or(isNull(tasks.expiresAt), gt(tasks.expiresAt, now))))
      .orderBy(asc(tasks.createdAt), asc(tasks.id));
    return rows.map(toTask);
  }

  async transition(id: string, from: readonly TaskStatus[], to: TaskStatus, changes: TaskChanges): Promise<Task | null> {
    const [r] = await this.db
      .update(tasks)
      .set({ ...this.columns(changes), status: to })
      .where(and(eq(tasks.id, id), eq(tasks.deleted, false), inArray(tasks.status, [...from])))
      .returning();
    return r ? toTask(r) : null;
  }

  async update(id: string, whileIn: readonly TaskStatus[], changes: TaskChanges): Promise<Task | null> {
    const [r] = await this.db
      .update(tasks)
      .set(this.columns(changes))
      .where(and(eq(tasks.id, id), eq(tasks.deleted, false), inArray(tasks.status, [...whileIn])))
      .returning();
    return r ? toTask(r) : null;
  }

  private columns(c: TaskChanges): Partial<typeof tasks.$inferInsert> {
    const out: Partial<typeof tasks.$inferInsert> = { updatedAt: c.updatedAt };
    if (c.message !== undefined) out.message = c.message;
    if (c.result !== undefined) out.result = toJson(c.result);
    if (c.expiresAt !== undefined) out.expiresAt = c.expiresAt;
    return out;
  }
}
