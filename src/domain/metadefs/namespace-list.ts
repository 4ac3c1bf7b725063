import type { RequestContext } from "../context";
import { notFound } from "../errors";
import type { Services } from "../services";
import { type Params, limitParam, sortDir, sortKey, visibilityParam } from "./list-params";
import { MetadefPolicy, isNamespaceVisible } from "./policy";
import type { NamespaceSortKey } from "./types";
import { type Json, associationView, namespaceView } from "./views";

const SORT_KEYS: readonly NamespaceSortKey[] = ["created_at", "updated_at", "namespace", "display_name", "owner", "visibility", "protected", "id"];

export interface NamespacePage {
  namespaces: Json[];
  /** The marker for the next page when this one is full. */
  nextMarker: string | null;
}

/**
 * GET /v2/metadefs/namespaces (glance NamespaceController.index): visible namespaces (admin: all;
 * others: own and public), filtered by visibility and resource types, keyset-paged on a marker
 * namespace name, each with its resource type associations.
 */
export async function listNamespaces(services: Services, ctx: RequestContext, params: Params): Promise<NamespacePage> {
  const limit = limitParam(params, services.settings.apiLimitMax) ?? services.settings.limitParamDefault;
  const q = {
    sortKey: sortKey(params, SORT_KEYS),
    sortDir: sortDir(params),
    visibility: visibilityParam(params, ["public", "private"]) as "public" | "private" | undefined,
  };
  const policy = new MetadefPolicy(services.policy, ctx);
  policy.enforce("get_metadef_namespaces");
  policy.enforce("list_metadef_resource_types");

  const markerName = params.get("marker");
  let marker;
  if (markerName !== undefined) {
    marker = await services.metadefs.getNamespace(markerName);
    if (!marker || !isNamespaceVisible(ctx, marker)) throw notFound(`Metadata definition namespace=${markerName} was not found.`);
  }
  const resourceTypes = params.get("resource_types")?.split(",").filter(Boolean);
  const rows = await services.metadefs.listNamespaces({
    ...q,
    viewer: { isAdmin: ctx.isAdmin, projectId: ctx.projectId },
    resourceTypes: params.has("resource_types") ? resourceTypes : undefined,
    limit,
    marker,
  });
  const visible = rows.filter((ns) => new MetadefPolicy(services.policy, ctx, ns).can("get_metadef_namespace"));
  const associations = await services.metadefs.associationsByNamespace(visible.map((ns) => ns.id));
  return {
    namespaces: visible.map((ns) => namespaceView(ns, { associations: (associations.get(ns.id) ?? []).map((a) => associationView(a)) })),
    nextMarker: visible.length !== 0 && visible.length === limit ? visible[visible.length - 1].namespace : null,
  };
}
