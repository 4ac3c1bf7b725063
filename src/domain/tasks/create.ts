import type { RequestContext } from "../context";
import { badRequest } from "../errors";
import { assertMutable } from "../policy/image-policy";
import { TASK_STATUSES, TASK_TYPES } from "../schemas/task";
import type { Services } from "../services";
import { assertTasksAccess } from "./access";
import { LEGACY_IMPORT_UNSUPPORTED, createdByImageApi, validateLegacyImportInput } from "./legacy-import";
import { addTask, beginTask, failTask, newTask } from "./lifecycle";
import type { Task, TaskType } from "./task";

/**
 * POST /v2/tasks (glance/api/v2/tasks.py TasksController.create + RequestDeserializer.create):
 * tasks_api_access first, then the body (type and input required, checked against the task
 * schema), the legacy import input, insert (task.create). The answer is the task as created
 * (pending); it is then run: no task type is executed through this API, so it ends in `failure`
 * with the reason (task.processing, task.failure, task.run), where Glance's legacy import would
 * fetch the URI.
 */
export async function createTask(services: Services, ctx: RequestContext, readBody: () => Promise<unknown>): Promise<Task> {
  assertTasksAccess(services, ctx);
  assertMutable(ctx);
  const body = await readBody();
  if (body === undefined) throw badRequest("Body expected in request.");
  const { type, input } = validateTaskBody(body);
  if (type === "import") validateLegacyImportInput(input);
  const imageId = typeof input?.image_id === "string" ? input.image_id : null;
  const task = await addTask(services, newTask(services, ctx, { type, input, imageId }));
  await beginTask(services, task.id);
  await failTask(services, task.id, type === "import" ? LEGACY_IMPORT_UNSUPPORTED : createdByImageApi(type));
  return task;
}

const STRING_FIELDS = ["owner", "message", "image_id", "request_id", "user_id", "created_at", "updated_at", "self", "schema"];
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The task schema check of the create body (glance: jsonschema against _TASK_SCHEMA, no extra keys). */
function validateTaskBody(body: unknown): { type: TaskType; input: Record<string, unknown> | null } {
  for (const key of ["type", "input"]) {
    if (typeof body !== "object" || body === null || Array.isArray(body) || !(key in body)) throw badRequest(`Task '${key}' is required`);
  }
  const b = body as Record<string, unknown>;
  const invalid = (why: string) => badRequest(`Provided object does not match schema 'task': ${why}`);
  const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  for (const [key, v] of Object.entries(b)) {
    if (key === "type" || key === "status") {
      const allowed: readonly string[] = key === "type" ? TASK_TYPES : TASK_STATUSES;
      if (typeof v !== "string" || !allowed.includes(v)) throw invalid(`${JSON.stringify(v)} is not one of ${allowed.join(", ")} (${key})`);
    } else if (key === "input" || key === "result") {
      if (v !== null && !isObject(v)) throw invalid(`${JSON.stringify(v)} is not of type null, object (${key})`);
    } else if (key === "expires_at") {
      if (v !== null && typeof v !== "string") throw invalid(`${JSON.stringify(v)} is not of type null, string (${key})`);
    } else if (key === "id") {
      if (typeof v !== "string" || !UUID.test(v)) throw invalid(`${JSON.stringify(v)} is not a UUID (id)`);
    } else if (STRING_FIELDS.includes(key)) {
      if (typeof v !== "string") throw invalid(`${JSON.stringify(v)} is not of type string (${key})`);
    } else {
      throw invalid(`Additional properties are not allowed ('${key}' was unexpected)`);
    }
  }
  return { type: b.type as TaskType, input: (b.input as Record<string, unknown> | null) ?? null };
}
