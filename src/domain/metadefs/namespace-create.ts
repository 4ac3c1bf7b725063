import type { RequestContext } from "../context";
import { conflict } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { associationPayload, namespacePayload, notifyMetadef, objectPayload, propertyPayload, tagPayload } from "./notifications";
import { stamp } from "./list-params";
import { MetadefPolicy } from "./policy";
import { normalizePropertyDef, propertyMapView } from "./property-type";
import { NAMESPACE_RULE, checkBody } from "./schemas";
import type { MetadefObject, NamespaceContent, PropertyDef, ResourceTypeAssociation } from "./types";
import { type Json, namespaceView } from "./views";

type Body = {
  namespace: string;
  display_name?: string;
  description?: string;
  visibility?: "public" | "private";
  protected?: boolean;
  owner?: string;
  resource_type_associations?: { name: string; prefix?: string; properties_target?: string }[];
  properties?: Record<string, PropertyDef>;
  objects?: { name: string; description?: string; required?: string[]; properties?: Record<string, PropertyDef> }[];
  tags?: { name: string }[];
};

export const duplicateTag = (name: string, ns: string) =>
  conflict(`A metadata tag with name=${name} already exists in namespace=${ns}. (Please note that metadata tag names are case insensitive).`);
export const duplicateObject = (name: string, ns: string) => conflict(`A metadata definition object with name=${name} already exists in namespace=${ns}.`);
export const duplicateAssociation = (name: string, ns: string) =>
  conflict(`The metadata definition resource-type association of resource-type=${name} to namespace=${ns} already exists.`);

function firstDuplicate(names: string[]): string | undefined {
  const seen = new Set<string>();
  return names.find((n) => (seen.has(n) ? true : (seen.add(n), false)));
}

/**
 * POST /v2/metadefs/namespaces (glance NamespaceController.create): the namespace with any
 * embedded associations, objects, properties and tags, written all or nothing (Glance deletes a
 * half-created namespace on failure; one D1 batch makes that unnecessary).
 */
export async function createNamespace(services: Services, ctx: RequestContext, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const body = checkBody("namespace", raw, NAMESPACE_RULE) as Body;
  const name = body.namespace;
  const policy = new MetadefPolicy(services.policy, ctx);
  policy.enforce("add_metadef_namespace");
  if (body.resource_type_associations?.length) policy.enforce("add_metadef_resource_type_association");
  if (body.objects?.length) policy.enforce("add_metadef_object");
  if (body.properties && Object.keys(body.properties).length) policy.enforce("add_metadef_property");
  if (body.tags?.length) policy.enforce("add_metadef_tag");

  const content: NamespaceContent = {
    associations: (body.resource_type_associations ?? []).map((a) => ({ name: a.name, prefix: a.prefix ?? null, propertiesTarget: a.properties_target ?? null })),
    objects: (body.objects ?? []).map((o) => ({
      name: o.name,
      description: o.description ?? null,
      required: o.required ?? [],
      properties: Object.fromEntries(Object.entries(o.properties ?? {}).map(([k, v]) => [k, normalizePropertyDef(v)])),
    })),
    properties: Object.entries(body.properties ?? {}).map(([n, schema]) => ({ name: n, schema: normalizePropertyDef(schema) })),
    tags: (body.tags ?? []).map((t) => t.name),
  };
  const dupAssoc = firstDuplicate(content.associations.map((a) => a.name));
  if (dupAssoc !== undefined) throw duplicateAssociation(dupAssoc, name);
  const dupObject = firstDuplicate(content.objects.map((o) => o.name));
  if (dupObject !== undefined) throw duplicateObject(dupObject, name);
  const dupTag = firstDuplicate(content.tags);
  if (dupTag !== undefined) throw duplicateTag(dupTag, name);

  const now = stamp(services.now());
  const ns = await services.metadefs.createNamespace(
    {
      namespace: name,
      displayName: body.display_name ?? null,
      description: body.description ?? null,
      visibility: body.visibility ?? "private",
      protected: body.protected ?? false,
      owner: body.owner ?? ctx.projectId ?? "",
      createdAt: now,
      updatedAt: now,
    },
    content,
  );
  if (ns === "duplicate") throw conflict(`The metadata definition namespace=${name} already exists.`);

  // glance/notifier.py: the namespace, then each association, object, tag and property it embeds.
  const row = { id: 0, namespaceId: ns.id, createdAt: now, updatedAt: now };
  notifyMetadef(services, "metadef_namespace.create", namespacePayload(ns));
  for (const a of content.associations) notifyMetadef(services, "metadef_resource_type.create", associationPayload(name, { ...row, resourceTypeId: 0, ...a } as ResourceTypeAssociation));
  for (const o of content.objects) notifyMetadef(services, "metadef_object.create", objectPayload(name, { ...row, ...o } as MetadefObject));
  for (const t of content.tags) notifyMetadef(services, "metadef_tag.create", tagPayload(name, { ...row, name: t }));
  for (const p of content.properties) notifyMetadef(services, "metadef_property.create", propertyPayload(name, p.name, p.schema));

  // Glance answers with what was asked for: embedded parts echoed without their own timestamps.
  return namespaceView(ns, {
    associations: content.associations.map((a) => echo({ name: a.name, prefix: a.prefix, properties_target: a.propertiesTarget })),
    properties: propertyMapView(Object.fromEntries(content.properties.map((p) => [p.name, p.schema]))),
    objects: (body.objects ?? []).map((o) =>
      echo({ name: o.name, required: o.required, description: o.description, properties: o.properties && propertyMapView(o.properties) }),
    ),
    tags: content.tags.map((t) => ({ name: t })),
  });
}

const echo = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
