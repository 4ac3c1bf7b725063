import type { RequestContext } from "../context";
import { conflict, notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { namespacePayload, notifyMetadef } from "./notifications";
import { stamp } from "./list-params";
import { loadNamespace, protectedDelete } from "./policy";
import { propertyMapView } from "./property-type";
import { NAMESPACE_RULE, checkBody } from "./schemas";
import { type Json, associationView, namespaceView, objectView, tagView } from "./views";

/**
 * GET /v2/metadefs/namespaces/{ns} (glance NamespaceController.show): the namespace with its
 * associations, properties, objects and tags. With ?resource_type=X, property names (and object
 * property names and required lists) get the prefix of the association with X.
 */
export async function showNamespace(services: Services, ctx: RequestContext, name: string, resourceType?: string): Promise<Json> {
  const { ns, policy } = await loadNamespace(services, ctx, name, "namespace");
  policy.enforce("get_metadef_namespace");
  policy.enforce("list_metadef_resource_types");
  policy.enforce("get_metadef_objects");
  policy.enforce("get_metadef_properties");
  policy.enforce("get_metadef_tags");
  const repo = services.metadefs;
  const [associations, objects, properties, tags] = await Promise.all([
    repo.listAssociations(ns.id),
    repo.listObjects(ns.id),
    repo.listProperties(ns.id),
    repo.listTags(ns.id, { sortKey: "created_at", sortDir: "desc" }),
  ]);
  const prefix = (resourceType && associations.find((a) => a.name === resourceType)?.prefix) || "";
  return namespaceView(ns, {
    associations: associations.map((a) => associationView(a)),
    properties: propertyMapView(Object.fromEntries(properties.map((p) => [p.name, p.schema])), prefix),
    objects: objects.map((o) => objectView(ns.namespace, o, prefix)),
    tags: tags.map((t) => tagView(t, false)),
  });
}

/**
 * PUT /v2/metadefs/namespaces/{ns}: replaces the namespace's own attributes (omitted ones fall
 * back to the create defaults); embedded parts in the body are ignored, as in Glance.
 */
export async function updateNamespace(services: Services, ctx: RequestContext, name: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const body = checkBody("namespace", raw, NAMESPACE_RULE);
  const { ns, policy } = await loadNamespace(services, ctx, name);
  policy.enforce("modify_metadef_namespace");
  const newName = body.namespace as string;
  const saved = await services.metadefs.updateNamespace(ns.id, {
    namespace: newName,
    displayName: (body.display_name as string | undefined) ?? null,
    description: (body.description as string | undefined) ?? null,
    visibility: (body.visibility as "public" | "private" | undefined) || "private",
    protected: (body.protected as boolean | undefined) || false,
    owner: (body.owner as string | undefined) || ctx.projectId || ns.owner,
    updatedAt: stamp(services.now()),
  });
  if (saved === "gone") throw notFound(`Namespace ${name} not found`);
  if (saved === "duplicate") throw conflict(`Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${newName}`);
  notifyMetadef(services, "metadef_namespace.update", namespacePayload(saved, { oldName: ns.namespace }));
  return namespaceView(saved);
}

/** DELETE /v2/metadefs/namespaces/{ns}: the namespace and everything in it; 403 when protected. */
export async function deleteNamespace(services: Services, ctx: RequestContext, name: string): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, name);
  policy.enforce("delete_metadef_namespace");
  if (ns.protected) throw protectedDelete("namespace", ns.namespace);
  await services.metadefs.deleteNamespace(ns.id);
  notifyMetadef(services, "metadef_namespace.delete", namespacePayload(ns, { deletedAt: stamp(services.now()) }));
}

/**
 * DELETE /v2/metadefs/namespaces/{ns}/{objects,properties,tags}: empties one part of the
 * namespace. Glance checks delete_metadef_namespace (plus delete_metadef_tags for tags) and
 * refuses protected namespaces.
 */
export async function deleteNamespaceContent(services: Services, ctx: RequestContext, name: string, what: "objects" | "properties" | "tags"): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, name);
  policy.enforce("delete_metadef_namespace");
  if (what === "tags") policy.enforce("delete_metadef_tags");
  if (ns.protected) throw protectedDelete("namespace", ns.namespace);
  await services.metadefs.deleteNamespaceContent(ns.id, what);
  notifyMetadef(services, `metadef_namespace.delete_${what}`, namespacePayload(ns));
}
