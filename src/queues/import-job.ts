import { servicesForEnv } from "../api/services";
import { runImport } from "../domain/imports/run";
import type { ImportMessage } from "./messages";

/**
 * One `image_import` message: the import runs here, never inside the request. Every step is
 * idempotent (conditional task updates, the image's coordinator keeps what is done), so a
 * redelivered message resumes or finds nothing left to do. Notifications are awaited before the
 * message is acknowledged.
 */
export async function handleImportMessage(env: Env, body: ImportMessage): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const services = servicesForEnv(env, (p) => pending.push(p), body.request_id);
  try {
    await runImport(services, { taskId: body.task_id, imageId: body.image_id, authToken: body.auth_token, requestId: body.request_id, roles: body.roles });
  } finally {
    await Promise.allSettled(pending);
  }
}
