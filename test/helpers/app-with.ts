import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";

/** Calls the app with some vars overridden (auth mode, config), as a differently configured deployment. */
export async function fetchWith(vars: Record<string, string>, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(negotiateVersion(request), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
