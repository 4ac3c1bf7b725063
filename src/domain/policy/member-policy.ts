import type { RequestContext } from "../context";
import { forbidden, notFound } from "../errors";
import type { Image } from "../images/image";
import type { PolicyEngine } from "./engine";
import { ImagePolicy } from "./image-policy";

/**
 * Policy checks for the members of one image (glance/api/v2/policy.py MemberAPIPolicy): the
 * target is the image, and every member rule is preceded by `get_image`, whose failure is a 404.
 */
export class MemberPolicy {
  private readonly image: ImagePolicy;
  constructor(engine: PolicyEngine, ctx: RequestContext, image: Image) {
    this.image = new ImagePolicy(engine, ctx, image);
  }

  can(rule: string): boolean {
    return this.image.can("get_image") && this.image.can(rule);
  }

  enforce(rule: string): void {
    if (!this.image.can("get_image")) throw notFound("The resource could not be found.");
    if (!this.image.can(rule)) throw forbidden(`You are not authorized to complete ${rule} action.`);
  }
}
