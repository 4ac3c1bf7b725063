// GET /v2/images/{id}/locations (Image API 2.17; glance/api/v2/images.py get_locations): policy
// fetch_image_location (service or admin). Every store holding the image's data, as a
// store-qualified URL: r2://<store id>/<object key>, with the store in the metadata as Glance
// multi-store writes it.
import type { RequestContext } from "../context";
import { loadImage } from "../images/access";
import type { Services } from "../services";

export interface LocationView {
  url: string;
  metadata: Record<string, string>;
}

export const r2LocationUrl = (store: string, key: string) => `r2://${store}/${key}`;

export async function listLocations(services: Services, ctx: RequestContext, id: string): Promise<LocationView[]> {
  const { policy } = await loadImage(services, ctx, id);
  policy.enforce("fetch_image_location", "You are not authorized to complete fetch_image_location action.");
  return (await services.images.locations(id)).map((l) => ({ url: r2LocationUrl(l.store, l.key), metadata: { store: l.store } }));
}
