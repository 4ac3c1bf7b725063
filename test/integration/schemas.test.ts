import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../../src/config";
import { IMAGE_STATUSES, READONLY_ATTRIBUTES, VISIBILITIES } from "../../src/domain/images/image";
import { ADMIN, READER, call, createImage, json, patch } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";

type Doc = Record<string, any>;

async function schema(path: string, token?: string): Promise<Doc> {
  const r = await call("GET", `/v2/schemas/${path}`, { token });
  expect(r.status, path).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  return json(r);
}

const PAGED = ["first", "next", "describedby"];
const METADEF_DEFS = ["positiveInteger", "positiveIntegerDefault0", "stringArray", "property"];
const IMAGE_PROPS = [
  "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value", "owner",
  "size", "virtual_size", "container_format", "disk_format", "created_at", "updated_at", "tags", "direct_url", "min_ram",
  "min_disk", "self", "file", "schema", "locations", "kernel_id", "ramdisk_id", "instance_uuid", "architecture",
  "os_distro", "os_version", "description", "cinder_encryption_key_id", "cinder_encryption_key_deletion_policy",
];
const MEMBER_PROPS = ["member_id", "image_id", "created_at", "updated_at", "status", "schema"];
const TASK_PROPS = ["id", "type", "status", "input", "result", "owner", "message", "image_id", "request_id", "user_id", "expires_at", "created_at", "updated_at", "self", "schema"];
const NAMESPACE_PROPS = ["namespace", "display_name", "description", "visibility", "protected", "owner", "created_at", "updated_at", "schema", "self", "resource_type_associations", "properties", "objects", "tags"];
const OBJECT_PROPS = ["name", "description", "required", "properties", "schema", "self", "created_at", "updated_at"];
const PROPERTY_PROPS = ["name", "title", "description", "operators", "type", "required", "minimum", "maximum", "maxLength", "minLength", "pattern", "enum", "readonly", "default", "items", "maxItems", "minItems", "uniqueItems", "additionalItems"];
const RT_PROPS = ["name", "prefix", "properties_target", "created_at", "updated_at"];
const TAG_PROPS = ["name", "created_at", "updated_at"];

// [path, name, property keys in order, additionalProperties ("absent" = not stated), required, link rels, definitions]
const ENTITIES: [string, string, string[], unknown, string[] | undefined, string[] | undefined, string[] | undefined][] = [
  ["image", "image", IMAGE_PROPS, { type: "string" }, undefined, ["self", "enclosure", "describedby"], undefined],
  ["member", "member", MEMBER_PROPS, "absent", undefined, undefined, undefined],
  ["task", "task", TASK_PROPS, "absent", undefined, undefined, undefined],
  ["metadefs/namespace", "namespace", NAMESPACE_PROPS, false, ["namespace"], undefined, METADEF_DEFS],
  ["metadefs/object", "object", OBJECT_PROPS, false, ["name"], undefined, METADEF_DEFS],
  ["metadefs/property", "property", PROPERTY_PROPS, false, ["type", "title", "name"], undefined, METADEF_DEFS.slice(0, 3)],
  ["metadefs/resource_type", "resource_type_association", RT_PROPS, false, ["name"], undefined, undefined],
  ["metadefs/tag", "tag", TAG_PROPS, false, ["name"], undefined, undefined],
];

// [path, name, entity path, paged, keyed]
const COLLECTIONS: [string, string, string, boolean, boolean][] = [
  ["images", "images", "image", true, false],
  ["members", "members", "member", false, false],
  ["tasks", "tasks", "task", false, false],
  ["metadefs/namespaces", "namespaces", "metadefs/namespace", true, false],
  ["metadefs/objects", "objects", "metadefs/object", true, false],
  ["metadefs/properties", "properties", "metadefs/property", true, true],
  ["metadefs/resource_types", "resource_type_associations", "metadefs/resource_type", true, false],
  ["metadefs/tags", "tags", "metadefs/tag", true, false],
];

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) k === "$ref" && typeof v === "string" ? out.push(v) : refs(v, out);
  }
  return out;
}

