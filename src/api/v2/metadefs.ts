import { Hono } from "hono";
import { createNamespace } from "../../domain/metadefs/namespace-create";
import { listNamespaces } from "../../domain/metadefs/namespace-list";
import { deleteNamespace, deleteNamespaceContent, showNamespace, updateNamespace } from "../../domain/metadefs/namespaces";
import { createObject, deleteObject, listObjects, showObject, updateObject } from "../../domain/metadefs/objects";
import { isTrue } from "../../domain/metadefs/list-params";
import { createProperty, deleteProperty, listProperties, showProperty, updateProperty } from "../../domain/metadefs/properties";
import { createAssociation, deleteAssociation, listAssociations, listResourceTypes } from "../../domain/metadefs/resource-types";
import { createTag, createTags, deleteTag, listTags, showTag, updateTag } from "../../domain/metadefs/tags";
import type { AppEnv } from "../../env";
import { absoluteUrl } from "../links";
import { readJson } from "../request-body";
import { HttpError } from "../errors";

// /v2/metadefs/* (glance/api/v2/router.py, metadef_*.py): HTTP mapping only.
export const metadefsRoutes = new Hono<AppEnv>();
const r = metadefsRoutes;
const NS = "/namespaces/:ns";

const query = (url: string) => new Map(new URL(url).searchParams);

r.get("/namespaces", async (c) => {
  const url = new URL(c.req.url);
  const page = await listNamespaces(c.get("services"), c.get("ctx"), new Map(url.searchParams));
  const params = new URLSearchParams([...url.searchParams].filter(([k]) => k !== "marker"));
  const body: Record<string, unknown> = { namespaces: page.namespaces };
  if (page.nextMarker !== null) {
    const next = new URLSearchParams(params);
    next.append("marker", page.nextMarker);
    body.next = `/v2/metadefs/namespaces?${next}`;
  }
  body.schema = "/v2/schemas/metadefs/namespaces";
  body.first = `/v2/metadefs/namespaces${params.size ? `?${params}` : ""}`;
  return c.json(body);
});

r.post("/namespaces", async (c) => {
  const services = c.get("services");
  const ns = await createNamespace(services, c.get("ctx"), await readJson(c));
  c.header("Location", absoluteUrl(c, services.settings.publicEndpoint, `/v2/metadefs/namespaces/${ns.namespace}`));
  return c.json(ns, 201);
});

r.get(NS, async (c) => c.json(await showNamespace(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.query("resource_type"))));
r.put(NS, async (c) => c.json(await updateNamespace(c.get("services"), c.get("ctx"), c.req.param("ns"), await readJson(c))));
r.delete(NS, async (c) => {
  await deleteNamespace(c.get("services"), c.get("ctx"), c.req.param("ns"));
  return c.body(null, 204);
});

for (const what of ["objects", "properties", "tags"] as const) {
  r.delete(`${NS}/${what}`, async (c) => {
    await deleteNamespaceContent(c.get("services"), c.get("ctx"), c.req.param("ns"), what);
    return c.body(null, 204);
  });
}

// ---- objects
r.get(`${NS}/objects`, async (c) => c.json({ objects: await listObjects(c.get("services"), c.get("ctx"), c.req.param("ns")), schema: "/v2/schemas/metadefs/objects" }));
r.post(`${NS}/objects`, async (c) => c.json(await createObject(c.get("services"), c.get("ctx"), c.req.param("ns"), await readJson(c)), 201));
r.get(`${NS}/objects/:name`, async (c) => c.json(await showObject(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"))));
r.put(`${NS}/objects/:name`, async (c) => c.json(await updateObject(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"), await readJson(c))));
r.delete(`${NS}/objects/:name`, async (c) => {
  await deleteObject(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"));
  return c.body(null, 204);
});

// ---- properties
r.get(`${NS}/properties`, async (c) => c.json({ properties: await listProperties(c.get("services"), c.get("ctx"), c.req.param("ns")) }));
r.post(`${NS}/properties`, async (c) => c.json(await createProperty(c.get("services"), c.get("ctx"), c.req.param("ns"), await readJson(c)), 201));
r.get(`${NS}/properties/:name`, async (c) =>
  c.json(await showProperty(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"), c.req.query("resource_type"))),
);
r.put(`${NS}/properties/:name`, async (c) => c.json(await updateProperty(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"), await readJson(c))));
r.delete(`${NS}/properties/:name`, async (c) => {
  await deleteProperty(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"));
  return c.body(null, 204);
});

// ---- resource types and associations
r.get("/resource_types", async (c) => c.json({ resource_types: await listResourceTypes(c.get("services"), c.get("ctx")) }));
r.get(`${NS}/resource_types`, async (c) => c.json({ resource_type_associations: await listAssociations(c.get("services"), c.get("ctx"), c.req.param("ns")) }));
r.post(`${NS}/resource_types`, async (c) => c.json(await createAssociation(c.get("services"), c.get("ctx"), c.req.param("ns"), await readJson(c)), 201));
r.delete(`${NS}/resource_types/:rt`, async (c) => {
  await deleteAssociation(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("rt"));
  return c.body(null, 204);
});

// ---- tags
r.get(`${NS}/tags`, async (c) => c.json({ tags: await listTags(c.get("services"), c.get("ctx"), c.req.param("ns"), query(c.req.url)) }));
r.post(`${NS}/tags`, async (c) => {
  const append = isTrue(c.req.header("X-Openstack-Append"));
  return c.json({ tags: await createTags(c.get("services"), c.get("ctx"), c.req.param("ns"), await readJson(c), append) }, 201);
});
r.get(`${NS}/tags/:name`, async (c) => c.json(await showTag(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"))));
r.post(`${NS}/tags/:name`, async (c) => {
  // glance marks this route body_reject.
  if (Number(c.req.header("Content-Length") ?? 0) > 0 || c.req.header("Transfer-Encoding")) throw new HttpError(400, "A body is not expected with this request.");
  return c.json(await createTag(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name")), 201);
});
r.put(`${NS}/tags/:name`, async (c) => c.json(await updateTag(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"), await readJson(c))));
r.delete(`${NS}/tags/:name`, async (c) => {
  await deleteTag(c.get("services"), c.get("ctx"), c.req.param("ns"), c.req.param("name"));
  return c.body(null, 204);
});
