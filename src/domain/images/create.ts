import type { RequestContext } from "../context";
import { badRequest, conflict, forbidden, readOnlyAttribute, reservedAttribute } from "../errors";
import { notifyImage } from "../notifications";
import { ImagePolicy, assertMutable } from "../policy/image-policy";
import { assertPropertyAllowed } from "../property-protections";
import type { Services } from "../services";
import { type Image, READONLY_ATTRIBUTES, isReservedProperty, nowIso } from "./image";
import { assertImageCountTotal } from "../quotas";
import { assertPropertyQuota, assertTagQuota } from "./quota";
import { COLUMN_ATTRIBUTES, isTypedProperty, validateValue } from "./validate";

/**
 * POST /v2/images (glance/api/v2/images.py ImagesController.create + ImageFactory.new_image):
 * validate, authorize add_image (and publicize/communitize), quotas, insert, notify image.create.
 */
export async function createImage(services: Services, ctx: RequestContext, body: Record<string, unknown>): Promise<Image> {
  assertMutable(ctx);
  for (const key of Object.keys(body)) {
    if (key === "id") continue;
    if (READONLY_ATTRIBUTES.has(key)) throw readOnlyAttribute(key);
    if (isReservedProperty(key) || key === "locations") throw reservedAttribute(key);
  }
  for (const [key, value] of Object.entries(body)) validateValue(services.settings, key, value);

  const now = nowIso(services.now());
  const properties: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(body)) {
    if (COLUMN_ATTRIBUTES.has(k)) continue;
    // Only kernel_id and ramdisk_id pass validation as null; Glance keeps and shows them so.
    if (isTypedProperty(k) || typeof v === "string") properties[k] = v as string | null;
  }
  const image: Image = {
    id: (body.id as string | undefined)?.toLowerCase() ?? services.newId(),
    name: (body.name as string | null | undefined) ?? null,
    status: "queued",
    visibility: (body.visibility as Image["visibility"] | undefined) ?? "shared",
    protected: (body.protected as boolean | undefined) ?? false,
    osHidden: (body.os_hidden as boolean | undefined) ?? false,
    owner: "owner" in body ? (body.owner as string | null) : ctx.projectId,
    containerFormat: (body.container_format as string | null | undefined) ?? null,
    diskFormat: (body.disk_format as string | null | undefined) ?? null,
    minDisk: (body.min_disk as number | undefined) ?? 0,
    minRam: (body.min_ram as number | undefined) ?? 0,
    size: null,
    virtualSize: null,
    checksum: null,
    osHashAlgo: null,
    osHashValue: null,
    createdAt: now,
    updatedAt: now,
    deleted: false,
    deletedAt: null,
    properties,
    tags: [...new Set((body.tags as string[] | undefined) ?? [])],
    stores: [],
    version: 1,
  };

  const policy = new ImagePolicy(services.policy, ctx, image);
  if (!policy.can("add_image")) {
    if (image.owner !== ctx.projectId) throw forbidden(`You are not permitted to create images owned by '${image.owner}'.`);
    throw forbidden("You are not authorized to complete add_image action.");
  }
  // Not created yet: nothing to hide, so no 404 masking (glance ImageAPIPolicy is_created).
  if (image.visibility === "public" && !policy.can("publicize_image")) throw forbidden("You are not authorized to complete publicize_image action.");
  if (image.visibility === "community" && !policy.can("communitize_image")) throw forbidden("You are not authorized to complete communitize_image action.");
  for (const name of Object.keys(image.properties)) {
    assertPropertyAllowed(services.settings.propertyProtections, services.policy, ctx, name, "create");
  }

  assertPropertyQuota(services.settings, image);
  assertTagQuota(services.settings, image);
  await assertImageCountTotal(services, image.owner);
  if (!(await services.images.create(image))) throw conflict(`Image with identifier ${image.id} already exists!`);
  notifyImage(services, "image.create", image);
  return image;
}

/** The JSON body must be an object (glance: "Body expected" / "Unexpected body type"). */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) throw badRequest("Body expected in request.");
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("Unexpected body type. Expected list/dict.");
  }
  return body as Record<string, unknown>;
}
