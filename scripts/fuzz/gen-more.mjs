// Request generators, part 2: image import (stage, import methods), image members, tasks and
// metadata definitions (namespaces, objects, properties, tags, resource types).
import { ODD_IDS, enc, weirdString, jsonValue, jsonBody, contentType, q } from "./blocks.mjs";
import { F, commonHeaders, imageId } from "./identities.mjs";

export function gen_import(r) {
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

export function gen_members(r) {
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

export function gen_tasks(r) {
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
export function gen_metadefs(r) {
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
