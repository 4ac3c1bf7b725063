// Request generators, part 1: image create/show/delete/tags/actions, JSON-patch updates, image
// list queries and image data (download with ranges, upload). Each takes an Rng and returns a request.
import { ODD_IDS, JSON_TYPES, enc, weirdString, jsonValue, jsonBody, contentType, q } from "./blocks.mjs";
import { F, commonHeaders, imageId } from "./identities.mjs";

// A request: { family, method, path, headers, body?, chunked?, raw? (Buffer: the whole request), known? }
function imageCreateBody(r) {
  const fields = {
    id: () => r.weighted([[2, () => r.uuid()], [1, () => r.pick(ODD_IDS)], [1, () => jsonValue(r)]]),
    name: () => (r.chance(0.6) ? `fz-${r.int(100)}` : jsonValue(r)),
    visibility: () => r.pick(["public", "private", "shared", "community", "all", "", null, 1]),
    protected: () => r.pick([true, false, "true", 0, null]),
    os_hidden: () => r.pick([true, false, "false", null]),
    owner: () => r.pick(["fuzzA", "fuzzB", "", null, 5, "x".repeat(256)]),
    container_format: () => r.pick(["bare", "ovf", "docker", "compressed", "nope", null, 1]),
    disk_format: () => r.pick(["raw", "qcow2", "vmdk", "iso", "ami", "nope", null, []]),
    min_disk: () => r.pick([0, 1, -1, 1.5, "1", 2 ** 53, null]),
    min_ram: () => r.pick([0, 512, -5, "x", 1e308]),
    tags: () => r.weighted([[3, () => Array.from({ length: r.int(5) }, () => weirdString(r))], [1, () => jsonValue(r)], [0.3, () => Array.from({ length: 200 }, (_, i) => `t${i}`)]]),
    kernel_id: () => r.pick([r.uuid(), null, "nope", 1]),
    ramdisk_id: () => r.pick([r.uuid(), null, ""]),
    description: () => jsonValue(r),
    os_distro: () => weirdString(r),
    locations: () => [{ url: "http://example.invalid/x", metadata: {} }],
    status: () => "active",
    size: () => 5,
    checksum: () => "abc",
    self: () => "/x",
    created_at: () => "2020-01-01T00:00:00Z",
    os_glance_import_task: () => "x",
    deleted: () => true,
  };
  const body = { name: "fz", disk_format: "raw", container_format: "bare" };
  for (const k of Object.keys(fields)) if (r.chance(0.15)) body[k] = fields[k]();
  if (r.chance(0.3)) for (let i = 0; i < r.int(10); i++) body[weirdString(r)] = jsonValue(r);
  if (r.chance(0.02)) for (let i = 0; i < 150; i++) body[`p${i}`] = "v";
  return body;
}

const PATCH_PATHS = ["/name", "/description", "/os_distro", "/tags", "/visibility", "/protected", "/min_disk", "/min_ram", "/owner", "/container_format", "/disk_format", "/kernel_id",
  "/locations", "/locations/-", "/locations/0", "/locations/x", "/status", "/id", "/size", "/checksum", "/os_glance_x", "/deleted", "/self", "/", "", "//", "/a/", "/a/b", "~", "/~2", "/a~",
  "/fz_prop", "/x".repeat(50), "/" + "p".repeat(300), "/\u0000", "/\ud800", "/os_hidden", "/os_hash_value", "/created_at"]; // prettier-ignore

function patchBody(r, draft4) {
  const op = () => {
    const name = r.weighted([[8, () => r.pick(["add", "replace", "remove"])], [1, () => r.pick(["move", "copy", "test", "", "ADD", null, 1])]]);
    const path = r.chance(0.9) ? r.pick(PATCH_PATHS) : jsonValue(r);
    const fitting = { "/name": () => `fz-${r.int(99)}`, "/min_disk": () => r.int(100), "/min_ram": () => r.int(4096), "/tags": () => ["a", weirdString(r)], "/protected": () => r.chance(0.5), "/visibility": () => r.pick(["private", "shared", "community", "public"]), "/disk_format": () => "qcow2", "/kernel_id": () => r.uuid() }[path];
    const value = r.weighted([[3, () => jsonValue(r)], [3, () => (fitting ? fitting() : weirdString(r))], [1, () => [{ url: "http://example.invalid/x", metadata: {} }]], [1, () => "x".repeat(r.pick([10, 65535, 65536]))]]);
    if (draft4) {
      const o = { [typeof name === "string" ? name : "add"]: path };
      if (r.chance(0.8)) o.value = value;
      if (r.chance(0.1)) o.op = "add";
      return o;
    }
    const o = { op: name, path };
    if (r.chance(0.8)) o.value = value;
    if (r.chance(0.05)) delete o.op;
    if (r.chance(0.05)) o.from = "/name";
    return o;
  };
  return r.weighted([
    [5, () => [op()]],
    [3, () => Array.from({ length: r.range(2, 4) }, op)],
    [1, () => []],
    [1, () => jsonValue(r)],
    [0.3, () => Array.from({ length: 500 }, op)],
  ]);
}

