import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app, negotiateVersion } from "../../src/app";

/** Calls the app with some vars overridden (auth mode, config), as a differently configured deployment. */
export async function fetchWith(vars: Record<string, string>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(negotiateVersion(request), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
