// Glance's import plugins ([image_import_opts] image_import_plugins) that can run in a Worker:
// inject_image_metadata (properties set on the image unless the importer has an ignored role) and
// image_decompression (a gzip or single-file zip source is decompressed on its way to the store,
// streaming: the byte work is the ImportSources port's `decompress`, in src/import-sources/).
// image_conversion needs qemu-img and is not offered.
import type { Image } from "../images/image";
import { nowIso } from "../images/image";
import type { Services } from "../services";
import { SourceError } from "./sources";

/**
 * glance inject_image_metadata: the configured `inject` properties, unless one of the importer's
 * roles is in `ignore_user_roles`. Saved with the image's version check (retried on a lost race);
 * setting what is already set changes nothing, so a redelivered import can run it again.
 */
export async function injectImageMetadata(services: Services, imageId: string, roles: string[]): Promise<Image | null> {
  const { ignoreUserRoles, inject } = services.settings.injectMetadata;
  if (roles.some((r) => ignoreUserRoles.includes(r)) || Object.keys(inject).length === 0) return null;
  for (let attempt = 0; attempt < 10; attempt++) {
    const image = await services.images.get(imageId);
    if (!image) return null;
    if (Object.entries(inject).every(([k, v]) => image.properties[k] === v)) return image;
    const saved = await services.images.save({ ...image, properties: { ...image.properties, ...inject }, updatedAt: nowIso() });
    if (saved) return saved;
  }
  throw new SourceError(`The properties of image ${imageId} could not be injected: it kept changing.`);
}
