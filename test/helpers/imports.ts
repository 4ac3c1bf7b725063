import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";
import { handleQueue } from "../../src/wiring";
import { ADMIN, OWNER, call, json } from "./api";
import { OCTET, rowOf } from "./image-data";

export const ORIGIN = "http://images.example.com";
export const REMOTE_GLANCE = "https://glance.example.com";
export const REMOTE_IMAGE = "aaaaaaaa-0000-4000-8000-000000000001";

export const stage = (id: string, data: BodyInit, o: { token?: string; headers?: Record<string, string> } = {}) =>
  call("PUT", `/v2/images/${id}/stage`, { token: o.token, raw: data, headers: { ...OCTET, ...o.headers } });

export const importCall = (id: string, body: unknown, o: { token?: string; headers?: Record<string, string> } = {}) =>
  call("POST", `/v2/images/${id}/import`, { token: o.token, body, headers: o.headers });

export async function taskOf(id: string): Promise<any> {
  const r = await call("GET", `/v2/images/${id}/tasks`, { token: ADMIN });
  const tasks = (await json(r)).tasks as any[];
  return tasks[tasks.length - 1];
}

/** Waits until the image's latest import task is finished; returns it. */
export async function waitTask(id: string, timeout = 20_000): Promise<any> {
  let task: any;
  await vi.waitFor(
    async () => {
      task = await taskOf(id);
      expect(task?.status).toMatch(/success|failure/);
    },
    { timeout, interval: 25 },
  );
  return task;
}

/** SHA-512 and MD5 of what a URL serves (fetched through the same outbound worker). */
export async function digestsOf(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const md5 = new crypto.DigestStream("MD5");
  const sha = new crypto.DigestStream("SHA-512");
  const [a, b] = res.body!.tee();
  await Promise.all([a.pipeTo(md5), b.pipeTo(sha)]);
  const hex = (x: ArrayBuffer) => [...new Uint8Array(x)].map((v) => v.toString(16).padStart(2, "0")).join("");
  return { md5: hex(await md5.digest), sha512: hex(await sha.digest) };
}

/** Requests the origin worker saw whose URL contains `tag`. */
export async function originLog(tag: string): Promise<{ url: string; token: string | null }[]> {
  const all: { url: string; token: string | null }[] = await (await fetch(`http://origin.example.com/_log?tag=${encodeURIComponent(tag)}`)).json();
  return all.filter((e) => !e.url.startsWith("http://origin.example.com/"));
}

/**
 * A differently configured deployment: the request runs with `overrides` (vars, bindings), its
 * image_import messages are captured instead of queued (other messages still go to the queue),
 * and `run()` hands them to the consumer with the same overrides.
 */
export function deployment(overrides: Record<string, unknown>) {
  const captured: unknown[] = [];
  const events = {
    async send(body: any, opts?: QueueSendOptions) {
      if (body?.type === "image_import") captured.push(body);
      else await env.EVENTS.send(body, opts);
    },
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      for (const m of messages) await events.send(m.body, m);
    },
  };
  const full = { ...env, EVENTS: events, ...overrides } as unknown as Env;
  return {
    captured,
    env: full,
    async fetch(method: string, path: string, o: { token?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {}) {
      const headers = new Headers({ Accept: "application/json", "X-Auth-Token": o.token ?? OWNER, ...o.headers });
      let body: BodyInit | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers.set("Content-Type", "application/json");
      }
      const ctx = createExecutionContext();
      const res = await app.fetch(negotiateVersion(new Request(`http://localhost${path}`, { method, headers, body })), full, ctx);
      return res;
    },
    /** Runs the captured import messages through the consumer (attempt number `attempts`). */
    async run(attempts = 1): Promise<string[]> {
      const batch = createMessageBatch(
        "glance-events",
        captured.splice(0).map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
      );
      const ctx = createExecutionContext();
      await handleQueue(batch, full);
      const result = await getQueueResult(batch, ctx);
      return [...result.explicitAcks, ...result.retryMessages.map((m) => `retry:${m.msgId}`)];
    },
  };
}

export const withConfig = (config: Record<string, unknown>) => ({ GLANCE_CONFIG: JSON.stringify({ notification_sink: true, ...config }) });

export async function statusOf(id: string): Promise<string> {
  return (await rowOf(id)).status;
}
