import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { duplicateAssociation } from "./namespace-create";
import { associationPayload, notifyMetadef } from "./notifications";
import { stamp } from "./list-params";
import { MetadefPolicy, loadNamespace, protectedDelete } from "./policy";
import { ASSOCIATION_RULE, checkBody } from "./schemas";
import { type Json, associationView, resourceTypeView } from "./views";

/** GET /v2/metadefs/resource_types: every known resource type, whoever uses it. */
export async function listResourceTypes(services: Services, ctx: RequestContext): Promise<Json[]> {
  new MetadefPolicy(services.policy, ctx).enforce("list_metadef_resource_types");
  return (await services.metadefs.listResourceTypes()).map(resourceTypeView);
}

/** GET .../namespaces/{ns}/resource_types: the namespace's associations. */
export async function listAssociations(services: Services, ctx: RequestContext, namespace: string): Promise<Json[]> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("list_metadef_resource_types");
  if (!policy.can("get_metadef_resource_type")) return [];
  return (await services.metadefs.listAssociations(ns.id)).map((a) => associationView(a));
}

/** POST .../namespaces/{ns}/resource_types: associates a resource type (created on first use). */
export async function createAssociation(services: Services, ctx: RequestContext, namespace: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const body = checkBody("resource_type_association", raw, ASSOCIATION_RULE);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("add_metadef_resource_type_association");
  const fields = {
    name: body.name as string,
    prefix: (body.prefix as string | undefined) ?? null,
    propertiesTarget: (body.properties_target as string | undefined) ?? null,
  };
  const assoc = await services.metadefs.createAssociation(ns.id, fields, stamp(services.now()));
  if (assoc === "gone") throw notFound(`Namespace ${namespace} not found`);
  if (assoc === "duplicate") throw duplicateAssociation(fields.name, ns.namespace);
  notifyMetadef(services, "metadef_resource_type.create", associationPayload(ns.namespace, assoc));
  return associationView(assoc);
}

/** DELETE .../namespaces/{ns}/resource_types/{rt}: the resource type itself stays. */
export async function deleteAssociation(services: Services, ctx: RequestContext, namespace: string, resourceType: string): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("remove_metadef_resource_type_association");
  const assoc = (await services.metadefs.listAssociations(ns.id)).find((a) => a.name === resourceType);
  if (!assoc) throw notFound(`Failed to find resource type ${resourceType} to delete`);
  if (ns.protected) throw protectedDelete("resource-type-association", assoc.name);
  await services.metadefs.deleteAssociation(ns.id, assoc.resourceTypeId);
  notifyMetadef(services, "metadef_resource_type.delete", associationPayload(ns.namespace, assoc, { deletedAt: stamp(services.now()) }));
}
