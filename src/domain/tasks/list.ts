import type { RequestContext } from "../context";
import { DomainError, badRequest, forbidden, notFound } from "../errors";
import { loadImage } from "../images/access";
import type { Services } from "../services";
import { assertTasksAccess, isTaskVisible } from "./access";
import { TASK_FILTER_KEYS, TASK_SORT_KEYS, type TaskFilterKey, type TaskListQuery, type TaskSortKey } from "./repository";
import { type Task, taskTime } from "./task";

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export interface TaskPage {
  tasks: Task[];
  /** Set when the page is full: there may be more after this task. */
  nextMarker: string | null;
}

/**
 * GET /v2/tasks (glance TasksController.index + RequestDeserializer.index + db task_get_all):
 * tasks_api_access, query checks (400), non-admins see their project's tasks only, keyset paging
 * on (sort_key, created_at, id). Expired tasks are gone. `params` are the raw query pairs.
 */
export async function listTasks(services: Services, ctx: RequestContext, params: [string, string][]): Promise<TaskPage> {
  assertTasksAccess(services, ctx);
  const p = new Map(params);
  const dir = p.get("sort_dir") ?? "desc";
  if (dir !== "asc" && dir !== "desc") throw badRequest(`Invalid sort direction: ${dir}`);
  const status = p.get("status");
  if (status && !["pending", "processing", "success", "failure"].includes(status)) throw badRequest(`Invalid status value: ${status}`);
  // Glance's deserializer only knows the legacy type here.
  const type = p.get("type");
  if (type && type !== "import") throw badRequest(`Invalid type value: ${type}`);
  const markerId = p.get("marker");
  if (markerId !== undefined && markerId !== "" && !UUID.test(markerId)) throw badRequest("Invalid marker format");
  let limit = services.settings.limitParamDefault;
  const rawLimit = p.get("limit");
  if (rawLimit !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(rawLimit)) throw badRequest("limit param must be an integer");
    limit = Number(rawLimit);
    if (limit < 0) throw badRequest("limit param must be positive");
  }
  limit = Math.min(limit, services.settings.apiLimitMax);
  const sortKey = p.get("sort_key") ?? "created_at";
  if (!(TASK_SORT_KEYS as readonly string[]).includes(sortKey)) throw badRequest("Sort key supplied was not valid.");
  const sort: TaskSortKey[] = sortKey === "created_at" || sortKey === "id" ? ["created_at", "id"] : [sortKey as TaskSortKey, "created_at", "id"];

  const filters: Partial<Record<TaskFilterKey, string>> = {};
  for (const key of TASK_FILTER_KEYS) {
    const v = p.get(key);
    if (v) filters[key] = v;
  }
  const now = taskTime(services.now());
  const q: TaskListQuery = { owner: ctx.isAdmin ? null : ctx.projectId, filters, sort, dir, limit, now };
  if (markerId) {
    const marker = await services.tasks.get(markerId, now);
    if (!marker) throw badRequest(`Task with the given id ${markerId} was not found`);
    if (!isTaskVisible(ctx, marker)) throw forbidden(`Forbidding request, task ${markerId} is not visible`);
    q.marker = marker;
  }
  // A non-admin caller without a project sees nothing (glance filters on context.owner).
  const tasks = limit === 0 || (!ctx.isAdmin && ctx.projectId === null) ? [] : await services.tasks.list(q);
  return { tasks, nextMarker: limit > 0 && tasks.length === limit ? tasks[tasks.length - 1].id : null };
}

/** GET /v2/tasks/{id} (glance TasksController.get): 404 when missing or expired, 403 when not visible. */
export async function getTask(services: Services, ctx: RequestContext, id: string): Promise<Task> {
  assertTasksAccess(services, ctx);
  const task = await services.tasks.get(id, taskTime(services.now()));
  if (!task) throw notFound(`Could not find task ${id}`);
  if (!isTaskVisible(ctx, task)) throw forbidden(`Forbidding request, task ${id} is not visible`);
  return task;
}

/**
 * GET /v2/images/{id}/tasks (glance ImagesController.get_task_info + db tasks_get_by_image):
 * the image must be visible and pass get_image, else a bare 404; then the image's live tasks the
 * caller may see. No tasks_api_access here: image owners see their own imports.
 */
export async function listImageTasks(services: Services, ctx: RequestContext, imageId: string): Promise<Task[]> {
  try {
    await loadImage(services, ctx, imageId);
  } catch (e) {
    if (e instanceof DomainError && (e.kind === "NotFound" || e.kind === "Forbidden")) throw notFound("The resource could not be found.");
    throw e;
  }
  const tasks = await services.tasks.listByImage(imageId, taskTime(services.now()));
  return tasks.filter((t) => isTaskVisible(ctx, t));
}
