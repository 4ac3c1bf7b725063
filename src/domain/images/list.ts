import type { RequestContext } from "../context";
import { badRequest, forbidden } from "../errors";
import { ImagePolicy } from "../policy/image-policy";
import type { ImageFilterOp, ImageListMarker, ImageListQuery, ImageSortKey } from "../ports";
import type { Services } from "../services";
import type { Settings } from "../settings";
import { isVisible } from "./access";
import type { Image } from "./image";

export interface ImagePage {
  images: Image[];
  /** id of the last row the database returned when the page was full (there may be more). */
  nextMarker: string | null;
}

/** What the catalog (src/domain/catalog) adds to a Glance query; GET /v2/images uses none of it. */
export interface ListOptions {
  /** The rule that authorizes the listing (default get_images); each image still needs get_image. */
  rule?: string;
  /** Rows after this one, given by its sort values (a cursor): no marker lookup, no visibility check needed (rows are still filtered). */
  after?: ImageListMarker;
  /** Case-insensitive substring of the name (not a Glance filter). */
  nameContains?: string;
}

/**
 * GET /v2/images (glance/api/v2/images.py ImagesController.index): authorize get_images, parse the
 * query, one keyset-paged query, then drop every image the caller may not `get_image`.
 * `params` are the raw query pairs in order (keys may repeat).
 */
export async function listImages(services: Services, ctx: RequestContext, params: [string, string][], options: ListOptions = {}): Promise<ImagePage> {
  const rule = options.rule ?? "get_images";
  if (!services.policy.check(rule, ctx, { project_id: ctx.projectId })) throw forbidden(`You are not authorized to complete ${rule} action.`);
  const { query, markerId } = parseListQuery(params, services.settings, { isAdmin: ctx.isAdmin, projectId: ctx.projectId });
  if (options.nameContains) query.nameContains = options.nameContains;
  if (options.after) query.marker = options.after;
  else if (markerId !== undefined) {
    const m = await services.images.get(markerId);
    if (!m || !(await isVisible(services, ctx, m))) throw badRequest(`Marker ${markerId} could not be found.`);
    query.marker = m;
  }
  const rows = query.limit === 0 ? [] : await services.images.list(query);
  const images = rows.filter((i) => new ImagePolicy(services.policy, ctx, i).can("get_image"));
  // Unlike Glance (which takes the last image kept by policy and drops `next` when none is kept),
  // the marker is the last row read, so paging never stops early nor re-reads dropped rows.
  return { images, nextMarker: query.limit > 0 && rows.length === query.limit ? rows[rows.length - 1].id : null };
}

export const SORT_KEYS: readonly ImageSortKey[] = ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"];
const VISIBILITY_FILTERS = ["public", "private", "shared", "community", "all"] as const;
const MEMBER_STATUSES = ["accepted", "pending", "rejected", "all"] as const;
const OPS: readonly ImageFilterOp[] = ["eq", "neq", "gt", "gte", "lt", "lte"];
/** Columns of Glance's images table a query key may name (models.Image); other keys are extra properties. */
export const IMAGE_COLUMNS = new Set([
  "id", "name", "disk_format", "container_format", "size", "virtual_size", "status", "checksum", "os_hash_algo",
  "os_hash_value", "min_disk", "min_ram", "owner", "protected", "os_hidden", "created_at", "updated_at", "deleted_at",
]); // prettier-ignore
const OPERATOR_KEYS = new Set(["name", "id", "status", "container_format", "disk_format"]);
const DATE_KEYS = new Set(["created_at", "updated_at"]);
/** Keys that are not filters (`deleted` is forced to false by Glance whatever the caller says). */
const CONTROL_KEYS = new Set(["limit", "marker", "member_status", "tag", "sort", "sort_key", "sort_dir", "visibility", "os_hidden", "protected", "deleted"]);

// Glance has no such limits (only its server's request-line length), but every filter is a
// condition in each branch of one D1 statement, which D1 caps (100 KB of SQL, 100 bound values):
// ~1000 filters failed there with "statement too long" (a 500), and 120 long ones did too. With 32
// (a property filter binds two values) plus the sort, marker and visibility values, every value
// stays bound (none inlined as a literal), so the SQL stays near 20 KB whatever the values' length.
const MAX_FILTERS = 32;
/** Bounds the parsing work too (each key is looked up in the whole list). */
const MAX_QUERY_PARAMS = 100;

