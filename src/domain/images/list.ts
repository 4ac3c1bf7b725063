import type { RequestContext } from "../context";
import { badRequest } from "../errors";
import type { ImageListQuery } from "../ports";
import type { Services } from "../services";
import { isVisible } from "./access";
import type { Image } from "./image";
import { ImagePolicy } from "../policy/image-policy";
import { forbidden } from "../errors";

export interface ImagePage {
  images: Image[];
  /** id of the last image when the page was full (there may be more). */
  nextMarker: string | null;
}

/** GET /v2/images. `params` are the raw query pairs in order (keys may repeat). */
export async function listImages(services: Services, ctx: RequestContext, params: [string, string][]): Promise<ImagePage> {
  if (!services.policy.check("get_images", ctx, { project_id: ctx.projectId })) throw forbidden("You are not authorized to complete get_images action.");
  const get = (k: string) => params.find(([key]) => key === k)?.[1];
  let limit = services.settings.limitParamDefault;
  const rawLimit = get("limit");
  if (rawLimit !== undefined) {
    if (!/^\d+$/.test(rawLimit)) throw badRequest("limit param must be an integer");
    limit = Math.min(Number(rawLimit), services.settings.apiLimitMax);
  }
  const q: ImageListQuery = {
    viewer: { isAdmin: ctx.isAdmin, projectId: ctx.projectId },
    memberStatus: "accepted",
    exact: {},
    ranges: [],
    tags: [],
    properties: {},
    sort: [{ key: "created_at", dir: "desc" }],
    limit,
  };
  const markerId = get("marker");
  if (markerId !== undefined) {
    const m = await services.images.get(markerId);
    if (!m || !(await isVisible(services, ctx, m))) throw badRequest(`Marker ${markerId} could not be found.`);
    q.marker = m;
  }
  const rows = limit === 0 ? [] : await services.images.list(q);
  const images = rows.filter((i) => new ImagePolicy(services.policy, ctx, i).can("get_image"));
  return { images, nextMarker: rows.length === limit && limit > 0 ? rows[rows.length - 1].id : null };
}
