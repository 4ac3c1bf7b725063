import type { MiddlewareHandler } from "hono";
import { splitRoles } from "../../config";
import type { RequestContext } from "../../domain/context";
import { anonymousContext } from "../../domain/context";
import type { Settings } from "../../domain/settings";
import type { AppEnv } from "../../env";
import { IdentityUnavailable, type TokenValidator } from "../../domain/identity";
import { HttpError } from "../errors";

// python-glanceclient percent-encodes header values ("projB%3Amember%2Creader").
function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function identity(requestId: string, project: string, roles: string[], user: string, token: string | null): RequestContext {
  return { requestId, projectId: project, userId: user, roles, isAdmin: roles.includes("admin"), readOnly: false, authToken: token };
}

/**
 * Development mode (never deployed): the same forms as shared/anchor/anchor_auth.py —
 * X-Project-Id/X-Roles/X-User-Id headers, else a token "<project>:<roles>[:<user>]", else the
 * admin of project "admin".
 */
export function developmentContext(requestId: string, h: (name: string) => string | undefined): RequestContext {
  const project = h("X-Project-Id") ?? h("X-Tenant-Id");
  const rawToken = h("X-Auth-Token");
  const token = rawToken ? decode(rawToken) : "";
  if (project) {
    const roles = h("X-Roles");
    return identity(requestId, project, splitRoles(roles ?? "member,reader"), h("X-User-Id") ?? `user-${project}`, rawToken ?? null);
  }
  if (token.includes(":")) {
    const [p, roles, user] = token.split(":");
    return identity(requestId, p, splitRoles(roles ?? ""), user || `user-${p}`, rawToken ?? null);
  }
  return identity(requestId, "admin", ["admin", "member", "reader"], "admin", rawToken ?? null);
}

/** Strict mode: only tokens listed in the STATIC_TOKENS secret; identity headers are ignored. */
export function strictContext(settings: Settings, requestId: string, h: (name: string) => string | undefined): RequestContext {
  const token = h("X-Auth-Token");
  if (!token) {
    if (settings.allowAnonymousAccess) return anonymousContext(requestId);
    throw new HttpError(401, "This server could not verify that you are authorized to access the document you requested.", {
      "WWW-Authenticate": 'Keystone uri="unavailable"',
    });
  }
  const known = settings.staticTokens[token] ?? settings.staticTokens[decode(token)];
  if (!known) throw new HttpError(401, "The request you have made requires authentication.");
  return identity(requestId, known.project, known.roles, known.user, token);
}

/**
 * Keystone mode: X-Auth-Token is validated by Keystone (cached); the context is the token's project,
 * user, roles and project domain. Identity headers are ignored. Keystone unreachable → 503.
 * X-Service-Token as keystonemiddleware reads it (see below).
 */
export async function keystoneContext(settings: Settings, client: TokenValidator, requestId: string, h: (name: string) => string | undefined): Promise<RequestContext> {
  const keystone = settings.keystone!;
  const token = h("X-Auth-Token");
  const challenge = { "WWW-Authenticate": `Keystone uri="${keystone.url}"` };
  if (!token) {
    if (settings.allowAnonymousAccess) return anonymousContext(requestId);
    throw new HttpError(401, "This server could not verify that you are authorized to access the document you requested.", challenge);
  }
  let identity;
  try {
    // keystonemiddleware: a valid service token holding a service role lets an expired user token
    // through (Nova finishing a snapshot upload). An invalid service token is ignored, as in
    // Glance's pipeline (delay_auth_decision): the user token decides alone then.
    const serviceToken = h("X-Service-Token");
    const service = serviceToken ? await client.validate(serviceToken) : null;
    const allowExpired = service !== null && service.roles.some((r) => keystone.serviceTokenRoles.includes(r));
    identity = await client.validate(token, allowExpired);
  } catch (e) {
    if (!(e instanceof IdentityUnavailable)) throw e;
    console.error(`keystone: ${e.message}`);
    throw new HttpError(503, "The identity service is unavailable; try again later.", { "Retry-After": "5" });
  }
  if (!identity) throw new HttpError(401, "The request you have made requires authentication.", challenge);
  return {
    requestId,
    projectId: identity.projectId,
    userId: identity.userId,
    roles: identity.roles,
    isAdmin: false,
    readOnly: false,
    domainId: identity.projectDomainId,
    authToken: token,
  };
}

/** Builds the RequestContext for the configured mode; `is_admin` is the policy `context_is_admin`. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { settings, policy, tokens } = c.get("services");
  const h = (name: string) => c.req.header(name);
  const requestId = c.get("requestId");
  const ctx =
    settings.authMode === "keystone"
      ? await keystoneContext(settings, tokens!, requestId, h)
      : settings.authMode === "development"
        ? developmentContext(requestId, h)
        : strictContext(settings, requestId, h);
  // glance/api/middleware/context.py: is_admin comes from the context_is_admin rule.
  if (!ctx.readOnly) ctx.isAdmin = policy.check("context_is_admin", ctx, {});
  c.set("ctx", ctx);
  await next();
};
