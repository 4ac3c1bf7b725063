// The tasks port (re-exported from ../ports.ts); adapter: src/db/tasks-repo.ts.
import type { Task, TaskStatus } from "./task";

/** Columns GET /v2/tasks may sort by (glance: any models.Task column). */
export const TASK_SORT_KEYS = [
  "id",
  "type",
  "status",
  "owner",
  "expires_at",
  "created_at",
  "updated_at",
  "deleted_at",
  "deleted",
  "image_id",
  "request_id",
  "user_id",
] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

/** Query keys GET /v2/tasks filters on by equality (glance: models.Task columns). */
export const TASK_FILTER_KEYS = ["id", "type", "status", "owner", "image_id", "request_id", "user_id"] as const;
export type TaskFilterKey = (typeof TASK_FILTER_KEYS)[number];

export interface TaskListQuery {
  /** Only this owner's tasks (a non-admin caller); null = every owner. */
  owner: string | null;
  filters: Partial<Record<TaskFilterKey, string>>;
  /** Complete order; ends with created_at and id (glance _paginate_query sort_keys). */
  sort: TaskSortKey[];
  dir: "asc" | "desc";
  limit: number;
  /** Rows strictly after this task in the order (keyset paging). */
  marker?: Task;
  /** Tasks that expired at or before this time are not listed. */
  now: string;
}

/** Fields a status change or a progress update may set. `updatedAt` is always set. */
export interface TaskChanges {
  message?: string;
  result?: Record<string, unknown> | null;
  expiresAt?: string | null;
  updatedAt: string;
}

export interface TaskRepository {
  /** Inserts a new task; false when the id already exists. */
  create(task: Task): Promise<boolean>;
  /** A task that is not deleted and not expired at `now`, or null. */
  get(id: string, now: string): Promise<Task | null>;
  list(q: TaskListQuery): Promise<Task[]>;
  /** Live tasks of one image, oldest first. */
  listByImage(imageId: string, now: string): Promise<Task[]>;
  /**
   * Compare-and-swap: moves the task to `to` only if its status is one of `from`, setting the
   * changes in the same statement. Null when the task is missing or was not in `from`.
   */
  transition(id: string, from: readonly TaskStatus[], to: TaskStatus, changes: TaskChanges): Promise<Task | null>;
  /** Sets message/result while the status is one of `whileIn` (progress); null otherwise. */
  update(id: string, whileIn: readonly TaskStatus[], changes: TaskChanges): Promise<Task | null>;
}
