import type { RequestContext } from "../context";
import { conflict, notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { notifyMetadef, propertyPayload } from "./notifications";
import { stamp } from "./list-params";
import { loadNamespace, protectedDelete } from "./policy";
import { normalizePropertyDef, propertyMapView, propertyView } from "./property-type";
import { checkBody, propertyRule } from "./schemas";
import type { MetadefNamespace, MetadefProperty, PropertyDef } from "./types";
import type { Json } from "./views";

const propertyNotFound = (name: string) => notFound(`Could not find property ${name}`);

function propertyBody(raw: unknown): { name: string; schema: PropertyDef } {
  const body = checkBody("property", raw, propertyRule(true));
  const { name, ...schema } = body;
  return { name: name as string, schema: normalizePropertyDef(schema) };
}

async function loadProperty(services: Services, ns: MetadefNamespace, name: string): Promise<MetadefProperty> {
  const prop = await services.metadefs.getProperty(ns.id, name);
  if (!prop) throw propertyNotFound(name);
  return prop;
}

/** GET .../properties: a name -> definition map. */
export async function listProperties(services: Services, ctx: RequestContext, namespace: string): Promise<Json> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("get_metadef_properties");
  const props = await services.metadefs.listProperties(ns.id);
  return propertyMapView(Object.fromEntries(props.map((p) => [p.name, p.schema])));
}

/**
 * GET .../properties/{name}[?resource_type=X]: with a resource type, `name` is the prefixed name
 * (e.g. hw_cpu_policy) and must start with that association's prefix.
 */
export async function showProperty(services: Services, ctx: RequestContext, namespace: string, name: string, resourceType?: string): Promise<Json> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("get_metadef_property");
  let bare = name;
  if (resourceType) {
    policy.enforce("get_metadef_resource_type");
    const rt = await services.metadefs.getResourceType(resourceType);
    if (!rt) throw notFound(`The metadata definition resource-type with name=${resourceType}, was not found.`);
    const assoc = (await services.metadefs.listAssociations(ns.id)).find((a) => a.resourceTypeId === rt.id);
    if (!assoc) {
      throw notFound(`The metadata definition resource-type association of resource-type=${resourceType} to namespace=${ns.namespace}, was not found.`);
    }
    if (!assoc.prefix || !name.startsWith(assoc.prefix)) {
      throw notFound(`Property ${name} does not start with the expected resource type association prefix of '${assoc.prefix ?? "None"}'.`);
    }
    bare = name.slice(assoc.prefix.length);
  }
  const prop = await loadProperty(services, ns, bare);
  return propertyView(prop.schema, prop.name);
}

export async function createProperty(services: Services, ctx: RequestContext, namespace: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const { name, schema } = propertyBody(raw);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("add_metadef_property");
  const prop = await services.metadefs.createProperty(ns.id, name, schema, stamp(services.now()));
  if (prop === "gone") throw notFound(`Namespace ${namespace} not found`);
  if (prop === "duplicate") throw conflict(`A metadata definition property with name=${name} already exists in namespace=${ns.namespace}.`);
  notifyMetadef(services, "metadef_property.create", propertyPayload(ns.namespace, prop.name, prop.schema));
  return propertyView(prop.schema, prop.name);
}

/** PUT .../properties/{name}: replaces the definition (and may rename it). */
export async function updateProperty(services: Services, ctx: RequestContext, namespace: string, name: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const { name: newName, schema } = propertyBody(raw);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("modify_metadef_property");
  const current = await loadProperty(services, ns, name);
  const saved = await services.metadefs.updateProperty(current.id, newName, schema, stamp(services.now()));
  if (saved === "gone") throw propertyNotFound(name);
  if (saved === "duplicate") {
    throw conflict(`Invalid update. It would result in a duplicate metadata definition property with the same name=${newName} in namespace=${ns.namespace}.`);
  }
  notifyMetadef(services, "metadef_property.update", propertyPayload(ns.namespace, saved.name, saved.schema, { oldName: current.name }));
  return propertyView(saved.schema, saved.name);
}

export async function deleteProperty(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("remove_metadef_property");
  const prop = await loadProperty(services, ns, name);
  if (ns.protected) throw protectedDelete("property", prop.name);
  await services.metadefs.deleteProperty(prop.id);
  notifyMetadef(services, "metadef_property.delete", propertyPayload(ns.namespace, prop.name, prop.schema, { deletedAt: stamp(services.now()) }));
}
