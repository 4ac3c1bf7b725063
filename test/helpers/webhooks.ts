import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { handleQueue } from "../../src/wiring";
import { call, json } from "./api";

// Webhook tests: the receiver is hooks.example.com in the outbound Worker (test/setup/import-origin.mjs),
// a real HTTP endpoint the Worker's fetch() reaches; each test uses its own project and receiver id.

export const HOOKS = "https://hooks.example.com";
export const uniq = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;
/** A fresh project (member + reader), so that no other test's events reach its subscriptions. */
export const project = (p = "hooks") => `${uniq(p)}:member,reader`;
export const projectOf = (token: string) => token.split(":")[0];

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function received(id: string): Promise<Received[]> {
  return (await fetch(`${HOOKS}/_received?id=${encodeURIComponent(id)}`)).json();
}

/** Waits until receiver `id` has `n` requests (or one passing `match`); returns them all. */
export async function waitReceived(id: string, n = 1, match?: (r: Received) => boolean): Promise<Received[]> {
  let got: Received[] = [];
  await vi.waitFor(
    async () => {
      got = await received(id);
      const count = match ? got.filter(match).length : got.length;
      if (count < n) throw new Error(`receiver ${id}: ${count} of ${n} requests so far`);
    },
    { timeout: 20_000, interval: 100 },
  );
  return got;
}

export const eventOf = (r: Pick<Received, "body">) => JSON.parse(r.body);

export async function createHook(token: string, body: Record<string, unknown>): Promise<any> {
  const r = await call("POST", "/v2/webhooks", { token, body });
  if (r.status !== 201) throw new Error(`webhook create failed ${r.status}: ${await r.text()}`);
  return json(r);
}

export async function hook(token: string, id: string): Promise<any> {
  return json(await call("GET", `/v2/webhooks/${id}`, { token }));
}

export async function deliveries(token: string, id: string): Promise<any[]> {
  return (await json(await call("GET", `/v2/webhooks/${id}/deliveries`, { token }))).deliveries;
}

/** What a receiver does: HMAC-SHA256 with the secret over "<X-Glance-Timestamp>.<body>". */
export async function signatureOf(secret: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${body}`)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function expectSigned(r: Received, secret: string): Promise<void> {
  const ts = r.headers["x-glance-timestamp"];
  expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(300);
  expect(r.headers["x-glance-signature"]).toBe(await signatureOf(secret, ts, r.body));
}

/** A notification as the events queue carries it (without the queue's `type`). */
export function notification(eventType: string, payload: unknown) {
  return {
    message_id: crypto.randomUUID(),
    publisher_id: "image.localhost",
    event_type: eventType,
    priority: "INFO" as const,
    timestamp: "2026-01-02 03:04:05.678901",
    request_id: null,
    payload,
  };
}

/** A webhook_delivery message for subscription `webhookId`. */
export function deliveryMessage(webhookId: string, event = notification("image.update", { id: crypto.randomUUID() })) {
  return { type: "webhook_delivery", webhook_id: webhookId, delivery_id: crypto.randomUUID(), redelivery_of: null, event };
}

/**
 * Hands messages to the queue consumer as the webhooks queue would, at attempt `attempts`, with
 * `vars` overridden (a differently configured deployment). Returns what the consumer did with each.
 */
export async function consume(bodies: unknown[], attempts = 1, vars: Record<string, string> = {}) {
  const messages = bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }));
  const batch = createMessageBatch("glance-webhooks", messages);
  // getQueueResult does not report retry delays: note the options each retry() is called with.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (o?: QueueRetryOptions) => {
      delays.set(m.id, o?.delaySeconds);
      retry(o);
    };
  }
  const ctx = createExecutionContext();
  await handleQueue(batch, { ...env, ...vars } as Env);
  const result = await getQueueResult(batch, ctx);
  return messages.map((m) => {
    const retry = result.retryMessages.find((r) => r.msgId === m.id);
    if (retry) return { retry: true as const, delaySeconds: delays.get(m.id) };
    return { retry: false as const, acked: result.explicitAcks.includes(m.id) };
  });
}
