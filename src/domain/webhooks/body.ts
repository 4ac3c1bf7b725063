import { badRequest, readOnlyAttribute } from "../errors";
import { checkImportUri } from "../imports/url-filter";
import type { Settings } from "../settings";
import { isKnownPattern } from "./webhook";

// The request bodies of POST and PATCH /v2/webhooks, checked against the webhook schema
// (src/domain/schemas/webhook.ts): unknown keys 400, read-only ones 403 (as Glance does for images).

export const READ_ONLY = ["id", "owner", "created_at", "updated_at", "disabled_reason", "failure_count", "self", "schema", "secret"];
export const DEFAULT_EVENTS = ["image.*"];
const MAX_URL = 2048;
const MAX_EVENTS = 50;

export interface WebhookFields {
  targetUrl?: string;
  events?: string[];
  enabled?: boolean;
}

const invalid = (why: string) => badRequest(`Provided object does not match schema 'webhook': ${why}`);

/** The fields of a create (`target_url` required) or update (at least one field) body. */
export function webhookFields(body: unknown, settings: Settings, creating: boolean): WebhookFields {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Unexpected body type. Expected dict.");
  const out: WebhookFields = {};
  for (const [key, v] of Object.entries(body)) {
    if (READ_ONLY.includes(key)) throw readOnlyAttribute(key);
    if (key === "target_url") out.targetUrl = targetUrl(v, settings);
    else if (key === "events") out.events = events(v);
    else if (key === "enabled") {
      if (typeof v !== "boolean") throw invalid(`${JSON.stringify(v)} is not of type 'boolean' (enabled)`);
      out.enabled = v;
    } else throw invalid(`Additional properties are not allowed ('${key}' was unexpected)`);
  }
  if (creating && out.targetUrl === undefined) throw invalid("'target_url' is a required property");
  if (!creating && Object.keys(out).length === 0) throw badRequest("Nothing to update: expected target_url, events or enabled.");
  return out;
}

/** The URL filter of web-download (webhook_filtering_opts, else import_filtering_opts). */
function targetUrl(v: unknown, settings: Settings): string {
  if (typeof v !== "string") throw invalid(`${JSON.stringify(v)} is not of type 'string' (target_url)`);
  if (v.length > MAX_URL) throw invalid(`target_url is longer than ${MAX_URL} characters`);
  const check = checkImportUri(v, settings.webhookFilter);
  if (!check.ok) throw badRequest(`Invalid target_url: ${check.reason}`);
  return check.url.href;
}

function events(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw invalid(`${JSON.stringify(v)} is not a non-empty array (events)`);
  if (v.length > MAX_EVENTS) throw invalid(`more than ${MAX_EVENTS} items (events)`);
  for (const e of v) {
    if (typeof e !== "string") throw invalid(`${JSON.stringify(e)} is not of type 'string' (events)`);
    if (!isKnownPattern(e)) {
      throw badRequest(`Unknown event filter '${e}': expected image.*, image.member.*, task.*, metadef.* or an event type such as image.create`);
    }
  }
  return [...new Set(v as string[])];
}
