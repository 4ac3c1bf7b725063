import type { Context } from "hono";
import { HIDDEN_PROPERTIES, type Image } from "../../domain/images/image";
import { readableBy } from "../../domain/property-protections";
import type { AppEnv } from "../../env";

/** Which extra properties the caller may read (property protections; everything when off). */
export function propertyView(c: Context<AppEnv>): (name: string) => boolean {
  const services = c.get("services");
  return readableBy(services.settings.propertyProtections, services.policy, c.get("ctx"));
}

/**
 * Glance's image JSON: extra properties first, then base attributes, links last. Properties the
 * caller may not read (`readable`, see propertyView) are left out, as Glance's protections do.
 */
export function serializeImage(image: Image, readable: (name: string) => boolean = () => true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) {
    if (!HIDDEN_PROPERTIES.has(k) && readable(k)) out[k] = v; // null for kernel_id/ramdisk_id set to null
  }
  Object.assign(out, {
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
    tags: [...image.tags].sort(),
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: "/v2/schemas/image",
  });
  if (image.stores.length > 0) out.stores = image.stores.join(",");
  return out;
}
