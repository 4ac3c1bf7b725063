import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";

export const OWNER = "projA:member,reader";
export const OTHER = "projB:member,reader";
export const READER = "projA:reader";
export const ADMIN = "admin:admin,member,reader";

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  raw?: BodyInit;
  headers?: Record<string, string>;
  contentType?: string;
}

/** One request through the Worker's own fetch handler (real D1/R2/Queues/DOs underneath). */
export async function call(method: string, path: string, o: CallOptions = {}): Promise<Response> {
  const headers = new Headers(o.headers);
  if (o.token !== null) headers.set("X-Auth-Token", o.token ?? OWNER);
  let body: BodyInit | undefined = o.raw;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers.set("Content-Type", o.contentType ?? "application/json");
  }
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  return exports.default.fetch(new Request(`http://localhost${path}`, { method, headers, body }));
}

export async function json<T = any>(r: Response): Promise<T> {
  return (await r.json()) as T;
}

export async function createImage(body: Record<string, unknown> = {}, token = OWNER): Promise<any> {
  const r = await call("POST", "/v2/images", { token, body: { name: "img", disk_format: "raw", container_format: "bare", ...body } });
  if (r.status !== 201) throw new Error(`create failed ${r.status}: ${await r.text()}`);
  return r.json();
}

export const PATCH21 = "application/openstack-images-v2.1-json-patch";
export const PATCH20 = "application/openstack-images-v2.0-json-patch";

export function patch(id: string, ops: unknown, token = OWNER, contentType = PATCH21): Promise<Response> {
  return call("PATCH", `/v2/images/${id}`, { token, body: ops, contentType });
}

/**
 * Proves the queue consumer has worked through every message sent before this call: a new image's
 * image.create event, sent after them, has been recorded (the local queue delivers in order).
 * Use it before asserting that something did NOT happen, instead of sleeping.
 */
export async function queueDrained(): Promise<void> {
  const marker = await createImage({ name: "queue-drained-marker" });
  await vi.waitFor(
    async () => {
      if (!(await sinkEvents("image.create")).some((e) => e.payload?.id === marker.id)) throw new Error("the queue has not reached the marker yet");
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** Events the queue consumer recorded in the sink, oldest first. */
export async function sinkEvents(eventType?: string): Promise<any[]> {
  const rows = await env.DB.prepare(
    `SELECT payload FROM notification_sink ${eventType ? "WHERE event_type = ?" : ""} ORDER BY seq`,
  )
    .bind(...(eventType ? [eventType] : []))
    .all<{ payload: string }>();
  return rows.results.map((r) => JSON.parse(r.payload));
}