describe("GET /v2/schemas/<entity>", () => {
  it.each(ENTITIES)("%s has Glance's shape", async (path, name, props, additional, required, rels, defs) => {
    const doc = await schema(path, READER);
    expect(doc.name).toBe(name);
    expect(Object.keys(doc.properties)).toEqual(props);
    if (additional === "absent") expect(doc).not.toHaveProperty("additionalProperties");
    else expect(doc.additionalProperties).toEqual(additional);
    expect(doc.required).toEqual(required);
    expect(doc.links?.map((l: Doc) => l.rel)).toEqual(rels);
    expect(doc.definitions && Object.keys(doc.definitions)).toEqual(defs);
    // Every reference resolves from the document's root.
    for (const ref of refs(doc)) expect(doc.definitions?.[ref.replace("#/definitions/", "")], ref).toBeDefined();
  });

  it("member and members state no additionalProperties (Glance serves their minimal view)", async () => {
    expect(await schema("member")).not.toHaveProperty("additionalProperties");
    expect((await schema("members")).properties.members.items).not.toHaveProperty("additionalProperties");
  });

  it("metadef property lists need at least one string; namespace ones may be empty", async () => {
    expect((await schema("metadefs/property")).definitions.stringArray).toEqual({ type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true });
    expect((await schema("metadefs/namespace")).definitions.stringArray).toEqual({ type: "array", items: { type: "string" }, uniqueItems: true });
  });
});

describe("GET /v2/schemas/<collection>", () => {
  it.each(COLLECTIONS)("%s wraps its entity", async (path, name, entityPath, paged, keyed) => {
    const doc = await schema(path);
    const entity = await schema(entityPath);
    expect(doc.name).toBe(name);
    expect(Object.keys(doc.properties)).toEqual(paged ? [name, "first", "next", "schema"] : [name, "schema"]);
    expect(doc.links.map((l: Doc) => l.rel)).toEqual(paged ? PAGED : ["describedby"]);
    // The entity's definitions move to the top of the list document.
    expect(doc.definitions).toEqual(entity.definitions);
    const list = doc.properties[name];
    expect(list.type).toBe(keyed ? "object" : "array");
    const item = keyed ? list.additionalProperties : list.items;
    const { definitions: _, ...entityBody } = entity;
    if (path === "tasks") {
      // List entries are stubs: no input, result or message.
      expect(Object.keys(item.properties)).toEqual(TASK_PROPS.filter((p) => !["input", "result", "message"].includes(p)));
    } else if (keyed) {
      // Keyed by property name, so the name is not required inside an entry.
      expect(item).toEqual({ ...entityBody, required: ["type", "title"] });
    } else {
      expect(item).toEqual(entityBody);
    }
    for (const ref of refs(doc)) expect(doc.definitions?.[ref.replace("#/definitions/", "")], ref).toBeDefined();
  });
});

describe("/v2/schemas routing", () => {
  it("unknown documents are 404 and other methods 405 with Allow: GET", async () => {
    expect((await call("GET", "/v2/schemas/nope")).status).toBe(404);
    expect((await call("GET", "/v2/schemas/metadefs/nope")).status).toBe(404);
    expect((await call("GET", "/v2/schemas/metadefs")).status).toBe(404);
    const r = await call("POST", "/v2/schemas/image", { body: {} });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("GET");
  });

  it("needs authentication like every /v2 resource", async () => {
    const r = await fetchWith({ AUTH_MODE: "strict", STATIC_TOKENS: "{}" }, new Request("http://localhost/v2/schemas/image"));
    expect(r.status).toBe(401);
  });
});

