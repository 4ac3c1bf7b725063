import { Hono } from "hono";
import { assertTasksAccess } from "../../domain/tasks/access";
import { createTask } from "../../domain/tasks/create";
import { getTask, listImageTasks, listTasks } from "../../domain/tasks/list";
import { type Task, isoSeconds } from "../../domain/tasks/task";
import type { AppEnv } from "../../env";
import { absoluteUrl } from "../links";
import { readJson } from "../request-body";
import { HttpError } from "../errors";

/** glance/api/v2/tasks.py ResponseSerializer._format_task. */
export function serializeTask(t: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    input: t.input,
    type: t.type,
    status: t.status,
    owner: t.owner,
    message: t.message,
    result: t.result,
    created_at: isoSeconds(t.createdAt),
    updated_at: isoSeconds(t.updatedAt),
    self: `/v2/tasks/${t.id}`,
    schema: "/v2/schemas/task",
  };
  if (t.imageId) out.image_id = t.imageId;
  if (t.requestId) out.request_id = t.requestId;
  if (t.userId) out.user_id = t.userId;
  if (t.expiresAt) out.expires_at = isoSeconds(t.expiresAt);
  return out;
}

/** A list entry (_format_task_stub): no input, result or message. */
function serializeTaskStub(t: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    type: t.type,
    status: t.status,
    owner: t.owner,
    created_at: isoSeconds(t.createdAt),
    updated_at: isoSeconds(t.updatedAt),
    self: `/v2/tasks/${t.id}`,
    schema: "/v2/schemas/task",
  };
  if (t.expiresAt) out.expires_at = isoSeconds(t.expiresAt);
  return out;
}

/** Python's datetime.isoformat() of a stored timestamp: microseconds, no zone, no zero fraction. */
function pythonIso(ts: string | null): string | null {
  if (ts === null) return null;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return ts;
  const frac = (m[2] ?? "").padEnd(6, "0").slice(0, 6);
  return frac === "000000" ? m[1] : `${m[1]}.${frac}`;
}

/** GET /v2/images/{id}/tasks rows: the raw database values (glance db _task_format with info). */
function serializeTaskRow(t: Task): Record<string, unknown> {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    owner: t.owner,
    expires_at: pythonIso(t.expiresAt),
    created_at: pythonIso(t.createdAt),
    updated_at: pythonIso(t.updatedAt),
    deleted_at: pythonIso(t.deletedAt),
    deleted: t.deleted,
    image_id: t.imageId,
    request_id: t.requestId,
    user_id: t.userId,
    input: t.input,
    result: t.result,
    message: t.message,
  };
}

export const tasksRoutes = new Hono<AppEnv>();

tasksRoutes.get("/", async (c) => {
  const params = [...new URL(c.req.url).searchParams.entries()];
  const page = await listTasks(c.get("services"), c.get("ctx"), params);
  // first: the query without marker (Glance keeps one value per key); next: plus the marker.
  const query = new URLSearchParams([...new Map(params.filter(([k]) => k !== "marker"))]);
  const body: Record<string, unknown> = {
    tasks: page.tasks.map(serializeTaskStub),
    first: `/v2/tasks${query.size ? `?${query}` : ""}`,
    schema: "/v2/schemas/tasks",
  };
  if (page.nextMarker) {
    query.append("marker", page.nextMarker);
    body.next = `/v2/tasks?${query}`;
  }
  return c.json(body);
});

tasksRoutes.post("/", async (c) => {
  const services = c.get("services");
  const task = await createTask(services, c.get("ctx"), () => readJson(c));
  c.header("Location", absoluteUrl(c, services.settings.publicEndpoint, `/v2/tasks/${task.id}`));
  return c.json(serializeTask(task), 201);
});

tasksRoutes.get("/:id", async (c) => {
  return c.json(serializeTask(await getTask(c.get("services"), c.get("ctx"), c.req.param("id"))));
});

// glance TasksController.delete: access policy first, then always 405 (tasks expire instead).
tasksRoutes.delete("/:id", (c) => {
  assertTasksAccess(c.get("services"), c.get("ctx"));
  throw new HttpError(
    405,
    "This operation is currently not permitted on Glance Tasks. They are auto deleted after reaching the time based on their expires_at property.",
    { Allow: "GET" },
  );
});

/** GET /v2/images/{id}/tasks, mounted under /images. */
export const imageTasksRoutes = new Hono<AppEnv>();

imageTasksRoutes.get("/:id/tasks", async (c) => {
  const tasks = await listImageTasks(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.json({ tasks: tasks.map(serializeTaskRow) });
});
