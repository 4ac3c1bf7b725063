import { type PropertySchema, type SchemaDocument, UUID_PATTERN, collectionSchema, minimalSchema } from "./json-schema";

// glance/api/v2/tasks.py _TASK_SCHEMA (upstream: the type enum includes location_import), served
// in the minimal view. List entries are stubs without input, result and message.

export const TASK_TYPES = ["import", "api_image_import", "location_import"] as const;
export const TASK_STATUSES = ["pending", "processing", "success", "failure"] as const;
const STUB_OMITS = new Set(["input", "result", "message"]);

function taskProperties(): Record<string, PropertySchema> {
  return {
    id: { description: "Task identifier (UUID)", pattern: UUID_PATTERN, type: "string" },
    type: { description: "Kind of work the task does", enum: [...TASK_TYPES], type: "string" },
    status: { description: "Progress state of the task", enum: [...TASK_STATUSES], type: "string" },
    input: { description: "Parameters the task was created with (JSON object)", type: ["null", "object"] },
    result: { description: "Outcome of the task (JSON object)", type: ["null", "object"] },
    owner: { description: "Project owning the task", type: "string" },
    message: { description: "Explanation, mostly set when the task fails", type: "string" },
    image_id: { description: "Image the task works on", type: "string" },
    request_id: { description: "Request that started the task", type: "string" },
    user_id: { description: "User that started the task", type: "string" },
    expires_at: { description: "When the finished task may be purged", type: ["null", "string"] },
    created_at: { description: "When the task was created", type: "string" },
    updated_at: { description: "When the task last changed", type: "string" },
    self: { readOnly: true, type: "string" },
    schema: { readOnly: true, type: "string" },
  };
}

/** GET /v2/schemas/task. */
export function taskSchema(): SchemaDocument {
  return minimalSchema("task", taskProperties());
}

/** GET /v2/schemas/tasks: the items are the stub form used by task lists. */
export function tasksSchema(): SchemaDocument {
  const stub = Object.fromEntries(Object.entries(taskProperties()).filter(([k]) => !STUB_OMITS.has(k)));
  return collectionSchema("tasks", minimalSchema("task", stub), { paged: false });
}
