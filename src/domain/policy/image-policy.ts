import type { RequestContext } from "../context";
import { DomainError, forbidden, imageNotFound } from "../errors";
import type { Image } from "../images/image";
import type { PolicyEngine, Target } from "./engine";

/** The policy target Glance builds for an existing image (glance/api/v2/policy.py ImageTarget). */
export function imageTarget(ctx: RequestContext, image: Image): Target {
  const t: Target = { ...image.properties };
  Object.assign(t, {
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected ? "True" : "False",
    os_hidden: image.osHidden ? "True" : "False",
    owner: image.owner,
    project_id: image.owner,
    container_format: image.containerFormat,
    disk_format: image.diskFormat,
    member_id: image.visibility === "shared" && ctx.projectId !== image.owner ? ctx.projectId : null,
  });
  return t;
}

/**
 * Policy checks for one image, with Glance's masking rule (glance/api/v2/policy.py
 * ImageAPIPolicy._enforce): a caller who may not even `get_image` gets 404, not 403.
 */
export class ImagePolicy {
  private readonly target: Target;
  constructor(
    private readonly engine: PolicyEngine,
    private readonly ctx: RequestContext,
    private readonly image: Image,
  ) {
    this.target = imageTarget(ctx, image);
  }

  can(rule: string): boolean {
    return this.engine.check(rule, this.ctx, this.target);
  }

  enforce(rule: string, message?: string): void {
    if (this.can(rule)) return;
    if (rule === "get_image" || !this.can("get_image")) throw imageNotFound(this.image.id);
    throw forbidden(message ?? `You are not authorized to complete ${rule} action.`);
  }
}

export function assertMutable(ctx: RequestContext): void {
  // glance/api/v2/... @utils.mutating: anonymous read-only contexts cannot write.
  if (ctx.readOnly) throw new DomainError("Forbidden", "Read-only access");
}
