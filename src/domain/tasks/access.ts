import type { RequestContext } from "../context";
import { forbidden } from "../errors";
import type { Services } from "../services";
import type { Task } from "./task";

/**
 * glance/api/v2/policy.py TasksAPIPolicy.tasks_api_access: the gate of every /v2/tasks call,
 * checked before anything else (even before the body is read). Target {} as in Glance.
 */
export function assertTasksAccess(services: Services, ctx: RequestContext): void {
  if (!services.policy.check("tasks_api_access", ctx, {})) throw forbidden("You are not authorized to complete tasks_api_access action.");
}

/** glance/db/sqlalchemy/api.py _is_task_visible: admin, unowned, or the caller's project. */
export function isTaskVisible(ctx: RequestContext, task: Task): boolean {
  return ctx.isAdmin || task.owner === null || (ctx.projectId !== null && task.owner === ctx.projectId);
}