/** Validates every query parameter (400 on the first bad one) into a repository query. */
export function parseListQuery(
  params: [string, string][],
  settings: Pick<Settings, "limitParamDefault" | "apiLimitMax">,
  viewer: ImageListQuery["viewer"],
): { query: ImageListQuery; markerId?: string } {
  if (params.length > MAX_QUERY_PARAMS) throw badRequest(`Too many query parameters: ${params.length}. At most ${MAX_QUERY_PARAMS} are allowed.`);
  const all = (k: string) => params.filter(([key]) => key === k).map(([, v]) => v);
  // webob MultiDict.get: a repeated single-valued key means its last value.
  const last = (k: string) => all(k).at(-1);

  const visibility = last("visibility");
  if (visibility && !(VISIBILITY_FILTERS as readonly string[]).includes(visibility)) throw badRequest(`Invalid visibility value: ${visibility}`);
  if (last("changes-since") !== undefined) throw badRequest('The "changes-since" filter is no longer available on v2.');
  const memberStatus = last("member_status") ?? "accepted";
  if (!(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) throw badRequest(`Invalid status: ${memberStatus}`);

  let limit = settings.limitParamDefault;
  const rawLimit = last("limit");
  if (rawLimit !== undefined) {
    const n = parseInteger(rawLimit);
    if (n === null) throw badRequest("limit param must be an integer");
    if (n < 0) throw badRequest("limit param must be positive");
    limit = n;
  }
  limit = Math.min(limit, settings.apiLimitMax);

  const query: ImageListQuery = {
    viewer,
    memberStatus: memberStatus as ImageListQuery["memberStatus"],
    osHidden: parseFlag("os_hidden", (last("os_hidden") ?? "false").toLowerCase()),
    exact: {},
    ranges: [],
    tags: all("tag").map((t) => t.trim()),
    properties: {},
    sort: parseSort(params, all),
    limit,
  };
  if (visibility) query.visibility = visibility as ImageListQuery["visibility"];
  const prot = last("protected");
  if (prot !== undefined) query.protected = parseFlag("protected", prot);

  const filterKeys = [...new Set(params.map(([k]) => k))].filter((k) => !CONTROL_KEYS.has(k) && k !== "changes-since");
  const filters = filterKeys.length + query.tags.length;
  if (filters > MAX_FILTERS) throw badRequest(`Too many filters: ${filters}. At most ${MAX_FILTERS} filters (tags included) are allowed.`);
  for (const key of filterKeys) addFilter(query, key, last(key)!);
  return { query, markerId: last("marker") };
}

function addFilter(q: ImageListQuery, key: string, value: string): void {
  const bound = /_(min|max)$/.exec(key);
  if (bound && IMAGE_COLUMNS.has(key.slice(0, -4))) {
    // glance/db/sqlalchemy/api.py: `<column>_min` / `<column>_max` are inclusive numeric bounds.
    const n = parseInteger(value);
    if (n === null) throw badRequest("Unable to filter on a range with a non-numeric value.");
    q.ranges.push({ column: key.slice(0, -4), op: bound[1] === "min" ? "gte" : "lte", value: n });
  } else if (DATE_KEYS.has(key)) {
    const [op, text] = splitFilterOp(value);
    const t = parseIsoTime(text);
    if (!t) throw badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
    if (!(OPS as readonly string[]).includes(op)) throw badRequest("Unable to filter on a unknown operator.");
    q.ranges.push(wholeSecondRange(key, op as ImageFilterOp, t));
  } else if (OPERATOR_KEYS.has(key)) {
    const [op, text] = splitFilterOp(value);
    if (op === "in") q.exact[key] = splitQuotedList(text);
    else if (op === "eq") q.exact[key] = [text];
    else throw badRequest(`Unable to filter by unknown operator '${op}'.`);
  } else if (IMAGE_COLUMNS.has(key)) {
    q.exact[key] = [value];
  } else {
    // Any other key (including a non-column `<x>_min`, which Glance answers with a 500) is an extra property.
    q.properties[key] = value;
  }
}

/** Classic `sort_key`/`sort_dir` or new `sort=k1:dir,k2`; created_at and id appended as tie-breakers. */
function parseSort(params: [string, string][], all: (k: string) => string[]): ImageListQuery["sort"] {
  const has = (k: string) => params.some(([key]) => key === k);
  const keys: ImageSortKey[] = [];
  const dirs: ("asc" | "desc")[] = [];
  if (has("sort")) {
    if (has("sort_key") || has("sort_dir")) throw badRequest("Old and new sorting syntax cannot be combined");
    for (const part of all("sort")[0].trim().split(",")) {
      const colon = part.indexOf(":");
      const key = colon < 0 ? part : part.slice(0, colon);
      const dir = colon < 0 ? "" : part.slice(colon + 1);
      keys.push(sortKey(key.trim()));
      dirs.push(sortDir(dir.trim() || "desc"));
    }
  } else {
    for (const k of all("sort_key")) keys.push(sortKey(k.trim()));
    for (const d of all("sort_dir")) dirs.push(sortDir(d.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length) throw badRequest("Number of sort dirs does not match the number of sort keys");
  }
  if (keys.length === 0) keys.push("created_at");
  if (dirs.length === 0) dirs.push("desc");
  // One direction applies to every key and to the tie-breakers; with several, tie-breakers are desc.
  const fallback = dirs.length === 1 ? dirs[0] : "desc";
  const sort: ImageListQuery["sort"] = [];
  keys.forEach((key, i) => {
    if (!sort.some((s) => s.key === key)) sort.push({ key, dir: dirs.length === 1 ? fallback : dirs[i] });
  });
  for (const key of ["created_at", "id"] as const) if (!sort.some((s) => s.key === key)) sort.push({ key, dir: fallback });
  return sort;
}

function sortKey(k: string): ImageSortKey {
  if (!(SORT_KEYS as readonly string[]).includes(k)) throw badRequest(`Invalid sort key: ${k}. It must be one of the following: ${SORT_KEYS.join(", ")}.`);
  return k as ImageSortKey;
}

function sortDir(d: string): "asc" | "desc" {
  if (d !== "asc" && d !== "desc") throw badRequest(`Invalid sort direction: ${d}`);
  return d;
}

function parseFlag(name: string, v: string): boolean {
  if (v !== "true" && v !== "false") throw badRequest(`Invalid value '${v}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return v === "true";
}

/** Python int(): optional sign, digits with single underscores, surrounding whitespace. */
function parseInteger(s: string): number | null {
  const m = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(s);
  if (!m) return null;
  const n = Number(m[1].replace(/_/g, ""));
  return Number.isSafeInteger(n) ? n : null;
}

/** glance/common/utils.py split_filter_op: `op:value`, except that a whole ISO timestamp means eq. */
export function splitFilterOp(expr: string): [string, string] {
  const colon = expr.indexOf(":");
  if (colon < 0 || parseIsoTime(expr)) return ["eq", expr];
  return [expr.slice(0, colon), expr.slice(colon + 1)];
}

/** `in:` values: comma separated, a value with commas double-quoted (api-wg filtering guideline). */
export function splitQuotedList(value: string): string[] {
  let open = false;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '"' || (i > 0 && value[i - 1] === "\\")) continue;
    if (!open && i > 0 && value[i - 1] !== ",") throw badRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`);
    if (open && i + 1 !== value.length && value[i + 1] !== ",") throw badRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    open = !open;
  }
  if (open) throw badRequest(`Invalid filter value ${value}. The quote is not closed.`);
  const out: string[] = [];
  for (const m of value.matchAll(/"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,/g)) out.push(m[1] || m[2] || "");
  return out;
}

/** A parsed ISO 8601 instant in UTC: whole seconds plus a fractional remainder (ms). */
interface Instant {
  seconds: number;
  fraction: number;
}

// The forms python-iso8601 accepts (what Glance parses filters with): YYYY, YYYY-M, YYYY-MM-DD,
// YYYYMMDD, then optionally [T ]hh[:mm[:ss[.frac]]] with Z or ±hh[:mm]; naive times are UTC.
const ISO_RE = /^(\d{4})(?:(?:-(\d{1,2})|(\d{2})(?!$))(?:(?:-(\d{1,2})|(\d{2}))(?:[T ](\d{2})(?::?(\d{2}))?(?::?(\d{1,2})(?:[.,](\d+))?)?(Z|([+-])(\d{2}):?(\d{2})?)?)?)?)?$/;

export function parseIsoTime(s: string): Instant | null {
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const [y, mo, d] = [Number(m[1]), num(m[2] ?? m[3], 1), num(m[4] ?? m[5], 1)];
  const [h, mi, sec] = [num(m[6], 0), num(m[7], 0), num(m[8], 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || sec > 59) return null;
  const offset = m[11] ? (m[11] === "-" ? -1 : 1) * (Number(m[12]) * 60 + num(m[13], 0)) : 0;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  return { seconds: date.getTime() / 1000 - offset * 60, fraction: m[9] ? Number(`0.${m[9]}`) : 0 };
}

/**
 * Stored timestamps are whole seconds (`YYYY-MM-DDTHH:MM:SSZ`), so a comparison with a fractional
 * threshold is rewritten to an equivalent one on a whole-second string (keeps index use).
 */
function wholeSecondRange(column: string, op: ImageFilterOp, t: Instant): ImageListQuery["ranges"][number] {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  if (t.fraction === 0) return { column, op, value: iso(t.seconds) };
  const floor = iso(t.seconds);
  // v > t.f  <=>  v > floor;  v < t.f  <=>  v <= floor;  v = t.f never; v != t.f always.
  const rewritten: Record<ImageFilterOp, [ImageFilterOp, string]> = {
    gt: ["gt", floor],
    gte: ["gt", floor],
    lt: ["lte", floor],
    lte: ["lte", floor],
    eq: ["eq", "never"],
    neq: ["neq", "never"],
  };
  const [op2, v] = rewritten[op];
  return { column, op: op2, value: v };
}
