// The task lifecycle the import work drives (glance/domain Task + notifier TaskProxy). Every step
// is a conditional update, so a redelivered queue message can replay any step safely: a step that
// already happened changes nothing and notifies nothing.
import type { RequestContext } from "../context";
import { conflict } from "../errors";
import { notify } from "../notifications";
import type { Services } from "../services";
import { type Task, type TaskStatus, type TaskType, isTaskFinished, taskExpiry, taskPayload, taskTime } from "./task";

export interface NewTask {
  type: TaskType;
  input: Record<string, unknown> | null;
  imageId?: string | null;
}

/** glance TaskFactory.new_task: pending, owned by the caller's project, no expiry until it ends. */
export function newTask(services: Services, ctx: RequestContext, t: NewTask): Task {
  const now = taskTime(services.now());
  return {
    id: services.newId(),
    type: t.type,
    status: "pending",
    owner: ctx.projectId,
    imageId: t.imageId ?? null,
    requestId: ctx.requestId || null,
    userId: ctx.userId,
    input: t.input,
    result: null,
    message: "",
    expiresAt: null,
    createdAt: now,
    updatedAt: now,
    deleted: false,
    deletedAt: null,
  };
}

/** Stores a new task and notifies task.create (glance TaskRepoProxy.add). */
export async function addTask(services: Services, task: Task): Promise<Task> {
  if (!(await services.tasks.create(task))) throw conflict(`Task with identifier ${task.id} already exists!`);
  notify(services, "task.create", taskPayload(task));
  return task;
}

/** The task after a step; `changed` is false when the step had already happened (or cannot). */
export interface TaskStep {
  task: Task;
  changed: boolean;
}

/**
 * pending → processing (task.processing). Replaying it on a processing task is a no-op; on a
 * finished task too (`changed` false, status tells the caller to stop). Null: no such task.
 */
export async function beginTask(services: Services, id: string): Promise<TaskStep | null> {
  return step(services, id, ["pending"], "processing", {});
}

/** Records progress (message and/or result) while the task is processing; no-op otherwise. */
export async function recordTaskProgress(
  services: Services,
  id: string,
  progress: { message?: string; result?: Record<string, unknown> | null },
): Promise<TaskStep | null> {
  const updated = await services.tasks.update(id, ["processing"], { ...progress, updatedAt: taskTime(services.now()) });
  if (updated) return { task: updated, changed: true };
  const current = await services.tasks.get(id, taskTime(services.now()));
  return current ? { task: current, changed: false } : null;
}

/** processing → success with its result and expiry (task.success, then task.run). */
export async function succeedTask(services: Services, id: string, result: Record<string, unknown> | null, message?: string): Promise<TaskStep | null> {
  const now = services.now();
  return step(services, id, ["processing"], "success", { result, message, expiresAt: taskExpiry(now, services.settings.taskTimeToLive) });
}

/** pending|processing → failure with the reason and expiry (task.failure, then task.run). */
export async function failTask(services: Services, id: string, message: string): Promise<TaskStep | null> {
  const now = services.now();
  return step(services, id, ["pending", "processing"], "failure", { message, expiresAt: taskExpiry(now, services.settings.taskTimeToLive) });
}

async function step(
  services: Services,
  id: string,
  from: TaskStatus[],
  to: TaskStatus,
  changes: { message?: string; result?: Record<string, unknown> | null; expiresAt?: string },
): Promise<TaskStep | null> {
  const at = services.now();
  const clean = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  const moved = await services.tasks.transition(id, from, to, { ...clean, updatedAt: taskTime(at) });
  if (moved) {
    notify(services, `task.${to}`, taskPayload(moved));
    // glance TaskProxy.run: task.run follows once the executor returns, i.e. after the outcome.
    if (isTaskFinished(moved)) notify(services, "task.run", taskPayload(moved));
    return { task: moved, changed: true };
  }
  const current = await services.tasks.get(id, taskTime(at));
  return current ? { task: current, changed: false } : null;
}
