// Request generators, part 3: schemas, info, stores, upload sessions, versions and odd requests
// (odd methods, `*` targets, huge targets/headers, raw bytes node:http refuses to send).
import { ODD_IDS, JSON_TYPES, enc, weirdString, jsonValue, jsonBody, contentType } from "./blocks.mjs";
import { F, commonHeaders, imageId } from "./identities.mjs";

const SCHEMAS = ["image", "images", "member", "members", "task", "tasks", "metadefs/namespace", "metadefs/namespaces", "metadefs/resource_type", "metadefs/resource_types", "metadefs/property",
  "metadefs/properties", "metadefs/object", "metadefs/objects", "metadefs/tag", "metadefs/tags", "upload-session", "upload-sessions", "nope", "image/x", "", "..%2Fimage"]; // prettier-ignore
export function gen_schemas(r) {
  return { method: r.weighted([[8, "GET"], [1, () => r.pick(["POST", "PUT", "DELETE", "HEAD", "PATCH"])]]), path: `/v2/schemas/${r.pick(SCHEMAS)}`, headers: commonHeaders(r) };
}

export function gen_info(r) {
  return { method: r.weighted([[8, "GET"], [1, () => r.pick(["POST", "DELETE", "HEAD", "PUT"])]]), path: `/v2/info/${r.pick(["import", "stores", "stores/detail", "usage", "nope", "stores/x", ""])}`, headers: commonHeaders(r) };
}

export function gen_stores(r) {
  const store = enc(r.pick(["store1", "store2", "nope", "", weirdString(r)]) || "x");
  return { method: r.weighted([[6, "DELETE"], [1, () => r.pick(["GET", "PUT", "POST"])]]), path: `/v2/stores/${store}/${imageId(r, { victim: r.chance(0.5) })}`, headers: commonHeaders(r) };
}

export function gen_sessions(r) {
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

export function gen_versions(r) {
  const path = r.pick(["/", "/versions", "/v2", "/v2/", "/v2.0/images", "/v2.9/images", "/v2.17/schemas/image", "/v2.99/images", "/v3/images", "/v1/images", "/v1", "/v2.a/images", "/V2/images", "/healthcheck", "/x", "/v2/nope", "/v2//images", "/v2/images/", "//v2/images", "/v2/./images", "/v2/images/../info/import", "/v2%2Fimages"]);
  return { method: r.weighted([[6, "GET"], [1, () => r.pick(["HEAD", "POST", "DELETE", "OPTIONS"])]]), path, headers: commonHeaders(r) };
}

/** Odd methods, targets and bytes: node:http where it can send them, else a raw socket.
 * `target` ({ host, port }) is the service addressed by raw requests (Host, absolute-form). */
export function gen_odd(r, target) {
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
    [1, () => rawRequest(r, h, somePath(), target)],
  ]);
}

/** A request as bytes (things node:http refuses to send): NUL/CR/latin1 in the target or headers. */
function rawRequest(r, headers, path, { host: HOST, port: PORT }) {
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
