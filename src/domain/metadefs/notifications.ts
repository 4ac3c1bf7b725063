import { notify } from "../notifications";
import type { Services } from "../services";
import { normalizePropertyDef } from "./property-type";
import type { MetadefNamespace, MetadefObject, MetadefTag, PropertyDef, ResourceTypeAssociation } from "./types";
import { isoSeconds } from "./views";

// metadef_* notifications with the payloads of glance/notifier.py format_metadef_*_notification.
// Renames carry the previous name (namespace_old / name_old); deletes set deleted/deleted_at.

type Payload = Record<string, unknown>;
export interface Change {
  /** The name before an update (defaults to the current name). */
  oldName?: string;
  /** Set on delete events: the deletion time. */
  deletedAt?: string;
}

function lifecycle(p: Payload, change: Change): Payload {
  p.deleted = change.deletedAt !== undefined;
  p.deleted_at = change.deletedAt ? isoSeconds(change.deletedAt) : null;
  return p;
}

const iso = (ts: string | null) => (ts ? isoSeconds(ts) : null);

export function namespacePayload(ns: MetadefNamespace, change: Change = {}): Payload {
  return lifecycle(
    {
      namespace: ns.namespace,
      namespace_old: change.oldName ?? ns.namespace,
      display_name: ns.displayName,
      protected: ns.protected,
      visibility: ns.visibility,
      owner: ns.owner,
      description: ns.description,
      created_at: iso(ns.createdAt),
      updated_at: iso(ns.updatedAt),
    },
    change,
  );
}

const PROPERTY_FIELDS = [
  "type", "title", "description", "default", "minimum", "maximum", "enum", "pattern", "minLength",
  "maxLength", "confidential", "items", "uniqueItems", "minItems", "maxItems", "additionalItems",
] as const;

/** Object properties are listed with every field, falsy ones as null (`x or None` in Glance). */
function objectProperty(name: string, def: PropertyDef): Payload {
  const d = normalizePropertyDef(def);
  const out: Payload = { name };
  for (const f of PROPERTY_FIELDS) {
    const v = d[f];
    out[f] = v === undefined || v === null || v === false || v === 0 || v === "" || (Array.isArray(v) && v.length === 0) ? null : v;
  }
  return out;
}

export function objectPayload(namespace: string, obj: MetadefObject, change: Change = {}): Payload {
  return lifecycle(
    {
      namespace,
      name: obj.name,
      name_old: change.oldName ?? obj.name,
      properties: Object.entries(obj.properties).map(([n, d]) => objectProperty(n, d)),
      required: obj.required,
      description: obj.description,
      created_at: iso(obj.createdAt),
      updated_at: iso(obj.updatedAt),
    },
    change,
  );
}


export function propertyPayload(namespace: string, name: string, schema: PropertyDef, change: Change = {}): Payload {
  const d = normalizePropertyDef(schema);
  const p: Payload = { namespace, name, name_old: change.oldName ?? name };
  for (const f of PROPERTY_FIELDS) p[f] = d[f] ?? null;
  return lifecycle(p, change);
}

export function associationPayload(namespace: string, a: ResourceTypeAssociation, change: Change = {}): Payload {
  return lifecycle(
    {
      namespace,
      name: a.name,
      name_old: a.name,
      prefix: a.prefix,
      properties_target: a.propertiesTarget,
      created_at: iso(a.createdAt),
      updated_at: iso(a.updatedAt),
    },
    change,
  );
}

export function tagPayload(namespace: string, tag: MetadefTag, change: Change = {}): Payload {
  return lifecycle(
    { namespace, name: tag.name, name_old: change.oldName ?? tag.name, created_at: iso(tag.createdAt), updated_at: iso(tag.updatedAt) },
    change,
  );
}

export type MetadefEvent =
  | "metadef_namespace.create"
  | "metadef_namespace.update"
  | "metadef_namespace.delete"
  | "metadef_namespace.delete_objects"
  | "metadef_namespace.delete_properties"
  | "metadef_namespace.delete_tags"
  | "metadef_object.create"
  | "metadef_object.update"
  | "metadef_object.delete"
  | "metadef_property.create"
  | "metadef_property.update"
  | "metadef_property.delete"
  | "metadef_resource_type.create"
  | "metadef_resource_type.delete"
  | "metadef_tag.create"
  | "metadef_tag.update"
  | "metadef_tag.delete";

/** Publish after the write succeeded (best-effort, like every notification here). */
export const notifyMetadef = (services: Services, event: MetadefEvent, payload: Payload) => notify(services, event, payload);