export function gen_images(r) {
  const h = commonHeaders(r);
  return r.weighted([
    [5, () => {
      const body = imageCreateBody(r);
      return { method: "POST", path: "/v2/images", headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, body) };
    }],
    [4, () => ({ method: "GET", path: `/v2/images/${imageId(r)}`, headers: h })],
    [1, () => ({ method: "DELETE", path: `/v2/images/${imageId(r, { victim: true })}`, headers: h })],
    [2, () => ({ method: r.pick(["PUT", "DELETE"]), path: `/v2/images/${imageId(r)}/tags/${enc(weirdString(r)) || "t"}`, headers: h })],
    [1, () => ({ method: "PUT", path: `/v2/images/${imageId(r)}/tags/${r.pick(ODD_IDS)}`, headers: h })],
    [2, () => ({ method: r.pick(["POST", "POST", "GET", "PUT"]), path: `/v2/images/${imageId(r, { victim: r.chance(0.5) })}/actions/${r.pick(["deactivate", "reactivate", "nope", "", "deactivate/x"])}`, headers: h })],
    [1, () => ({ method: r.pick(["PUT", "POST", "HEAD", "OPTIONS", "TRACE", "PROPFIND"]), path: `/v2/images/${imageId(r)}`, headers: h })],
    [1, () => ({ method: "GET", path: `/v2/images/${imageId(r)}`, headers: { ...h, "Content-Type": "application/json" }, body: "{}" })],
  ]);
}

export function gen_patch(r) {
  const h = commonHeaders(r);
  const draft4 = r.chance(0.3);
  const type = r.weighted([
    [8, draft4 ? "application/openstack-images-v2.0-json-patch" : "application/openstack-images-v2.1-json-patch"],
    [1, () => r.pick(["application/json", "application/json-patch+json", "", "application/openstack-images-v2.2-json-patch", "APPLICATION/OPENSTACK-IMAGES-V2.1-JSON-PATCH; charset=utf-8"])],
  ]);
  return { method: "PATCH", path: `/v2/images/${imageId(r)}`, headers: { ...h, "Content-Type": type }, body: jsonBody(r, patchBody(r, draft4)) };
}

const LIST_KEYS = ["limit", "marker", "sort_key", "sort_dir", "sort", "member_status", "visibility", "os_hidden", "protected", "tag", "name", "id", "status", "container_format", "disk_format", "created_at", "updated_at",
  "size_min", "size_max", "min_ram", "min_disk", "owner", "checksum", "os_hash_value", "changes-since", "deleted", "virtual_size_min", "foo_min", "os_distro", "fz_prop"]; // prettier-ignore
