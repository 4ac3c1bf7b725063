import { QuotaExceeded } from "../errors";
import type { Settings } from "../settings";
import type { Image } from "./image";

// glance/quota/__init__.py: negative limits mean unlimited; os_glance_* properties do not count.
export function assertPropertyQuota(settings: Settings, image: Pick<Image, "properties">): void {
  const limit = settings.imagePropertyQuota;
  if (limit < 0) return;
  const n = Object.keys(image.properties).filter((k) => !k.startsWith("os_glance")).length;
  if (n > limit) throw new QuotaExceeded(`Maximum number of properties exceeded: ${n} > ${limit}`, limit, n);
}

export function assertTagQuota(settings: Settings, image: Pick<Image, "tags">): void {
  const limit = settings.imageTagQuota;
  if (limit >= 0 && image.tags.length > limit) {
    throw new QuotaExceeded(`Maximum number of tags exceeded: ${image.tags.length} > ${limit}`, limit, image.tags.length);
  }
}
