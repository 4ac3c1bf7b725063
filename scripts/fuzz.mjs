#!/usr/bin/env node
// A seeded HTTP fuzzer for a running service ("never a 500"): bad and odd requests across every
// route family, sent with raw node:http (odd methods, `*` targets) or a raw socket (bytes node:http
// refuses: NUL, CR, invalid header bytes). Fails (exit 1) on any 5xx other than 501 and on any
// response slower than --slow-ms.
//
//   npm run fuzz -- [--url http://127.0.0.1:9292] [--seed N] [--count 10000] [--concurrency 4]
//                   [--slow-ms 10000] [--families images,list,...] [--index 12,345] [--show 20] [--strict]
//
// Request i depends only on (seed, i) and on the fixtures made at the start (a few images of its
// own, a namespace, an upload session), so `--seed S --index i` sends it again (with the details
// of request and answer). State changes made by earlier requests are not replayed.
// 5xx answered by the local runtime before the Worker runs (CONNECT, a `*` target; see the
// report in the repository's history) are listed as "known" and not counted unless --strict.
// Prints a table by route family and `N passed, N failed` (failed = 5xx other than 501 + too slow).
import http from "node:http";
import net from "node:net";

// ---------------------------------------------------------------- options
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);
if (flag("help")) {
  console.log(readHelp());
  process.exit(0);
}
const URL_BASE = new URL(opt("url", process.env.FUZZ_URL ?? "http://127.0.0.1:9292"));
const SEED = Number(opt("seed", String(Math.floor(Math.random() * 1e9))));
const COUNT = Number(opt("count", "10000"));
const CONCURRENCY = Number(opt("concurrency", "4"));
const SLOW_MS = Number(opt("slow-ms", "10000"));
const HARD_MS = Math.max(SLOW_MS * 3, 30000);
const SHOW = Number(opt("show", "20"));
const STRICT = flag("strict");
const ONLY_FAMILIES = opt("families", "") ? new Set(opt("families", "").split(",")) : null;
const INDEXES = opt("index", "") ? opt("index", "").split(",").map(Number) : null;
const HOST = URL_BASE.hostname;
const PORT = Number(URL_BASE.port || 80);

function readHelp() {
  return "usage: npm run fuzz -- [--url URL] [--seed N] [--count N] [--concurrency N] [--slow-ms MS] [--families a,b] [--index i,j] [--show N] [--strict]";
}

