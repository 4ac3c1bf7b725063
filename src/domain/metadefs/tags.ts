import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { assertMutable } from "../policy/image-policy";
import type { Services } from "../services";
import { duplicateTag } from "./namespace-create";
import { notifyMetadef, tagPayload } from "./notifications";
import { type Params, limitParam, sortDir, sortKey, stamp, visibilityParam } from "./list-params";
import { loadNamespace, protectedDelete } from "./policy";
import { TAGS_RULE, TAG_RULE, checkBody } from "./schemas";
import type { MetadefNamespace, MetadefTag, TagSortKey } from "./types";
import { validate } from "./validate";
import { type Json, tagView } from "./views";

const SORT_KEYS: readonly TagSortKey[] = ["created_at", "updated_at", "name", "id"];
const tagNotFound = (name: string) => notFound(`Could not find metadata tag ${name}`);

async function loadTag(services: Services, ns: MetadefNamespace, name: string): Promise<MetadefTag> {
  const tag = await services.metadefs.getTag(ns.id, name);
  if (!tag) throw tagNotFound(name);
  return tag;
}

/** GET .../tags: names only, sorted (created_at desc by default), optionally paged by tag name. */
export async function listTags(services: Services, ctx: RequestContext, namespace: string, params: Params): Promise<Json[]> {
  const q = { sortKey: sortKey(params, SORT_KEYS), sortDir: sortDir(params), limit: limitParam(params, Number.MAX_SAFE_INTEGER) };
  visibilityParam(params, ["public", "private", "shared"]);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("get_metadef_tags");
  const markerName = params.get("marker");
  const marker = markerName ? await loadTag(services, ns, markerName) : undefined;
  const tags = await services.metadefs.listTags(ns.id, { ...q, marker });
  return tags.map((t) => tagView(t, false));
}

/** POST .../tags/{name} (no body). */
export async function createTag(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<Json> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  validate("tag", { name }, TAG_RULE);
  policy.enforce("add_metadef_tag");
  const tag = await services.metadefs.createTag(ns.id, name, stamp(services.now()));
  if (tag === "gone") throw notFound(`Namespace ${namespace} not found`);
  if (tag === "duplicate") throw duplicateTag(name, ns.namespace);
  notifyMetadef(services, "metadef_tag.create", tagPayload(ns.namespace, tag));
  return tagView(tag);
}

/**
 * POST .../tags {"tags": [...]}: replaces every tag of the namespace, or adds to them with
 * `X-Openstack-Append: true`; all or nothing, 409 on any duplicate. An empty list changes nothing.
 */
export async function createTags(services: Services, ctx: RequestContext, namespace: string, raw: unknown, append: boolean): Promise<Json[]> {
  assertMutable(ctx);
  const body = checkBody("tags", raw, TAGS_RULE);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("add_metadef_tags");
  const names = (body.tags as { name: string }[]).map((t) => t.name);
  if (names.length === 0) return [];
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw duplicateTag(n, ns.namespace);
    seen.add(n);
  }
  const tags = await services.metadefs.createTags(ns.id, names, append, stamp(services.now()));
  if (tags === "gone") throw notFound(`Namespace ${namespace} not found`);
  if (tags === "duplicate") {
    const existing = new Set((await services.metadefs.listTags(ns.id, { sortKey: "id", sortDir: "asc" })).map((t) => t.name));
    throw duplicateTag(names.find((n) => existing.has(n)) ?? names[0], ns.namespace);
  }
  for (const t of tags) notifyMetadef(services, "metadef_tag.create", tagPayload(ns.namespace, t));
  return tags.map((t) => tagView(t, false));
}

export async function showTag(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<Json> {
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("get_metadef_tag");
  return tagView(await loadTag(services, ns, name));
}

/** PUT .../tags/{name} {"name": new}: renames the tag. */
export async function updateTag(services: Services, ctx: RequestContext, namespace: string, name: string, raw: unknown): Promise<Json> {
  assertMutable(ctx);
  const body = checkBody("tag", raw, TAG_RULE);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("modify_metadef_tag");
  const current = await loadTag(services, ns, name);
  const newName = body.name as string;
  const saved = await services.metadefs.updateTag(current.id, newName, stamp(services.now()));
  if (saved === "gone") throw tagNotFound(name);
  if (saved === "duplicate") throw duplicateTag(newName, ns.namespace);
  notifyMetadef(services, "metadef_tag.update", tagPayload(ns.namespace, saved, { oldName: current.name }));
  return tagView(saved);
}

export async function deleteTag(services: Services, ctx: RequestContext, namespace: string, name: string): Promise<void> {
  assertMutable(ctx);
  const { ns, policy } = await loadNamespace(services, ctx, namespace);
  policy.enforce("delete_metadef_tag");
  const tag = await loadTag(services, ns, name);
  if (ns.protected) throw protectedDelete("tag", tag.name);
  await services.metadefs.deleteTag(tag.id);
  notifyMetadef(services, "metadef_tag.delete", tagPayload(ns.namespace, tag, { deletedAt: stamp(services.now()) }));
}
