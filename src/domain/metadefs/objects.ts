import type { RequestContext } from "../context";
import { conflict, notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { duplicateObject } from "./namespace-create";
import { notifyMetadef, objectPayload } from "./notifications";
import { stamp } from "./list-params";
import { loadNamespace, protectedDelete } from "./policy";
import { normalizePropertyDef } from "./property-type";
import { OBJECT_RULE, checkBody, propertyRule } from "./schemas";
import type { MetadefNamespace, MetadefObject, ObjectFields, PropertyDef } from "./types";
import { validate } from "./validate";
import { type Json, objectView } from "./views";

const objectNotFound = (name: string) => notFound(`Could not find metadata object ${name}`);

/** An object body: the object schema, then each property on its own (glance metadef_objects). */
function objectFields(raw: unknown): ObjectFields {
  const body = checkBody("object", raw, OBJECT_RULE);
  const props = (body.properties ?? {}) as Record<string, PropertyDef>;
  for (const def of Object.values(props)) validate("property", def, propertyRule(false));
  return {
    name: body.name as string,
    description: (body.description as string | undefined) ?? null,
    required: (body.required as string[] | undefined) ?? [],
    properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, normalizePropertyDef(v)])),
  };
}

async function loadObject(services: Services, ns: MetadefNamespace, name: string): Promise<MetadefObject> {
  const obj = await services.metadefs.getObject(ns.id, name);
  if (!obj) throw objectNotFound(name);
  return obj;
}

/** GET .../objects: every object of the namespace (not paged, as in Glance). */
export async function listObjects(services: Services, ctx: RequestContext, namespace: string): Promise<Json[]> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace, "object");
  policy.enforce("get_metadef_objects");
  const objects = await services.metadefs.listObjects(ns.id);
  return policy.can("get_metadef_object") ? objects.map((o) => objectView(ns.namespace, o)) : [];
}

export async function createObject(services: Services, ctx: RequestContext, namespace: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const fields = objectFields(raw);
  const { ns, policy } = await loadNamespace(services, ctx, namespace, "object");
  policy.enforce("add_metadef_object");
  const obj = await services.metadefs.createObject(ns.id, fields, stamp(services.now()));
  if (obj === "gone") throw notFound(`Namespace ${namespace} not found`);
  if (obj === "duplicate") throw duplicateObject(fields.name, ns.namespace);
  notifyMetadef(services, "metadef_object.create", objectPayload(ns.namespace, obj));
  return objectView(ns.namespace, obj);
}

export async function showObject(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<Json> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace, "object");
  policy.enforce("get_metadef_object");
  return objectView(ns.namespace, await loadObject(services, ns, name));
}

/** PUT .../objects/{name}: full replace (omitted description/required/properties are cleared). */
export async function updateObject(services: Services, ctx: RequestContext, namespace: string, name: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const fields = objectFields(raw);
  const { ns, policy } = await loadNamespace(services, ctx, namespace, "object");
  policy.enforce("modify_metadef_object");
  const current = await loadObject(services, ns, name);
  const saved = await services.metadefs.updateObject(current.id, fields, stamp(services.now()));
  if (saved === "gone") throw objectNotFound(name);
  if (saved === "duplicate") {
    throw conflict(`Invalid update. It would result in a duplicate metadata definition object with the same name=${fields.name} in namespace=${ns.namespace}.`);
  }
  notifyMetadef(services, "metadef_object.update", objectPayload(ns.namespace, saved, { oldName: current.name }));
  return objectView(ns.namespace, saved);
}

export async function deleteObject(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, namespace, "object");
  policy.enforce("delete_metadef_object");
  const obj = await loadObject(services, ns, name);
  if (ns.protected) throw protectedDelete("object", obj.name);
  await services.metadefs.deleteObject(obj.id);
  notifyMetadef(services, "metadef_object.delete", objectPayload(ns.namespace, obj, { deletedAt: stamp(services.now()) }));
}