// ---------------------------------------------------------------- seeded randomness
function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function hash32(...ns) {
  let h = 0x811c9dc5;
  for (const n of ns) {
    for (const b of String(n)) h = Math.imul(h ^ b.charCodeAt(0), 0x01000193);
    h = Math.imul(h ^ 0x2c, 0x01000193);
  }
  return h >>> 0;
}
class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  range(a, b) {
    return a + this.int(b - a + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(xs) {
    return xs[this.int(xs.length)];
  }
  /** Weighted pick: [[weight, value], ...]; a function value is called. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of pairs) {
      if ((r -= w) < 0) return typeof v === "function" ? v() : v;
    }
    const last = pairs[pairs.length - 1][1];
    return typeof last === "function" ? last() : last;
  }
  uuid() {
    const h = () => this.int(16).toString(16);
    const s = Array.from({ length: 32 }, h).join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20)}`;
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

// ---------------------------------------------------------------- building blocks
const WEIRD_STRINGS = [
  "", " ", "a", "x".repeat(255), "x".repeat(256), "y".repeat(5000), "\u0000", "a\u0000b", "\ud800", "\udfff", "a\udc00b", "😀", "\u202e\u0645",
  "e\u0301", "\uffff", "\ufeff", "../../etc/passwd", "' OR 1=1 --", "\"; DROP TABLE images; --", "<script>alert(1)</script>", "%00", "%s%s%n",
  "in:a,b", "gt:2020-01-01", "null", "true", "false", "-1", "0", "1e400", "NaN", "Infinity", "0x10", "\t\n\r", "\\", "/", "~", "~0~1", "*", "{}", "[]",
]; // prettier-ignore
const NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e-308, 1099511627777];
const ODD_IDS = [
  "not-a-uuid", "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-4FFF-AFFF-FFFFFFFFFFFF", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
  "0", "-1", "%00", "%", "%zz", "%C0%AE%C0%AE", "%ED%A0%80", "%FF%FE", "%E2%82", "%F0%9F%98%80", "..", ".", "%2e%2e", "%2F", "a%2Fb",
  "%20", "+", "%2B", "~", "*", "null", "undefined", "1e3", "x".repeat(300), "x".repeat(9000), "%u0000", "%%32%65",
]; // prettier-ignore

/** Percent-encodes UTF-8 (lone surrogates become U+FFFD, as TextEncoder does); keeps unreserved. */
function enc(s) {
  const out = [];
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out.push(/[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`);
  }
  return out.join("");
}

function weirdString(r) {
  return r.weighted([
    [6, () => r.pick(WEIRD_STRINGS)],
    [3, () => `fz-${r.int(1000)}`],
    [1, () => String.fromCharCode(...Array.from({ length: r.range(1, 20) }, () => r.int(0x10000)))],
  ]);
}

function jsonValue(r, depth = 0) {
  return r.weighted([
    [3, () => weirdString(r)],
    [2, () => r.pick(NUMBERS)],
    [1, () => r.chance(0.5)],
    [1, null],
    [depth < 3 ? 1 : 0, () => Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1))],
    [depth < 3 ? 1 : 0, () => Object.fromEntries(Array.from({ length: r.int(4) }, () => [weirdString(r), jsonValue(r, depth + 1)]))],
  ]);
}

function nested(r) {
  const depth = r.pick([100, 1000, 10000, 50000]);
  return r.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** A body: valid JSON of `value`, or malformed / odd JSON text, or bytes that are not UTF-8. */
function jsonBody(r, value) {
  return r.weighted([
    [10, () => JSON.stringify(value)],
    [1, () => r.pick(["{", "[", '{"a":}', "nul", "{'a':1}", '{"a":1,}', "[1,]", "\ufeff{}", '{"a":1}{"b":2}', "NaN", "1e99999", '"\\ud800"', "\u0000"])],
    [1, () => r.pick(['"a string"', "123", "true", "null", "[]", "{}", " "])],
    [1, () => nested(r)],
    [0.5, () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xae, 0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    [0.5, () => Buffer.from(JSON.stringify(value ?? {}), "utf16le")],
    [0.3, () => JSON.stringify({ name: "big", foo: "z".repeat(r.pick([70000, 120000, 300000])) })],
    [0.5, () => `{${Array.from({ length: 200 }, (_, i) => `"k${i % 7}":${i}`).join(",")}}`],
  ]);
}

const JSON_TYPES = ["application/json", "application/json; charset=UTF-8", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream", "application/openstack-images-v2.1-json-patch", "", "*/*", "application/json\u00ff"];

function contentType(r, good) {
  return r.chance(0.75) ? good : r.pick(JSON_TYPES);
}

// ---------------------------------------------------------------- identities and common headers
const IDS = {
  owner: { "X-Auth-Token": "fuzzA:member,reader" },
  other: { "X-Auth-Token": "fuzzB:member,reader" },
  admin: { "X-Auth-Token": "admin:admin,member,reader" },
};
function identity(r) {
  return r.weighted([
    [6, IDS.owner],
    [2, IDS.other],
    [2, IDS.admin],
    [1, { "X-Auth-Token": "fuzzA:reader" }],
    [1, { "X-Project-Id": "fuzzA", "X-Roles": "member,reader", "X-User-Id": "u1" }],
    [1, {}],
    [1, () => ({ "X-Auth-Token": r.pick(["", ":", "::::", "%ZZ", "%3A%2C", "a".repeat(5000), "fuzzA:", ":member", "fuzzA:member:u:extra", "\u00ff\u00fe:member", "fuzzA%3Amember%2Creader"]) })],
    [0.5, () => ({ "X-Roles": r.pick(["admin", "", ",,,", "ADMIN", "member;admin"]), "X-Project-Id": r.pick(["", "fuzzA", "x".repeat(300)]) })],
  ]);
}

function commonHeaders(r) {
  const h = { ...identity(r) };
  const accept = r.weighted([
    [6, "application/json"],
    [1, "text/html"],
    [1, "*/*"],
    [1, null],
    [1, () => r.pick(["application/json;q=0", "text/html;q=abc, application/json;q=0.5", "application/vnd.openstack.images-v2.9", "garbage", ";;;,,,", "x/y;q=1e400"])],
  ]);
  if (accept !== null) h.Accept = accept;
  if (r.chance(0.05)) h["X-Openstack-Request-ID"] = r.pick(["req-" + r.uuid(), "x".repeat(64), "x".repeat(65), "", "\u00e9"]);
  if (r.chance(0.03)) h["Accept-Language"] = r.pick(["fr", "zz-ZZ", "*", "en;q=abc"]);
  return h;
}

// ---------------------------------------------------------------- fixtures
const F = {
  images: {}, // name -> id
  victims: [],
  namespace: "fz-ns",
  sessions: [], // { image, id }
  tasks: [],
};

function imageId(r, { victim = false } = {}) {
  return r.weighted([
    [victim ? 1 : 8, () => r.pick(Object.values(F.images).length ? Object.values(F.images) : [r.uuid()])],
    [victim ? 8 : 0, () => (F.victims.length ? r.pick(F.victims) : r.uuid())],
    [2, () => r.uuid()],
    [2, () => r.pick(ODD_IDS)],
  ]);
}

// ---------------------------------------------------------------- request generators by family
// A request: { family, method, path, headers, body?, chunked?, raw? (Buffer: the whole request), known? }
const q = (pairs) => (pairs.length ? "?" + pairs.map(([k, v]) => `${k}=${v}`).join("&") : "");

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

function gen_images(r) {
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

function gen_patch(r) {
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
function gen_list(r) {
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
function gen_data(r) {
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

function gen_import(r) {
  const h = commonHeaders(r);
  if (r.chance(0.35)) {
    const headers = { ...h, "Content-Type": contentType(r, "application/octet-stream") };
    if (r.chance(0.2)) headers["x-openstack-image-size"] = r.pick(["1", "-1", "abc"]);
    return { method: "PUT", path: `/v2/images/${imageId(r, { victim: true })}/stage`, headers, body: r.bytes(r.int(2048)), chunked: r.chance(0.3) };
  }
  const method = r.weighted([
    [4, () => ({ name: r.pick(["glance-direct", "web-download", "copy-image", "glance-download", "nope", "", null, 5]) })],
    [1, () => jsonValue(r)],
  ]);
  const body = { method };
  if (r.chance(0.4) && method && typeof method === "object") method.uri = r.pick(["http://example.invalid/x.img", "ftp://example.invalid/x", "http://127.0.0.1:1/x", "http://[::1]/x", "not a url", "", "http://" + "a".repeat(300) + ".invalid/", 5]);
  if (r.chance(0.3) && method && typeof method === "object") {
    method.glance_region = r.pick(["RegionOne", "", 5]);
    method.glance_image_id = r.pick([r.uuid(), "x"]);
  }
  if (r.chance(0.3)) body.stores = r.pick([["store1"], ["store2"], ["nope"], [], "store1", [1], Array.from({ length: 50 }, () => "store1")]);
  if (r.chance(0.2)) body.all_stores = r.pick([true, false, "true", null]);
  if (r.chance(0.2)) body.all_stores_must_succeed = r.pick([true, false, 1]);
  const headers = { ...h, "Content-Type": contentType(r, "application/json") };
  if (r.chance(0.1)) headers["X-Image-Meta-Store"] = r.pick(["store1", "nope", ""]);
  return { method: r.chance(0.95) ? "POST" : r.pick(["GET", "PUT"]), path: `/v2/images/${imageId(r, { victim: r.chance(0.5) })}/import`, headers, body: jsonBody(r, body) };
}

function gen_members(r) {
  const h = commonHeaders(r);
  const id = r.chance(0.7) ? (F.images.shared ?? imageId(r)) : imageId(r);
  const member = () => enc(r.weighted([[4, () => r.pick(["fuzzB", "fuzzC", "fuzzA"])], [2, () => weirdString(r) || "m"]]));
  return r.weighted([
    [3, () => ({ method: "GET", path: `/v2/images/${id}/members`, headers: h })],
    [3, () => ({ method: "POST", path: `/v2/images/${id}/members`, headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, r.chance(0.7) ? { member: r.chance(0.7) ? r.pick(["fuzzB", "fuzzC", `fz${r.int(50)}`]) : jsonValue(r) } : jsonValue(r)) })],
    [2, () => ({ method: "GET", path: `/v2/images/${id}/members/${member()}`, headers: h })],
    [3, () => ({ method: "PUT", path: `/v2/images/${id}/members/${member()}`, headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, r.chance(0.7) ? { status: r.pick(["accepted", "rejected", "pending", "nope", 1, null]) } : jsonValue(r)) })],
    [1, () => ({ method: "DELETE", path: `/v2/images/${id}/members/${member()}`, headers: h })],
  ]);
}

function gen_tasks(r) {
  const h = commonHeaders(r);
  const taskId = () => (F.tasks.length && r.chance(0.5) ? r.pick(F.tasks) : r.chance(0.5) ? r.uuid() : r.pick(ODD_IDS));
  return r.weighted([
    [3, () => {
      const pairs = Array.from({ length: r.int(4) }, () => {
        const k = r.pick(["limit", "marker", "sort_key", "sort_dir", "status", "type", "foo"]);
        const v = { limit: () => r.pick(["0", "-1", "abc", "5"]), marker: () => taskId(), sort_key: () => r.pick(["status", "type", "created_at", "nope"]), sort_dir: () => r.pick(["asc", "desc", "x"]), status: () => r.pick(["pending", "success", "x"]), type: () => r.pick(["import", "x"]) }[k] ?? (() => weirdString(r));
        return [k, enc(v())];
      });
      return { method: "GET", path: `/v2/tasks${q(pairs)}`, headers: h };
    }],
    [3, () => {
      const input = r.weighted([[3, () => ({ import_from: r.pick(["http://example.invalid/x.img", "swift://x", "", 5]), import_from_format: r.pick(["raw", "qcow2", "", null]), image_properties: r.chance(0.7) ? { disk_format: "raw", container_format: "bare", name: weirdString(r) } : jsonValue(r) })], [1, () => jsonValue(r)]]);
      const body = r.chance(0.8) ? { type: r.pick(["import", "export", "clone", "", null]), input } : jsonValue(r);
      return { method: "POST", path: "/v2/tasks", headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, body) };
    }],
    [2, () => ({ method: r.pick(["GET", "GET", "DELETE", "PUT"]), path: `/v2/tasks/${taskId()}`, headers: h })],
    [2, () => ({ method: "GET", path: `/v2/images/${imageId(r)}/tasks`, headers: h })],
  ]);
}

function propertyDef(r) {
  return r.weighted([
    [3, () => ({ title: weirdString(r) || "t", type: r.pick(["string", "integer", "number", "boolean", "array", "object", "nope"]), ...(r.chance(0.3) ? { enum: jsonValue(r) } : {}), ...(r.chance(0.2) ? { minimum: jsonValue(r), maximum: 5 } : {}), ...(r.chance(0.2) ? { items: jsonValue(r) } : {}) })],
    [1, () => jsonValue(r)],
  ]);
}
function gen_metadefs(r) {
  const h = commonHeaders(r);
  if (r.chance(0.6)) h["X-Auth-Token"] = "admin:admin,member,reader";
  const ns = () => enc(r.weighted([[6, () => F.namespace], [2, () => `fz-ns-${r.int(20)}`], [2, () => weirdString(r) || "n"]]));
  const name = () => enc(r.weighted([[4, () => r.pick(["obj1", "prop1", "tag1"])], [2, () => weirdString(r) || "x"]]));
  const json = () => ({ ...h, "Content-Type": contentType(r, "application/json") });
  const req = (method, path, body) => (body === undefined ? { method, path, headers: h } : { method, path, headers: json(), body: jsonBody(r, body) });
  const nsBody = () => (r.chance(0.8) ? {
    namespace: r.chance(0.7) ? `fz-ns-${r.int(20)}` : jsonValue(r),
    ...(r.chance(0.3) ? { display_name: jsonValue(r) } : {}),
    ...(r.chance(0.3) ? { visibility: r.pick(["public", "private", "x"]) } : {}),
    ...(r.chance(0.3) ? { protected: jsonValue(r) } : {}),
    ...(r.chance(0.3) ? { properties: { [weirdString(r) || "p"]: propertyDef(r) } } : {}),
    ...(r.chance(0.2) ? { objects: [{ name: weirdString(r), properties: { p: propertyDef(r) } }] } : {}),
    ...(r.chance(0.2) ? { tags: [{ name: weirdString(r) }, { name: weirdString(r) }] } : {}),
    ...(r.chance(0.2) ? { resource_type_associations: [{ name: r.pick(["OS::Glance::Image", weirdString(r)]), prefix: jsonValue(r) }] } : {}),
  } : jsonValue(r)); // prettier-ignore
  return r.weighted([
    [3, () => {
      const pairs = Array.from({ length: r.int(4) }, () => {
        const k = r.pick(["limit", "marker", "sort_key", "sort_dir", "visibility", "resource_types", "foo"]);
        return [k, enc(r.chance(0.5) ? r.pick(["1", "-1", "abc", "created_at", "namespace", "asc", "x", "public", "OS::Glance::Image", F.namespace]) : weirdString(r))];
      });
      return req("GET", `/v2/metadefs/namespaces${q(pairs)}`);
    }],
    [2, () => req("POST", "/v2/metadefs/namespaces", nsBody())],
    [2, () => req("GET", `/v2/metadefs/namespaces/${ns()}${r.chance(0.3) ? `?resource_type=${enc(weirdString(r))}` : ""}`)],
    [1, () => req("PUT", `/v2/metadefs/namespaces/${ns()}`, nsBody())],
    [0.5, () => req("DELETE", `/v2/metadefs/namespaces/${r.chance(0.3) ? ns() : `fz-ns-${r.int(20)}`}`)],
    [0.5, () => req("DELETE", `/v2/metadefs/namespaces/${ns()}/${r.pick(["objects", "properties", "tags"])}`)],
    [3, () => {
      const what = r.pick(["objects", "properties", "tags"]);
      const body = { objects: () => ({ name: weirdString(r) || "o", ...(r.chance(0.5) ? { properties: { p: propertyDef(r) } } : {}), ...(r.chance(0.3) ? { required: jsonValue(r) } : {}) }), properties: () => ({ name: weirdString(r) || "p", ...(propertyDef(r) ?? {}) }), tags: () => (r.chance(0.5) ? { tags: [{ name: weirdString(r) }, ...(r.chance(0.3) ? [jsonValue(r)] : [])] } : jsonValue(r)) }[what]();
      return r.weighted([
        [2, () => req("GET", `/v2/metadefs/namespaces/${ns()}/${what}`)],
        [2, () => req("POST", `/v2/metadefs/namespaces/${ns()}/${what}`, r.chance(0.8) ? body : jsonValue(r))],
        [2, () => req("GET", `/v2/metadefs/namespaces/${ns()}/${what}/${name()}`)],
        [2, () => req("PUT", `/v2/metadefs/namespaces/${ns()}/${what}/${name()}`, r.chance(0.8) ? (what === "tags" ? { name: weirdString(r) } : body) : jsonValue(r))],
        [1, () => req(what === "tags" ? "POST" : "DELETE", `/v2/metadefs/namespaces/${ns()}/${what}/${name()}`)],
        [0.5, () => req("DELETE", `/v2/metadefs/namespaces/${ns()}/${what}/${name()}`)],
      ]);
    }],
    [1, () => req("GET", "/v2/metadefs/resource_types")],
    [1, () => req("GET", `/v2/metadefs/namespaces/${ns()}/resource_types`)],
    [1, () => req("POST", `/v2/metadefs/namespaces/${ns()}/resource_types`, r.chance(0.8) ? { name: r.pick(["OS::Glance::Image", "OS::Nova::Server", weirdString(r)]), prefix: jsonValue(r), properties_target: jsonValue(r) } : jsonValue(r))],
    [0.5, () => req("DELETE", `/v2/metadefs/namespaces/${ns()}/resource_types/${enc(r.pick(["OS::Glance::Image", weirdString(r) || "x"]))}`)],
    [0.5, () => req(r.pick(["PATCH", "PUT", "HEAD"]), `/v2/metadefs/${r.pick(["namespaces", "resource_types", "x"])}`)],
  ]);
}

const SCHEMAS = ["image", "images", "member", "members", "task", "tasks", "metadefs/namespace", "metadefs/namespaces", "metadefs/resource_type", "metadefs/resource_types", "metadefs/property",
  "metadefs/properties", "metadefs/object", "metadefs/objects", "metadefs/tag", "metadefs/tags", "upload-session", "upload-sessions", "nope", "image/x", "", "..%2Fimage"]; // prettier-ignore
function gen_schemas(r) {
  return { method: r.weighted([[8, "GET"], [1, () => r.pick(["POST", "PUT", "DELETE", "HEAD", "PATCH"])]]), path: `/v2/schemas/${r.pick(SCHEMAS)}`, headers: commonHeaders(r) };
}

function gen_info(r) {
  return { method: r.weighted([[8, "GET"], [1, () => r.pick(["POST", "DELETE", "HEAD", "PUT"])]]), path: `/v2/info/${r.pick(["import", "stores", "stores/detail", "usage", "nope", "stores/x", ""])}`, headers: commonHeaders(r) };
}

function gen_stores(r) {
  const store = enc(r.pick(["store1", "store2", "nope", "", weirdString(r)]) || "x");
  return { method: r.weighted([[6, "DELETE"], [1, () => r.pick(["GET", "PUT", "POST"])]]), path: `/v2/stores/${store}/${imageId(r, { victim: r.chance(0.5) })}`, headers: commonHeaders(r) };
}

function gen_sessions(r) {
  const h = commonHeaders(r);
  const s = F.sessions.length ? r.pick(F.sessions) : { image: imageId(r), id: r.uuid() };
  const img = r.chance(0.8) ? s.image : imageId(r);
  const sid = r.weighted([[6, s.id], [1, () => r.uuid()], [1, () => r.pick(ODD_IDS)]]);
  const n = r.weighted([[4, () => String(r.range(1, 3))], [1, () => r.pick(["0", "-1", "10001", "abc", "1.5", "99999999999999999999", "%00"])]]);
  const base = `/v2/images/${img}/upload-sessions`;
  return r.weighted([
    [2, () => ({ method: "POST", path: base, headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, r.chance(0.8) ? { size: r.pick([1, 1000, 0, -1, 2 ** 53, 1e15, "10", 10 * 2 ** 20]), ...(r.chance(0.3) ? { part_size: r.pick([5 * 2 ** 20, 1, 2 ** 40, "x"]) } : {}), ...(r.chance(0.3) ? { sha512: r.pick(["ab".repeat(64), "x", 5]) } : {}), ...(r.chance(0.2) ? { store: r.pick(["store1", "nope", 5]) } : {}) } : jsonValue(r)) })],
    [2, () => ({ method: "GET", path: base, headers: h })],
    [2, () => ({ method: "GET", path: `${base}/${sid}`, headers: h })],
    [3, () => r.chance(0.6)
      ? { method: "PUT", path: `${base}/${sid}/parts/${n}`, headers: { ...h, "Content-Type": r.chance(0.8) ? "application/octet-stream" : r.pick(JSON_TYPES) }, body: r.bytes(r.pick([0, 10, 1000, 1001])), chunked: r.chance(0.3) }
      : { method: "PUT", path: `${base}/${sid}/parts/${n}`, headers: { ...h, "Content-Type": "application/json" }, body: jsonBody(r, r.chance(0.7) ? { etag: jsonValue(r) } : jsonValue(r)) }], // prettier-ignore
    [1, () => ({ method: "POST", path: `${base}/${sid}/parts/${n}/url`, headers: h })],
    [1, () => ({ method: "POST", path: `${base}/${sid}/complete`, headers: { ...h, "Content-Type": contentType(r, "application/json") }, body: jsonBody(r, r.chance(0.7) ? { sha512: r.pick(["ab".repeat(64), "", 5, null]) } : jsonValue(r)) })],
    [0.5, () => ({ method: "DELETE", path: `${base}/${sid}`, headers: h })],
  ]);
}

function gen_versions(r) {
  const path = r.pick(["/", "/versions", "/v2", "/v2/", "/v2.0/images", "/v2.9/images", "/v2.17/schemas/image", "/v2.99/images", "/v3/images", "/v1/images", "/v1", "/v2.a/images", "/V2/images", "/healthcheck", "/x", "/v2/nope", "/v2//images", "/v2/images/", "//v2/images", "/v2/./images", "/v2/images/../info/import", "/v2%2Fimages"]);
  return { method: r.weighted([[6, "GET"], [1, () => r.pick(["HEAD", "POST", "DELETE", "OPTIONS"])]]), path, headers: commonHeaders(r) };
}

/** Odd methods, targets and bytes: node:http where it can send them, else a raw socket. */
function gen_odd(r) {
  const h = commonHeaders(r);
  const somePath = () => r.pick(["/v2/images", `/v2/images/${imageId(r)}`, "/", "/versions", "/v2/info/import", "/v2/metadefs/namespaces"]);
  return r.weighted([
    [3, () => ({ method: r.pick(["OPTIONS", "TRACE", "PROPFIND", "MKCOL", "LOCK", "FOO", "GETT", "M-SEARCH", "PURGE", "LINK", "QUERY", "get", "Post"]), path: somePath(), headers: h })],
    [0.5, () => ({ method: "CONNECT", path: r.pick(["127.0.0.1:9292", "/v2/images"]), headers: h, known: "CONNECT: the local runtime has no connect() handler to call" })],
    [0.5, () => ({ method: r.pick(["OPTIONS", "GET"]), path: "*", headers: h, known: "a `*` target: the local runtime builds an invalid URL" })],
    [1, () => ({ method: "GET", path: "/" + "a".repeat(r.pick([2000, 9000, 20000])), headers: h })],
    [1, () => ({ method: "GET", path: `/v2/images/${"x/".repeat(r.pick([100, 1000]))}`, headers: h })],
    [1, () => ({ method: "GET", path: `/v2/images${r.pick(["%00", "%", "%zz", "/%C0%AE%C0%AE/", "/%ED%A0%80", "/%FF", "?%", "?a=%zz", "?a=%ED%A0%80", "?%00=%00", "/%2e%2e/%2e%2e/versions"])}`, headers: h })],
    [1, () => ({ method: "GET", path: somePath(), headers: { ...h, "X-Big": "v".repeat(r.pick([4000, 12000])) } })],
    [0.5, () => ({ method: "GET", path: somePath(), headers: { ...h, ...Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`X-H${i}`, String(i)])) } })],
    [1, () => ({ method: "GET", path: somePath(), headers: { ...h, "X-Auth-Token": "fuzzA:member\u00e9\u00ff", "Accept": "application/json\u00a0" } })],
    [1, () => ({ method: r.pick(["GET", "DELETE"]), path: somePath(), headers: { ...h, "Content-Type": "application/json" }, body: "{}", chunked: r.chance(0.5) })],
    [1, () => rawRequest(r, h, somePath())],
  ]);
}

/** A request as bytes (things node:http refuses to send): NUL/CR/latin1 in the target or headers. */
function rawRequest(r, headers, path) {
  const variant = r.int(7);
  const lines = [];
  let target = path;
  if (variant === 0) target = path + "\u0000x";
  if (variant === 1) target = path + "/\u00e9\u00ff";
  if (variant === 2) target = `http://${HOST}:${PORT}${path}`; // absolute-form
  const hs = { Host: `${HOST}:${PORT}`, ...headers, Connection: "close" };
  if (variant === 3) hs["X-Auth-Token"] = "fuzzA:member\u0000reader";
  if (variant === 4) hs["X-Odd"] = "a\u0001b\u007fc";
  if (variant === 5) hs["X-Auth-Token"] = Buffer.from([0xc0, 0xae, 0xff, 0x3a]).toString("latin1") + "member";
  lines.push(`${variant === 6 ? "GET" : "GET"} ${target} HTTP/${variant === 6 ? "1.0" : "1.1"}`);
  for (const [k, v] of Object.entries(hs)) lines.push(`${k}: ${v}`);
  const raw = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return { method: "GET", path: target, headers: hs, raw };
}

const FAMILIES = {
  images: [10, gen_images],
  patch: [8, gen_patch],
  list: [8, gen_list],
  "image-data": [8, gen_data],
  import: [5, gen_import],
  members: [5, gen_members],
  tasks: [4, gen_tasks],
  metadefs: [10, gen_metadefs],
  schemas: [2, gen_schemas],
  info: [2, gen_info],
  stores: [2, gen_stores],
  "upload-sessions": [5, gen_sessions],
  versions: [3, gen_versions],
  odd: [6, gen_odd],
};

function generate(i) {
  const r = new Rng(hash32(SEED, i));
  const family = r.weighted(Object.entries(FAMILIES).map(([name, [w]]) => [w, name]));
  const req = FAMILIES[family][1](r);
  return { index: i, family, ...req };
}

// ---------------------------------------------------------------- transport
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(req) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (out) => {
      if (settled) return;
      settled = true;
      resolve({ ...out, ms: Math.round(performance.now() - t0) });
    };
    if (req.raw) return sendRaw(req, finish);
    const body = req.body === undefined ? null : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const headers = { ...req.headers };
    if (body && !req.chunked) headers["Content-Length"] = String(body.length);
    let hreq;
    try {
      hreq = http.request({ host: HOST, port: PORT, method: req.method, path: req.path, headers, agent: req.method === "CONNECT" ? false : agent, insecureHTTPParser: true });
    } catch (e) {
      return finish({ status: null, error: `not sent: ${e.code ?? e.message}` });
    }
    const timer = setTimeout(() => hreq.destroy(new Error(`no answer in ${HARD_MS} ms`)), HARD_MS);
    const onResponse = (res, socket) => {
      let snippet = "";
      res.on("data", (d) => {
        if (snippet.length < 600) snippet += d.toString("utf8", 0, Math.min(d.length, 600));
      });
      res.on("end", () => {
        clearTimeout(timer);
        finish({ status: res.statusCode, headers: res.headers, snippet });
      });
      res.on("error", (e) => {
        clearTimeout(timer);
        finish({ status: res.statusCode, headers: res.headers, snippet, error: e.message });
      });
      if (socket) socket.destroy();
    };
    hreq.on("response", (res) => onResponse(res));
    // CONNECT: a 2xx answer is a tunnel ("connect" event); anything else comes as a response.
    hreq.on("connect", (res, socket) => {
      clearTimeout(timer);
      socket.destroy();
      finish({ status: res.statusCode, headers: res.headers, snippet: "" });
    });
    hreq.on("error", (e) => {
      clearTimeout(timer);
      finish({ status: null, error: e.code ?? e.message });
    });
    if (body && req.chunked) {
      const piece = Math.max(1, Math.ceil(body.length / 3));
      for (let at = 0; at < body.length; at += piece) hreq.write(body.subarray(at, at + piece));
      hreq.end();
    } else hreq.end(body ?? undefined);
  });
}

function sendRaw(req, finish) {
  const socket = net.connect(PORT, HOST);
  const chunks = [];
  const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${HARD_MS} ms`)), HARD_MS);
  const done = (error) => {
    clearTimeout(timer);
    const text = Buffer.concat(chunks).toString("latin1");
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(text);
    const head = text.slice(0, Math.max(0, text.indexOf("\r\n\r\n")));
    const headers = {};
    for (const line of head.split("\r\n").slice(1)) {
      const c = line.indexOf(":");
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    finish({ status: m ? Number(m[1]) : null, headers, snippet: text.slice(head.length + 4, head.length + 604), error: m ? undefined : (error ?? "no HTTP answer") });
  };
  socket.on("connect", () => socket.write(req.raw));
  socket.on("data", (d) => chunks.push(d));
  socket.on("end", () => done());
  socket.on("close", () => done());
  socket.on("error", (e) => done(e.code ?? e.message));
}

// ---------------------------------------------------------------- fixtures (the fuzzer's own images)
async function api(method, path, { token = IDS.owner, body, type = "application/json", headers = {} } = {}) {
  const h = { ...token, Accept: "application/json", ...headers };
  let b;
  if (body !== undefined) {
    b = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    h["Content-Type"] = type;
  }
  const res = await send({ method, path, headers: h, body: b });
  let json = null;
  try {
    json = JSON.parse(res.snippet);
  } catch {}
  return { ...res, json };
}

async function setup() {
  const create = async (name, extra = {}, token = IDS.owner) => {
    const r = await api("POST", "/v2/images", { token, body: { name: `fz-${name}`, disk_format: "raw", container_format: "bare", ...extra } });
    if (r.status !== 201) throw new Error(`setup: creating ${name} answered ${r.status} ${r.error ?? ""} ${r.snippet?.slice(0, 200) ?? ""}`);
    return r.json.id;
  };
  const upload = (id, bytes, token = IDS.owner) => api("PUT", `/v2/images/${id}/file`, { token, body: bytes, type: "application/octet-stream" });
  const seedRng = new Rng(hash32(SEED, "fixtures"));
  F.images.queued = await create("queued", { tags: ["a", "b"], fz_prop: "v" });
  F.images.active = await create("active", { os_distro: "debian" });
  await upload(F.images.active, seedRng.bytes(3000));
  F.images.empty = await create("empty");
  await upload(F.images.empty, Buffer.alloc(0));
  F.images.public = await create("public", { visibility: "public", owner: "fuzzA" }, IDS.admin);
  await upload(F.images.public, seedRng.bytes(2000), IDS.admin);
  F.images.shared = await create("shared", { visibility: "shared" });
  await api("POST", `/v2/images/${F.images.shared}/members`, { body: { member: "fuzzB" } });
  F.images.community = await create("community", { visibility: "community" });
  F.images.deactivated = await create("deactivated");
  await upload(F.images.deactivated, seedRng.bytes(100));
  await api("POST", `/v2/images/${F.images.deactivated}/actions/deactivate`);
  F.images.protected = await create("protected", { protected: true });
  for (let i = 0; i < 8; i++) F.victims.push(await create(`victim-${i}`));
  const ns = await api("POST", "/v2/metadefs/namespaces", { token: IDS.admin, body: { namespace: F.namespace, visibility: "public", objects: [{ name: "obj1", properties: { p: { title: "p", type: "string" } } }], properties: { prop1: { title: "p", type: "integer" } }, tags: [{ name: "tag1" }] } });
  if (ns.status !== 201 && ns.status !== 409) console.error(`setup: namespace answered ${ns.status}`);
  const sessImage = await create("session");
  const s = await api("POST", `/v2/images/${sessImage}/upload-sessions`, { body: { size: 1000 } });
  if (s.status === 201 && s.json) F.sessions.push({ image: sessImage, id: s.json.id });
  else console.error(`setup: upload session answered ${s.status}`);
  const t = await api("POST", "/v2/tasks", { token: IDS.admin, body: { type: "import", input: { import_from: "http://example.invalid/x.img", import_from_format: "raw", image_properties: { disk_format: "raw", container_format: "bare" } } } });
  if (t.status === 201 && t.json) F.tasks.push(t.json.id);
}

// ---------------------------------------------------------------- run
function describe(req) {
  const hs = Object.entries(req.headers ?? {})
    .filter(([k]) => !/^X-H\d+$/.test(k))
    .map(([k, v]) => `${k}: ${String(v).length > 80 ? `${String(v).slice(0, 80)}…(${String(v).length})` : v}`);
  const body = req.raw ? `raw ${req.raw.length} bytes` : req.body === undefined ? "" : `${req.chunked ? "chunked " : ""}body ${Buffer.byteLength(req.body)} bytes: ${JSON.stringify(String(req.body).slice(0, 160))}`;
  return { line: `${req.method} ${req.path.length > 160 ? `${req.path.slice(0, 160)}…(${req.path.length})` : req.path}`, headers: hs, body };
}

async function main() {
  const t0 = Date.now();
  try {
    await setup();
  } catch (e) {
    console.error(`fuzz: cannot prepare fixtures at ${URL_BASE.origin}: ${e.message}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  const indexes = INDEXES ?? Array.from({ length: COUNT }, (_, i) => i);
  const requests = indexes.map(generate).filter((r) => !ONLY_FAMILIES || ONLY_FAMILIES.has(r.family));
  const stats = {};
  const failures = [];
  const known = [];
  let next = 0;
  let done = 0;
  const progressEvery = Math.max(500, Math.ceil(requests.length / 10));
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++];
      const res = await send(req);
      const s = (stats[req.family] ??= { n: 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, 501: 0, err: 0, slowest: 0 });
      s.n++;
      if (res.status === null) s.err++;
      else if (res.status === 501) s[501]++;
      else s[`${Math.floor(res.status / 100)}xx`] = (s[`${Math.floor(res.status / 100)}xx`] ?? 0) + 1;
      s.slowest = Math.max(s.slowest, res.ms);
      const is5xx = res.status !== null && res.status >= 500 && res.status !== 501;
      const slow = res.ms > SLOW_MS;
      if (is5xx && req.known && !STRICT && !slow) known.push({ req, res });
      else if (is5xx || slow || (res.status === null && /no answer/.test(res.error ?? ""))) failures.push({ req, res, why: slow ? `slow (${res.ms} ms > ${SLOW_MS})` : res.status === null ? res.error : `${res.status}` });
      if (INDEXES) printOne(req, res);
      if (++done % progressEvery === 0 && !INDEXES) console.error(`fuzz: ${done}/${requests.length} (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, CONCURRENCY) }, worker));
  agent.destroy();

  // table by family
  const cols = ["family", "requests", "2xx", "3xx", "4xx", "5xx", "501", "err", "slowest ms"];
  const rows = Object.keys(FAMILIES)
    .filter((f) => stats[f])
    .map((f) => [f, stats[f].n, stats[f]["2xx"], stats[f]["3xx"], stats[f]["4xx"], stats[f]["5xx"], stats[f][501], stats[f].err, stats[f].slowest]);
  const total = rows.reduce((t, r) => t.map((v, i) => (i === 0 ? "total" : i === 8 ? Math.max(v, r[i]) : v + r[i])), ["total", 0, 0, 0, 0, 0, 0, 0, 0]);
  const widths = cols.map((c, i) => Math.max(c.length, ...[...rows, total].map((r) => String(r[i]).length)));
  const fmt = (r) => r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join("  ");
  console.log(`\nfuzz: seed ${SEED}, ${requests.length} requests to ${URL_BASE.origin}, concurrency ${CONCURRENCY}, ${Math.round((Date.now() - t0) / 1000)} s`);
  console.log(fmt(cols));
  for (const r of rows) console.log(fmt(r));
  console.log(fmt(total));
  if (known.length) {
    const kinds = new Map();
    for (const k of known) kinds.set(k.req.known, (kinds.get(k.req.known) ?? 0) + 1);
    console.log(`\nknown, not counted (5xx from the local runtime before the Worker runs; --strict counts them):`);
    for (const [why, n] of kinds) console.log(`  ${n} × ${why}`);
  }
  if (failures.length) {
    console.log(`\nfirst ${Math.min(SHOW, failures.length)} of ${failures.length} failing requests:`);
    for (const f of failures.slice(0, SHOW)) {
      const d = describe(f.req);
      console.log(`#${f.req.index} [${f.req.family}] ${d.line} → ${f.why} in ${f.res.ms} ms`);
      if (f.res.snippet) console.log(`    answer: ${JSON.stringify(f.res.snippet.slice(0, 200))}`);
      console.log(`    replay: npm run fuzz -- --url ${URL_BASE.origin} --seed ${SEED} --index ${f.req.index}`);
    }
  }
  const failed = failures.length;
  console.log(`\n${requests.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

function printOne(req, res) {
  const d = describe(req);
  console.log(`\n#${req.index} [${req.family}] ${d.line}`);
  for (const h of d.headers) console.log(`  > ${h}`);
  if (d.body) console.log(`  > ${d.body}`);
  console.log(`  < ${res.status ?? res.error} in ${res.ms} ms${res.headers?.["x-openstack-request-id"] ? ` (${res.headers["x-openstack-request-id"]})` : ""}`);
  if (res.snippet) console.log(`  < ${JSON.stringify(res.snippet.slice(0, 400))}`);
}

main().catch((e) => {
  console.error(e);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
