import { propertyMapView } from "./property-type";
import type { MetadefNamespace, MetadefObject, MetadefTag, ResourceType, ResourceTypeAssociation } from "./types";

// The wire form of metadefs (glance/api/v2/model/metadef_*.py through wsme): fields in the
// models' order, unset (null) fields left out, timestamps as YYYY-MM-DDTHH:MM:SSZ, relative
// `self` and `schema` links.

export type Json = Record<string, unknown>;

/** Stored timestamps carry milliseconds; Glance shows whole seconds. */
export const isoSeconds = (ts: string): string => ts.replace(/\.\d+Z$/, "Z");

function put(out: Json, key: string, v: unknown): void {
  if (v !== null && v !== undefined) out[key] = v;
}

export const namespaceHref = (ns: string) => `/v2/metadefs/namespaces/${ns}`;
export const objectHref = (ns: string, name: string) => `${namespaceHref(ns)}/objects/${name}`;

function timestamps(out: Json, row: { createdAt: string; updatedAt: string | null }): void {
  out.created_at = isoSeconds(row.createdAt);
  if (row.updatedAt) out.updated_at = isoSeconds(row.updatedAt);
}

export function associationView(a: ResourceTypeAssociation, withTimestamps = true): Json {
  const out: Json = { name: a.name };
  put(out, "prefix", a.prefix);
  put(out, "properties_target", a.propertiesTarget);
  if (withTimestamps) timestamps(out, a);
  return out;
}

export function resourceTypeView(rt: ResourceType): Json {
  const out: Json = { name: rt.name };
  timestamps(out, rt);
  return out;
}

export function objectView(namespace: string, obj: MetadefObject, prefix = ""): Json {
  const out: Json = { name: obj.name, required: obj.required.map((r) => prefix + r) };
  put(out, "description", obj.description);
  out.properties = propertyMapView(obj.properties, prefix);
  timestamps(out, obj);
  out.self = objectHref(namespace, obj.name);
  out.schema = "/v2/schemas/metadefs/object";
  return out;
}

export function tagView(tag: MetadefTag, withTimestamps = true): Json {
  const out: Json = { name: tag.name };
  if (withTimestamps) timestamps(out, tag);
  return out;
}

export interface NamespaceParts {
  associations?: Json[];
  properties?: Json;
  objects?: Json[];
  tags?: Json[];
}

/** A namespace; embedded parts appear only when non-empty, as in Glance. */
export function namespaceView(ns: MetadefNamespace, parts: NamespaceParts = {}): Json {
  const out: Json = { namespace: ns.namespace };
  put(out, "display_name", ns.displayName);
  put(out, "description", ns.description);
  out.visibility = ns.visibility;
  out.protected = ns.protected;
  out.owner = ns.owner;
  timestamps(out, ns);
  if (parts.associations?.length) out.resource_type_associations = parts.associations;
  if (parts.properties && Object.keys(parts.properties).length) out.properties = parts.properties;
  if (parts.objects?.length) out.objects = parts.objects;
  if (parts.tags?.length) out.tags = parts.tags;
  out.self = namespaceHref(ns.namespace);
  out.schema = "/v2/schemas/metadefs/namespace";
  return out;
}
