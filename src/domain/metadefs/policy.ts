import type { RequestContext } from "../context";
import { forbidden, notFound } from "../errors";
import type { PolicyEngine, Target } from "../policy/engine";
import type { Services } from "../services";
import type { MetadefNamespace } from "./types";

/** glance/db/sqlalchemy/metadef_api/namespace.py _is_namespace_visible: admin, public or own. */
export function isNamespaceVisible(ctx: RequestContext, ns: MetadefNamespace): boolean {
  return ctx.isAdmin || ns.visibility === "public" || (ctx.projectId !== null && ctx.projectId === ns.owner);
}

/**
 * Metadef policy checks (glance/api/v2/policy.py MetadefAPIPolicy). The target is the namespace's
 * owner and visibility, or the caller's project when there is no namespace yet. A denied rule is a
 * 404 when the caller may not even read the namespace, else a 403.
 */
export class MetadefPolicy {
  private readonly target: Target;
  constructor(
    private readonly engine: PolicyEngine,
    private readonly ctx: RequestContext,
    ns?: MetadefNamespace,
  ) {
    this.target = ns ? { project_id: ns.owner, visibility: ns.visibility } : { project_id: ctx.projectId };
  }

  can(rule: string): boolean {
    return this.engine.check(rule, this.ctx, this.target);
  }

  enforce(rule: string): void {
    if (this.can(rule)) return;
    if (rule === "get_metadef_namespace" || !this.can("get_metadef_namespace")) throw notFound("The resource could not be found.");
    throw forbidden(`You are not authorized to complete ${rule} action.`);
  }
}

/**
 * Loads a namespace the caller can see, with its policy. Glance words the 404 per route family:
 * "namespace" (GET of the namespace itself), "object" (object routes) or "other".
 */
export async function loadNamespace(
  services: Services,
  ctx: RequestContext,
  name: string,
  route: "namespace" | "object" | "other" = "other",
): Promise<{ ns: MetadefNamespace; policy: MetadefPolicy }> {
  const ns = await services.metadefs.getNamespace(name);
  const short = `Namespace ${name} not found`;
  if (!ns) throw notFound(route === "other" ? short : `Metadata definition namespace=${name} was not found.`);
  if (!isNamespaceVisible(ctx, ns)) throw notFound(route === "namespace" ? "The resource could not be found." : short);
  return { ns, policy: new MetadefPolicy(services.policy, ctx, ns) };
}

/** glance/common/exception.py ProtectedMetadef*Delete: nothing in a protected namespace is deleted. */
export const protectedDelete = (kind: "namespace" | "object" | "property" | "tag" | "resource-type-association", name: string) =>
  forbidden(`Metadata definition ${kind} ${name} is protected and cannot be deleted.`);
