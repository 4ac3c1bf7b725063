import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";

// Shared by policy-matrix.test.ts and policy-overrides.test.ts. Strict auth mode, so the
// identities come from STATIC_TOKENS, as deployed.
export const TOKENS: Record<string, string> = {
  "t-admin": "admin:admin,member,reader",
  "t-owner": "projA:member,reader",
  "t-reader": "projA:reader",
  "t-other": "projB:member,reader",
};
export const STRICT = { AUTH_MODE: "strict", STATIC_TOKENS: JSON.stringify(TOKENS) };

export const VIS = ["public", "community", "shared-accepted", "shared-pending", "private"] as const;
export type Vis = (typeof VIS)[number];

export async function req(vars: Record<string, string>, method: string, path: string, token: string | null, body?: unknown, contentType = "application/json") {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers["X-Auth-Token"] = token;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    payload = body;
    headers["Content-Type"] = "application/octet-stream";
    headers["Content-Length"] = String(body.byteLength);
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = contentType;
  }
  // Read the body before waiting on the execution context: a download's waitUntil settles only
  // once its stream has been consumed.
  const ctx = createExecutionContext();
  const res = await app.fetch(negotiateVersion(new Request(`http://localhost${path}`, { method, headers, body: payload })), { ...env, ...vars }, ctx);
  const text = res.headers.get("Content-Type")?.startsWith("application/json") ? await res.text() : (await res.arrayBuffer(), "");
  await waitOnExecutionContext(ctx);
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, json };
}

/** An image of the given visibility owned by projA, with data; projB a member for shared-*. */
export async function makeImage(vis: Vis, withData: boolean): Promise<string> {
  const body = { name: "matrix", disk_format: "raw", container_format: "bare" };
  const created =
    vis === "public"
      ? await req(STRICT, "POST", "/v2/images", "t-admin", { ...body, visibility: "public", owner: "projA" })
      : await req(STRICT, "POST", "/v2/images", "t-owner", { ...body, visibility: vis.startsWith("shared") ? "shared" : vis });
  expect(created.status).toBe(201);
  const id = created.json.id as string;
  if (vis.startsWith("shared")) {
    expect((await req(STRICT, "POST", `/v2/images/${id}/members`, "t-owner", { member: "projB" })).status).toBe(200);
    if (vis === "shared-accepted") {
      expect((await req(STRICT, "PUT", `/v2/images/${id}/members/projB`, "t-other", { status: "accepted" })).status).toBe(200);
    }
  }
  if (withData) expect((await req(STRICT, "PUT", `/v2/images/${id}/file`, "t-admin", new TextEncoder().encode("x".repeat(10)))).status).toBe(204);
  return id;
}
