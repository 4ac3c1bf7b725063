import type { TASK_STATUSES, TASK_TYPES } from "../schemas/task";

export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskType = (typeof TASK_TYPES)[number];

/**
 * A task (glance/domain Task + TaskInfo). Timestamps are ISO-8601 UTC with milliseconds; the API
 * shows them without fractions (isotime), GET /v2/images/{id}/tasks shows the raw values.
 */
export interface Task {
  id: string;
  type: TaskType;
  status: TaskStatus;
  owner: string | null;
  imageId: string | null;
  requestId: string | null;
  userId: string | null;
  input: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  /** Human-readable progress or failure reason; Glance stores "" rather than null. */
  message: string;
  /** Set when the task finishes: finish time + task_time_to_live. Past it, the task is gone. */
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  deletedAt: string | null;
}

/** glance/domain Task._validate_task_status_transition, as data. */
export const TASK_STATUS_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ["processing", "failure"],
  processing: ["success", "failure"],
  success: [],
  failure: [],
};

/** The statuses a task may move to `to` from. */
export function taskSourcesFor(to: TaskStatus): TaskStatus[] {
  return (Object.keys(TASK_STATUS_TRANSITIONS) as TaskStatus[]).filter((from) => TASK_STATUS_TRANSITIONS[from].includes(to));
}

export const isTaskFinished = (t: Pick<Task, "status">) => t.status === "success" || t.status === "failure";

/** Full-precision timestamp as stored. */
export const taskTime = (d: Date) => d.toISOString();

/** glance isotime: whole seconds, "Z". */
export const isoSeconds = (ts: string) => ts.replace(/\.\d+Z$/, "Z");

/** finish time + task_time_to_live hours (glance Task.succeed/fail). */
export function taskExpiry(finishedAt: Date, ttlHours: number): string {
  return taskTime(new Date(finishedAt.getTime() + ttlHours * 3_600_000));
}

/**
 * glance/notifier.py format_task_notification: input, result and message are left out (they may
 * carry credentials). Glance stamps an unset expires_at with the current time; we send null.
 */
export function taskPayload(t: Task) {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    result: null,
    owner: t.owner,
    message: null,
    expires_at: t.expiresAt ? isoSeconds(t.expiresAt) : null,
    created_at: isoSeconds(t.createdAt),
    updated_at: isoSeconds(t.updatedAt),
    deleted: t.deleted,
    deleted_at: t.deletedAt ? isoSeconds(t.deletedAt) : null,
  };
}