// The image document must say what the image rules (src/domain/images) actually do.
describe("image schema agrees with the image rules", () => {
  const settings = settingsFor(env);

  it("status and visibility enums are the domain's", async () => {
    const { properties: p } = await schema("image");
    expect([...p.status.enum].sort()).toEqual([...IMAGE_STATUSES].sort());
    expect([...p.visibility.enum].sort()).toEqual([...VISIBILITIES].sort());
  });

  it("format enums are null plus the configured formats", async () => {
    const { properties: p } = await schema("image");
    expect(p.container_format.enum).toEqual([null, ...settings.containerFormats]);
    expect(p.disk_format.enum).toEqual([null, ...settings.diskFormats]);
    const config = JSON.stringify({ container_formats: ["bare"], disk_formats: ["raw", "qcow2"] });
    for (const path of ["image", "images"]) {
      const r = await fetchWith({ GLANCE_CONFIG: config }, new Request(`http://localhost/v2/schemas/${path}`, { headers: { "X-Auth-Token": READER } }));
      const doc: Doc = await r.json();
      const props = path === "image" ? doc.properties : doc.properties.images.items.properties;
      expect(props.container_format.enum).toEqual([null, "bare"]);
      expect(props.disk_format.enum).toEqual([null, "raw", "qcow2"]);
    }
  });

  it("readOnly marks the read-only attributes; only id (create-only) and stores are left unmarked", async () => {
    const { properties: p } = await schema("image");
    const marked = Object.keys(p).filter((k) => p[k].readOnly);
    for (const k of marked) expect(READONLY_ATTRIBUTES.has(k), k).toBe(true);
    expect([...READONLY_ATTRIBUTES].filter((k) => !marked.includes(k)).sort()).toEqual(["id", "stores"]);
  });

  it("every readOnly property is refused with 403, on PATCH and on create", async () => {
    const { properties: p } = await schema("image");
    const img = await createImage();
    for (const k of Object.keys(p).filter((k) => p[k].readOnly)) {
      const r = await patch(img.id, [{ op: "replace", path: `/${k}`, value: "x" }]);
      expect(r.status, `PATCH ${k}`).toBe(403);
      expect(await r.text()).toContain(`Attribute '${k}' is read-only.`);
      expect((await call("POST", "/v2/images", { body: { name: "ro", [k]: "x" } })).status, `create ${k}`).toBe(403);
    }
  });

  it("every enum value is accepted and anything else refused", async () => {
    const { properties: p } = await schema("image");
    // Admin so that "public" needs no extra rule; the image stays queued so formats may change.
    const img = await createImage({}, ADMIN);
    for (const k of ["container_format", "disk_format", "visibility", "cinder_encryption_key_deletion_policy"]) {
      for (const value of p[k].enum) {
        const r = await patch(img.id, [{ op: "add", path: `/${k}`, value }], ADMIN);
        expect(r.status, `${k}=${value}`).toBe(200);
        if (value !== null) expect((await json(r))[k]).toBe(value);
      }
      expect((await patch(img.id, [{ op: "add", path: `/${k}`, value: "not-in-enum" }], ADMIN)).status, k).toBe(400);
    }
  });

  it("types, null, maxLength and patterns of writable properties are enforced as stated", async () => {
    const { properties: p } = await schema("image");
    const img = await createImage({}, ADMIN);
    const send = (k: string, value: unknown) => patch(img.id, [{ op: "add", path: `/${k}`, value }], ADMIN).then((r) => r.status);
    const skip = new Set(["id", "locations", "tags"]); // id is create-only; locations are hidden (403)
    for (const [k, s] of Object.entries<Doc>(p)) {
      if (s.readOnly || skip.has(k)) continue;
      const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
      const main = types.find((t) => t !== "null");
      const wrong = main === "string" ? 42 : "42";
      expect(await send(k, wrong), `${k} wrong type`).toBe(400);
      if (!s.enum) expect(await send(k, null), `${k} null`).toBe(types.includes("null") ? 200 : 400);
      if (s.maxLength) {
        expect(await send(k, "a".repeat(s.maxLength + 1)), `${k} too long`).toBe(400);
        expect(await send(k, "a".repeat(s.maxLength)), `${k} at maxLength`).toBe(200);
      }
      if (s.pattern) {
        expect(await send(k, "not-a-uuid"), `${k} pattern`).toBe(400);
        expect(await send(k, crypto.randomUUID()), `${k} matching pattern`).toBe(200);
      } else if (main === "string" && !s.enum) {
        // No maxLength in the schema means no cap on the value.
        if (!s.maxLength) expect(await send(k, "v".repeat(300)), `${k} long value`).toBe(200);
      }
    }
    expect(await send("tags", ["ok", 5])).toBe(400);
    expect(await send("tags", ["a".repeat(256)])).toBe(400);
    expect(await send("tags", ["a".repeat(255)])).toBe(200);
  });

  it("extra properties must be strings, as additionalProperties says", async () => {
    const img = await createImage();
    expect((await patch(img.id, [{ op: "add", path: "/color", value: 5 }])).status).toBe(400);
    expect((await patch(img.id, [{ op: "add", path: "/color", value: "blue" }])).status).toBe(200);
  });

  it("gives python-glanceclient no option that clashes with its own (e.g. stores vs --stores)", async () => {
    const { properties: p } = await schema("image");
    // glanceclient 4.x turns each property into --<name with - for _>, except those its three
    // image commands all omit; and it defines these options itself on image-create,
    // image-create-via-import and image-update.
    const omitted = ["created_at", "updated_at", "file", "checksum", "virtual_size", "size", "status", "schema", "direct_url", "locations", "self", "os_hidden", "os_hash_value", "os_hash_algo"];
    const handWritten = ["--help", "--hidden", "--property", "--file", "--progress", "--store", "--import-method", "--uri", "--remote-region", "--remote-image-id", "--remote-service-interface", "--stores", "--all-stores", "--allow-failure", "--remove-property"];
    const generated = Object.keys(p).filter((k) => !omitted.includes(k)).map((k) => `--${k.replace(/_/g, "-")}`);
    expect(generated.filter((o) => handWritten.includes(o))).toEqual([]);
    expect(p).not.toHaveProperty("stores");
  });
});