function listValue(r, key) {
  const date = () => r.pick(["2020-01-01T00:00:00Z", "2020-01-01", "2020", "2020-13-01", "2020-02-30T00:00:00", "20200101T010203.5+05:30", "1e10", "", "2020-01-01T00:00:00.123456Z"]);
  const pick = {
    limit: () => r.pick(["0", "1", "-1", "25", "1000", "1001", "abc", "1_0", " 5 ", "99999999999999999999", "1.5", "+3"]),
    marker: () => (r.chance(0.5) ? imageId(r) : r.pick(ODD_IDS)),
    sort_key: () => r.pick(["name", "size", "created_at", "id", "status", "nope", "", "owner"]),
    sort_dir: () => r.pick(["asc", "desc", "up", ""]),
    sort: () => r.pick(["name:asc", "size:desc,name", "name:asc,name:desc", "nope:asc", "name:sideways", ":", ",", "created_at:asc,updated_at,id:desc,disk_format"]),
    member_status: () => r.pick(["accepted", "pending", "rejected", "all", "nope"]),
    visibility: () => r.pick(["public", "private", "shared", "community", "all", "nope"]),
    os_hidden: () => r.pick(["true", "false", "True", "1"]),
    protected: () => r.pick(["true", "false", "yes"]),
    created_at: () => `${r.pick(["", "gt:", "gte:", "lt:", "lte:", "eq:", "neq:", "in:", "nope:"])}${date()}`,
    updated_at: () => `${r.pick(["", "gt:", "lt:"])}${date()}`,
    name: () => r.pick(["fz", "in:fz,fz-1", 'in:"a,b",c', 'in:"unclosed', 'in:a"b"', "eq:fz", "gt:fz", "in:", `in:${Array.from({ length: 300 }, (_, i) => `n${i}`).join(",")}`]),
  };
  const f = pick[key] ?? (() => (key.endsWith("_min") || key.endsWith("_max") ? r.pick(["0", "-1", "abc", "1e3", "99999999999999999999"]) : weirdString(r)));
  return enc(f());
}
export function gen_list(r) {
  const h = commonHeaders(r);
  const n = r.weighted([[10, () => r.int(5)], [2, () => r.range(5, 40)], [0.5, () => r.range(90, 140)]]);
  const pairs = [];
  for (let i = 0; i < n; i++) {
    const key = r.chance(0.85) ? r.pick(LIST_KEYS) : enc(weirdString(r));
    pairs.push([key, listValue(r, key)]);
  }
  if (r.chance(0.05)) pairs.push([r.pick(ODD_IDS), r.pick(ODD_IDS)]);
  return { method: "GET", path: `/v2/images${q(pairs)}${r.chance(0.03) ? r.pick(["&", "&&", "=", "?", "#x", "&=x", "&x"]) : ""}`, headers: h };
}

const RANGES = ["bytes=-0", "bytes=-00", "bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-99999999", "bytes=1-0", "bytes=5-3", "bytes=0-1,2-3", "bytes=", "bytes=-", "bytes=--1", "items=0-1",
  "bytes=99999999999999999999-", "bytes=0-99999999999999999999", "bytes = 1 - 2", "bytes=1e3-", "BYTES=0-1", "bytes=2999-", "bytes=3000-", "bytes=-3000", "bytes=-3001", "\u00ff"]; // prettier-ignore
const CONTENT_RANGES = ["bytes 0-0/*", "bytes 0-10/5", "bytes */*", "bytes 5-3/*", "bytes 0-99999999999/*", "bytes 2999-2999/3000", "bytes 3000-3001/*", "bytes a-b/c", ""];
export function gen_data(r) {
  const h = commonHeaders(r);
  if (r.chance(0.55)) {
    const id = r.weighted([[6, () => F.images.active ?? r.uuid()], [2, () => F.images.empty ?? r.uuid()], [1, () => F.images.public ?? r.uuid()], [2, () => imageId(r)]]);
    if (r.chance(0.6)) h.Range = r.pick(RANGES);
    if (r.chance(0.15)) h["Content-Range"] = r.pick(CONTENT_RANGES);
    if (r.chance(0.1)) h["If-None-Match"] = r.pick(["*", '"x"', 'W/"x"', "", ","]);
    const prefer = r.chance(0.1) ? `?prefer=${enc(r.pick(["store1", "store2", "nope", ",", "store1,store2", ""]))}` : "";
    return { method: "GET", path: `/v2/images/${id}/file${prefer}`, headers: h };
  }
  const id = r.weighted([[4, () => (F.victims.length ? r.pick(F.victims) : r.uuid())], [2, () => imageId(r)]]);
  const headers = { ...h, "Content-Type": r.weighted([[6, "application/octet-stream"], [1, () => r.pick(JSON_TYPES)], [0.5, "application/octet-stream; charset=utf-8"]]) };
  if (r.chance(0.2)) headers["x-openstack-image-size"] = r.pick(["0", "10", "-1", "abc", "99999999999999999", "1e3", " 5", ""]);
  if (r.chance(0.1)) headers["X-Image-Meta-Store"] = r.pick(["store1", "store2", "nope", ""]);
  const body = r.weighted([[4, () => r.bytes(r.int(4096))], [1, () => Buffer.alloc(0)], [1, () => Buffer.concat([Buffer.from("QFI\xfb\x00\x00\x00\x03", "latin1"), r.bytes(600)])], [1, () => Buffer.from("KDMV", "latin1")]]);
  return { method: "PUT", path: `/v2/images/${id}/file`, headers, body, chunked: r.chance(0.3) };
}
