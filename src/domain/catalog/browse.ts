// The public image catalog (README "Catalog"): what an anonymous visitor may browse. It reads as a
// project-less reader, so only public and community images are ever listed (the list query's own
// visibility rules), each still passing `get_image`, and only the properties that reader may read.
// One list query per page: listImages with the catalog's cursor (no marker lookup).
import type { RequestContext } from "../context";
import { badRequest, imageNotFound } from "../errors";
import { HIDDEN_PROPERTIES, type Image } from "../images/image";
import { listImages } from "../images/list";
import { ImagePolicy } from "../policy/image-policy";
import { readableBy } from "../property-protections";
import type { Services } from "../services";
import { decodeCursor, encodeCursor } from "./cursor";

/** The rule that opens the catalog (not in Glance; `"!"` in POLICY closes it). */
export const CATALOG_RULE = "browse_catalog";

/** Sort choices: name → Glance `sort` (one direction, so the tie-breakers created_at, id follow it). */
export const CATALOG_SORTS = {
  newest: "created_at:desc",
  oldest: "created_at:asc",
  name: "name:asc",
  "name-desc": "name:desc",
  updated: "updated_at:desc",
  largest: "size:desc",
  smallest: "size:asc",
} as const;
export type CatalogSort = keyof typeof CATALOG_SORTS;

/** Image properties the catalog filters on (Glance's common image properties). */
export const CATALOG_PROPERTIES = ["os_distro", "os_version", "architecture"] as const;
export const CATALOG_VISIBILITIES = ["all", "public", "community"] as const;
export const CATALOG_LIMITS = [12, 24, 48, 96] as const;
export const DEFAULT_LIMIT = 24;

export interface CatalogQuery {
  /** Substring of the name. */
  q: string;
  tag: string;
  diskFormat: string;
  containerFormat: string;
  properties: Partial<Record<(typeof CATALOG_PROPERTIES)[number], string>>;
  visibility: (typeof CATALOG_VISIBILITIES)[number];
  sort: CatalogSort;
  limit: number;
  after: string | null;
  before: string | null;
}

export interface CatalogPage {
  images: Image[];
  /** Cursors for the neighbouring pages (null: none). */
  next: string | null;
  prev: string | null;
}

/** The visitor as the catalog reads: no project, the reader role, nothing writable. */
export function catalogViewer(requestId: string): RequestContext {
  return { requestId, projectId: null, userId: null, roles: ["reader"], isAdmin: false, readOnly: true };
}

/** The page's query string → a validated query (400 with the reason for a bad value). */
export function parseCatalogQuery(get: (name: string) => string | undefined, allowed: { diskFormats: string[]; containerFormats: string[] }): CatalogQuery {
  const text = (name: string, max = 255) => {
    const v = (get(name) ?? "").trim();
    if (v.length > max) throw badRequest(`${name} is longer than ${max} characters.`);
    return v;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const v = text(name);
    if (v === "") return fallback;
    if (!(values as readonly string[]).includes(v)) throw badRequest(`Invalid ${name}: ${v}. Use one of ${values.join(", ")}.`);
    return v as T;
  };
  const properties: CatalogQuery["properties"] = {};
  for (const p of CATALOG_PROPERTIES) if (text(p)) properties[p] = text(p);
  const limitText = text("limit");
  const limit = limitText === "" ? DEFAULT_LIMIT : Number(limitText);
  if (!(CATALOG_LIMITS as readonly number[]).includes(limit)) throw badRequest(`Invalid limit: ${limitText}. Use one of ${CATALOG_LIMITS.join(", ")}.`);
  const after = text("after", 2048) || null;
  const before = text("before", 2048) || null;
  if (after && before) throw badRequest("Use either after or before, not both.");
  return {
    q: text("q"),
    tag: text("tag"),
    diskFormat: oneOf("disk_format", allowed.diskFormats, ""),
    containerFormat: oneOf("container_format", allowed.containerFormats, ""),
    properties,
    visibility: oneOf("visibility", CATALOG_VISIBILITIES, "all"),
    sort: oneOf("sort", Object.keys(CATALOG_SORTS) as CatalogSort[], "newest"),
    limit,
    after,
    before,
  };
}

/** One page of active public/community images matching `q`, with cursors to its neighbours. */
export async function browseCatalog(services: Services, requestId: string, q: CatalogQuery): Promise<CatalogPage> {
  const ctx = catalogViewer(requestId);
  const readable = readableBy(services.settings.propertyProtections, services.policy, ctx);
  const backwards = q.before !== null;
  const sort = CATALOG_SORTS[q.sort];
  const params: [string, string][] = [
    ["visibility", q.visibility],
    ["status", "active"],
    ["sort", backwards ? reverse(sort) : sort],
    ["limit", String(q.limit + 1)], // one more row says whether another page follows
  ];
  if (q.tag) params.push(["tag", q.tag]);
  if (q.diskFormat) params.push(["disk_format", q.diskFormat]);
  if (q.containerFormat) params.push(["container_format", q.containerFormat]);
  for (const [name, value] of Object.entries(q.properties)) {
    // Filtering on a property the visitor may not read would reveal its values.
    if (!readable(name)) throw badRequest(`The catalog cannot filter on ${name}.`);
    params.push([name, value]);
  }
  const cursor = q.before ?? q.after;
  const page = await listImages(services, ctx, params, {
    rule: CATALOG_RULE,
    after: cursor ? decodeCursor(cursor) : undefined,
    nameContains: q.q || undefined,
  });
  const more = page.images.length > q.limit;
  const rows = page.images.slice(0, q.limit).map((i) => readableImage(i, readable));
  if (!backwards) {
    return { images: rows, next: more ? encodeCursor(rows[rows.length - 1]) : null, prev: q.after && rows.length ? encodeCursor(rows[0]) : null };
  }
  rows.reverse();
  return { images: rows, next: rows.length ? encodeCursor(rows[rows.length - 1]) : null, prev: more ? encodeCursor(rows[0]) : null };
}

/**
 * One public or community image by id (any status but deleted; os_hidden ones too, as GET
 * /v2/images/{id} shows them); 404 for anything else, as if it did not exist.
 */
export async function showCatalogImage(services: Services, requestId: string, id: string): Promise<Image> {
  const ctx = catalogViewer(requestId);
  if (!services.policy.check(CATALOG_RULE, ctx, { project_id: null })) throw imageNotFound(id);
  if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) throw imageNotFound(id);
  const image = await services.images.get(id);
  if (!image || (image.visibility !== "public" && image.visibility !== "community")) throw imageNotFound(id);
  if (!new ImagePolicy(services.policy, ctx, image).can("get_image")) throw imageNotFound(id);
  return readableImage(image, readableBy(services.settings.propertyProtections, services.policy, ctx));
}

function readableImage(image: Image, readable: (name: string) => boolean): Image {
  const properties = Object.fromEntries(Object.entries(image.properties).filter(([k]) => !HIDDEN_PROPERTIES.has(k) && readable(k)));
  return { ...image, properties };
}

const reverse = (sort: string) => sort.replace(/:(asc|desc)$/, (_, d: string) => (d === "asc" ? ":desc" : ":asc"));
