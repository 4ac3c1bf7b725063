import { badRequest } from "../errors";

// glance/api/v2/image_members.py RequestDeserializer: the 400s come before any lookup.

function object(body: unknown, form: string): Record<string, unknown> {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (Array.isArray(body) || typeof body !== "object" || body === null) throw badRequest(`Expected a ${form}`);
  return body as Record<string, unknown>;
}

/** `{"member": "<project id>"}` → the project id. */
export function parseMemberBody(body: unknown): string {
  const o = object(body, 'member in the form: {"member": "image_id"}');
  if (!("member" in o)) throw badRequest("Member to be added not specified");
  const m = o.member;
  if (m === "" || m === null || m === 0 || m === false) throw badRequest("Member can't be empty");
  // Glance stores whatever scalar it is given; a number is kept as its text, anything else refused.
  if (typeof m === "number") return String(m);
  if (typeof m !== "string") throw badRequest('Expected a member in the form: {"member": "image_id"}');
  // image_members.member is VARCHAR(255) in Glance's schema.
  if (m.length > 255) throw badRequest("Member can't be longer than 255 characters");
  return m;
}

/** `{"status": "..."}` → the raw status (checked against the allowed values after authorization, as Glance does). */
export function parseStatusBody(body: unknown): unknown {
  const o = object(body, 'status in the form: {"status": "status"}');
  if (!("status" in o)) throw badRequest("Status not specified");
  return o.status;
}
