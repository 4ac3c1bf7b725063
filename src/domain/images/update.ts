import type { RequestContext } from "../context";
import { conflict, forbidden, readOnlyAttribute, reservedAttribute } from "../errors";
import { notifyImage } from "../notifications";
import { type ImagePolicy, assertMutable } from "../policy/image-policy";
import { type PropertyOperation, assertPropertyAllowed, propertyAllowed } from "../property-protections";
import type { Services } from "../services";
import { loadImage } from "./access";
import { type Image, READONLY_ATTRIBUTES, isReservedProperty, nowIso } from "./image";
import { assertPropertyQuota, assertTagQuota } from "./quota";
import { retryOnConflict } from "./save";
import { validateValue } from "./validate";

/** One parsed json-patch operation; `draft4` marks the deprecated v2.0 media type. */
export interface ImageChange {
  op: "add" | "remove" | "replace";
  path: string[];
  value?: unknown;
  draft4: boolean;
}

// Base attributes as the client names them -> domain fields.
const FIELDS: Record<string, keyof Image> = {
  name: "name",
  visibility: "visibility",
  protected: "protected",
  os_hidden: "osHidden",
  owner: "owner",
  container_format: "containerFormat",
  disk_format: "diskFormat",
  min_disk: "minDisk",
  min_ram: "minRam",
  tags: "tags",
};

/**
 * PATCH of /locations as Glance answers it with show_multiple_locations off, this service's only
 * mode (its locations are R2 objects it owns; services add data with POST /locations): replacing
 * with nothing → 403, then set_image_location (add, replace) or delete_image_location (remove),
 * then 403 because locations are invisible (glance/api/v2/images.py _do_replace/_do_add/_do_remove).
 */
function refuseLocations(policy: ImagePolicy, change: ImageChange): never {
  const empty = change.value === null || change.value === "" || change.value === 0 || change.value === false ||
    (Array.isArray(change.value) && change.value.length === 0) || (typeof change.value === "object" && change.value !== null && Object.keys(change.value).length === 0);
  if (change.op === "replace" && empty) throw forbidden("Cannot set locations to empty list.");
  policy.enforce(change.op === "remove" ? "delete_image_location" : "set_image_location");
  const verb = change.op === "add" ? "add" : change.op === "remove" ? "remove" : "update";
  throw forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
}

function checkPath(change: ImageChange): string {
  const root = change.path[0];
  if (READONLY_ATTRIBUTES.has(root)) throw readOnlyAttribute(root);
  if (isReservedProperty(root)) throw reservedAttribute(root);
  return root;
}

function applyChange(services: Services, ctx: RequestContext, policy: ImagePolicy, image: Image, change: ImageChange): void {
  if (change.path[0] === "locations") refuseLocations(policy, change);
  const name = checkPath(change);
  const field = FIELDS[name];
  // Property protections: an extra property the caller may not read does not exist for it
  // (glance ExtraPropertiesProxy); writing one needs create, update or delete permission.
  const protections = services.settings.propertyProtections;
  const allowed = (op: PropertyOperation) => propertyAllowed(protections, services.policy, ctx, name, op);
  const hasProperty = !field && name in image.properties && allowed("read");
  if (change.op === "remove") {
    if (field) throw forbidden(`Property ${name} may not be removed.`);
    if (!hasProperty) throw conflict(`Property ${name} does not exist.`);
    assertPropertyAllowed(protections, services.policy, ctx, name, "delete");
    delete image.properties[name];
    return;
  }
  const exists = field !== undefined || hasProperty;
  if (change.op === "add" && change.draft4 && exists) throw conflict(`Property ${name} already present.`);
  if (change.op === "replace" && !exists) throw conflict(`Property ${name} does not exist.`);
  validateValue(services.settings, name, change.value);
  if (!field) {
    assertPropertyAllowed(protections, services.policy, ctx, name, hasProperty ? "update" : "create");
    // null passes validation only for kernel_id/ramdisk_id: kept, and shown as null, as Glance does.
    image.properties[name] = change.value as string | null;
    return;
  }
  setField(ctx, policy, image, name, field, change.value);
}

function setField(ctx: RequestContext, policy: ImagePolicy, image: Image, name: string, field: keyof Image, value: unknown): void {
  if (name === "owner" && value !== image.owner && !ctx.isAdmin) throw forbidden("Owner can't be updated by non admin.");
  if (name === "visibility" && value !== image.visibility) {
    if (value === "public") policy.enforce("publicize_image", "You are not authorized to complete publicize_image action.");
    if (value === "community") policy.enforce("communitize_image", "You are not authorized to complete communitize_image action.");
  }
  if ((name === "container_format" || name === "disk_format") && value !== image[field]) {
    if (image.status !== "queued" && image.status !== "importing") {
      throw forbidden(`Attribute ${name} can be only replaced for a queued image.`);
    }
  }
  (image as unknown as Record<string, unknown>)[field] = name === "tags" ? [...new Set(value as string[])] : value;
}

/**
 * PATCH /v2/images/{id}: every operation applies to a copy, then one compare-and-swap save.
 * A lost race re-reads and re-applies the patch, so every 200 is really kept (Glance rewrites the
 * whole property set and loses concurrent updates).
 */
export async function updateImage(services: Services, ctx: RequestContext, id: string, changes: ImageChange[]): Promise<Image> {
  assertMutable(ctx);
  const saved = await retryOnConflict(async () => {
    const { image: current, policy } = await loadImage(services, ctx, id);
    policy.enforce("modify_image");
    const image: Image = structuredClone(current);
    for (const change of changes) applyChange(services, ctx, policy, image, change);
    assertPropertyQuota(services.settings, image);
    assertTagQuota(services.settings, image);
    image.updatedAt = nowIso(services.now());
    return services.images.save(image);
  });
  notifyImage(services, "image.update", saved);
  return saved;
}
