// location-import's data (POST /v2/images/{id}/locations, src/domain/locations/add-location.ts):
// the URL of its task, read like web-download (every hop through the URL filter), checked against
// the task's validation_data while it streams into the store (a mismatch fails the write, so the
// import fails and nothing is left behind: glance's _VerifyValidationData and its revert).
import type { Task } from "../tasks/task";
import type { Services } from "../services";
import { DIGEST_ALGOS, type DigestAlgo, type Source } from "./sources";

/** The task input POST /locations records (glance: image_id, loc_url, validation_data). */
export function locationTaskInput(imageId: string, url: string, validation: { os_hash_algo: string; os_hash_value: string } | null) {
  return { image_id: imageId, loc_url: url, validation_data: validation ?? {} };
}

export async function openLocation(services: Services, task: Task): Promise<Source> {
  const input = task.input ?? {};
  const source = await services.sources.open(String(input.loc_url), "location import");
  const v = (input.validation_data ?? {}) as { os_hash_algo?: string; os_hash_value?: string };
  if (!v.os_hash_algo || !v.os_hash_value || !(DIGEST_ALGOS as readonly string[]).includes(v.os_hash_algo)) return source;
  return { body: services.sources.verify(source.body, { algo: v.os_hash_algo as DigestAlgo, value: v.os_hash_value }), length: source.length };
}
