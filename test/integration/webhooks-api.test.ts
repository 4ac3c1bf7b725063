import { describe, expect, it } from "vitest";
import { ADMIN, call, json } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";
import { HOOKS, createHook, deliveries, hook, project, projectOf, uniq } from "../helpers/webhooks";

// The /v2/webhooks resource: every route's success, error, other-project and admin cases.
const FIELDS = ["created_at", "disabled_reason", "enabled", "events", "failure_count", "id", "owner", "schema", "self", "target_url", "updated_at"];
const target = (id = uniq("api")) => `${HOOKS}/ok?id=${id}`;
const readerOf = (token: string) => `${projectOf(token)}:reader`;

describe("POST /v2/webhooks", () => {
  it("creates a subscription: 201, Location, the secret once, the project as owner", async () => {
    const owner = project();
    const r = await call("POST", "/v2/webhooks", { token: owner, body: { target_url: target("c1"), events: ["image.*", "task.success"] } });
    expect(r.status).toBe(201);
    const body = await json(r);
    expect(r.headers.get("Location")).toBe(`http://localhost/v2/webhooks/${body.id}`);
    expect(Object.keys(body).sort()).toEqual([...FIELDS, "secret"].sort());
    expect(body).toMatchObject({ target_url: target("c1"), events: ["image.*", "task.success"], enabled: true, owner: projectOf(owner), disabled_reason: null, failure_count: 0 });
    expect(body.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const shown = await hook(owner, body.id);
    expect(Object.keys(shown).sort()).toEqual(FIELDS);
    expect(JSON.stringify(shown)).not.toContain(body.secret);
  });

  it("defaults events to image.* and accepts every group and exact type", async () => {
    const owner = project();
    expect((await createHook(owner, { target_url: target() })).events).toEqual(["image.*"]);
    const all = ["image.*", "image.member.*", "task.*", "metadef.*", "metadef_namespace.create", "image.activate"];
    expect((await createHook(owner, { target_url: target(), events: all, enabled: false })).events).toEqual(all);
  });

  it("refuses bad bodies with 400 and read-only fields with 403", async () => {
    const owner = project();
    const cases: [unknown, number, string][] = [
      [{}, 400, "'target_url' is a required property"],
      [{ target_url: 5 }, 400, "is not of type 'string'"],
      [{ target_url: target(), events: [] }, 400, "non-empty array"],
      [{ target_url: target(), events: ["image.nope"] }, 400, "Unknown event filter 'image.nope'"],
      [{ target_url: target(), events: ["*"] }, 400, "Unknown event filter"],
      [{ target_url: target(), enabled: "yes" }, 400, "'boolean'"],
      [{ target_url: target(), colour: "red" }, 400, "'colour' was unexpected"],
      [{ target_url: target(), owner: "someone" }, 403, "Attribute 'owner' is read-only."],
      [{ target_url: target(), secret: "mine" }, 403, "Attribute 'secret' is read-only."],
      [[{ target_url: target() }], 400, "Expected dict"],
    ];
    for (const [body, status, message] of cases) {
      const r = await call("POST", "/v2/webhooks", { token: owner, body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect((await r.text()), JSON.stringify(body)).toContain(message);
    }
    expect((await call("GET", "/v2/webhooks", { token: owner }).then(json)).webhooks).toEqual([]);
  });

  it("refuses target URLs the web-download filter refuses (400): loopback, private, metadata, other ports and schemes", async () => {
    const owner = project();
    for (const url of ["http://127.0.0.1/h", "http://localhost/h", "http://10.0.0.8/h", "http://169.254.169.254/latest", "http://[::1]/h", "http://metadata.google.internal/", "http://hooks.example.com:8080/h", "ftp://hooks.example.com/h", "not a url"]) {
      const r = await call("POST", "/v2/webhooks", { token: owner, body: { target_url: url } });
      expect(r.status, url).toBe(400);
      expect(await r.text(), url).toContain("Invalid target_url");
    }
  });

  it("lets an allow-listed host in (webhook_filtering_opts), independently of import_filtering_opts", async () => {
    const vars = { GLANCE_CONFIG: JSON.stringify({ webhook_filtering_opts: { allowed_hosts: ["10.0.0.8"], allowed_ports: [8080] } }) };
    const make = (url: string) =>
      fetchWith(vars, new Request("http://localhost/v2/webhooks", { method: "POST", headers: { "X-Auth-Token": project(), "Content-Type": "application/json" }, body: JSON.stringify({ target_url: url }) }));
    expect((await make("http://10.0.0.8:8080/h")).status).toBe(201);
    expect((await make("https://hooks.example.com/h")).status).toBe(400);
  });

  it("needs the member role (a reader gets 403) and a writable context", async () => {
    const r = await call("POST", "/v2/webhooks", { token: readerOf(project()), body: { target_url: target() } });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain("add_webhook");
  });

  it("follows a POLICY override of add_webhook", async () => {
    const vars = { POLICY: JSON.stringify({ add_webhook: "role:admin" }) };
    const req = (token: string) =>
      fetchWith(vars, new Request("http://localhost/v2/webhooks", { method: "POST", headers: { "X-Auth-Token": token, "Content-Type": "application/json" }, body: JSON.stringify({ target_url: target() }) }));
    expect((await req(project())).status).toBe(403);
    expect((await req(`${uniq("adm")}:admin,member,reader`)).status).toBe(201);
  });
});

describe("GET /v2/webhooks", () => {
  it("lists the caller's project only, newest first, paged with limit/marker, first and next", async () => {
    const owner = project();
    const other = project();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createHook(owner, { target_url: target() })).id);
    await createHook(other, { target_url: target() });
    const all = await json(await call("GET", "/v2/webhooks", { token: owner }));
    expect(all.webhooks.map((w: any) => w.id)).toEqual([...ids].reverse());
    expect(all).toMatchObject({ first: "/v2/webhooks", schema: "/v2/schemas/webhooks" });
    expect(all.next).toBeUndefined();
    const p1 = await json(await call("GET", "/v2/webhooks?limit=2", { token: owner }));
    expect(p1.webhooks.map((w: any) => w.id)).toEqual([ids[2], ids[1]]);
    expect(p1.next).toBe(`/v2/webhooks?limit=2&marker=${ids[1]}`);
    const p2 = await json(await call("GET", p1.next, { token: owner }));
    expect(p2.webhooks.map((w: any) => w.id)).toEqual([ids[0]]);
    expect(p2.next).toBeUndefined();
  });

  it("lets an admin see every project's subscriptions", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    let seen = false;
    let next: string | undefined = "/v2/webhooks?limit=1000";
    while (next && !seen) {
      const page: any = await json(await call("GET", next, { token: ADMIN }));
      seen = page.webhooks.some((w: any) => w.id === id && w.owner === projectOf(owner));
      next = page.next;
    }
    expect(seen).toBe(true);
  });

  it("refuses a bad limit or a marker the caller cannot see (400)", async () => {
    const owner = project();
    const { id } = await createHook(project(), { target_url: target() });
    for (const q of ["limit=x", "limit=-1", `marker=${id}`, "marker=nope"]) expect((await call("GET", `/v2/webhooks?${q}`, { token: owner })).status, q).toBe(400);
  });

  it("needs a reader role in a project", async () => {
    expect((await call("GET", "/v2/webhooks", { token: `${uniq("p")}:member` })).status).toBe(403);
  });
});

describe("GET/PATCH/DELETE /v2/webhooks/{id}", () => {
  it("shows a subscription to its project (readers too) and to admin; 404 for another project", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    expect((await call("GET", `/v2/webhooks/${id}`, { token: owner })).status).toBe(200);
    expect((await call("GET", `/v2/webhooks/${id}`, { token: readerOf(owner) })).status).toBe(200);
    expect((await call("GET", `/v2/webhooks/${id}`, { token: ADMIN })).status).toBe(200);
    const hidden = await call("GET", `/v2/webhooks/${id}`, { token: project() });
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toContain(`No webhook found with ID ${id}`);
    expect((await call("GET", `/v2/webhooks/${crypto.randomUUID()}`, { token: owner })).status).toBe(404);
  });

  it("updates target_url, events and enabled (PATCH, a JSON object of the fields)", async () => {
    const owner = project();
    const created = await createHook(owner, { target_url: target() });
    const r = await call("PATCH", `/v2/webhooks/${created.id}`, { token: owner, body: { target_url: target("moved"), events: ["task.*"], enabled: false } });
    expect(r.status).toBe(200);
    const saved = await json(r);
    expect(saved).toMatchObject({ id: created.id, target_url: target("moved"), events: ["task.*"], enabled: false, disabled_reason: null, owner: projectOf(owner) });
    expect(await hook(owner, created.id)).toEqual(saved);
  });

  it("refuses bad PATCH bodies (400), read-only fields (403), a reader (403), another project (404)", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    const p = (body: unknown, token = owner) => call("PATCH", `/v2/webhooks/${id}`, { token, body });
    expect((await p({})).status).toBe(400);
    expect((await p({ target_url: "http://192.168.0.1/" })).status).toBe(400);
    expect((await p({ events: ["nope.*"] })).status).toBe(400);
    expect((await p([{ op: "replace", path: "/enabled", value: false }])).status).toBe(400);
    expect((await p({ failure_count: 0 })).status).toBe(403);
    expect((await p({ enabled: false }, readerOf(owner))).status).toBe(403);
    expect((await p({ enabled: false }, project())).status).toBe(404);
    expect((await hook(owner, id)).enabled).toBe(true);
    expect((await p({ enabled: false }, ADMIN)).status).toBe(200);
    expect((await hook(owner, id)).enabled).toBe(false);
  });

  it("deletes: 204, then 404; another project gets 404 and a reader 403, the subscription stays", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    expect((await call("DELETE", `/v2/webhooks/${id}`, { token: project() })).status).toBe(404);
    expect((await call("DELETE", `/v2/webhooks/${id}`, { token: readerOf(owner) })).status).toBe(403);
    expect((await call("GET", `/v2/webhooks/${id}`, { token: owner })).status).toBe(200);
    const r = await call("DELETE", `/v2/webhooks/${id}`, { token: owner });
    expect(r.status).toBe(204);
    expect(await r.text()).toBe("");
    expect((await call("GET", `/v2/webhooks/${id}`, { token: owner })).status).toBe(404);
    expect((await call("DELETE", `/v2/webhooks/${id}`, { token: owner })).status).toBe(404);
    const byAdmin = await createHook(owner, { target_url: target() });
    expect((await call("DELETE", `/v2/webhooks/${byAdmin.id}`, { token: ADMIN })).status).toBe(204);
  });

  it("follows POLICY overrides: get_webhook denied hides (404), modify_webhook denied refuses (403)", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    const req = (rules: Record<string, string>, method: string, body?: unknown) =>
      fetchWith(
        { POLICY: JSON.stringify(rules) },
        new Request(`http://localhost/v2/webhooks/${id}`, { method, headers: { "X-Auth-Token": owner, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
    expect((await req({ get_webhook: "role:admin" }, "GET")).status).toBe(404);
    expect((await req({ get_webhook: "role:admin" }, "PATCH", { enabled: false })).status).toBe(404);
    expect((await req({ modify_webhook: "role:admin" }, "PATCH", { enabled: false })).status).toBe(403);
    expect((await req({ delete_webhook: "!" }, "DELETE")).status).toBe(403);
    expect((await hook(owner, id)).enabled).toBe(true);
  });

  it("answers 405 with Allow for other methods", async () => {
    const r = await call("PUT", `/v2/webhooks/${crypto.randomUUID()}`, { body: {} });
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toContain("PATCH");
  });
});

describe("POST /v2/webhooks/{id}/rotate-secret", () => {
  it("gives a new secret once; another project gets 404, a reader 403", async () => {
    const owner = project();
    const created = await createHook(owner, { target_url: target() });
    expect((await call("POST", `/v2/webhooks/${created.id}/rotate-secret`, { token: project() })).status).toBe(404);
    expect((await call("POST", `/v2/webhooks/${created.id}/rotate-secret`, { token: readerOf(owner) })).status).toBe(403);
    const r = await call("POST", `/v2/webhooks/${created.id}/rotate-secret`, { token: owner });
    expect(r.status).toBe(200);
    const rotated = await json(r);
    expect(rotated.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await hook(owner, created.id)).secret).toBeUndefined();
  });
});

describe("the delivery log and redelivery routes", () => {
  it("GET deliveries: empty for a new subscription; 404 for another project; admin may read it", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    expect(await deliveries(owner, id)).toEqual([]);
    expect((await call("GET", `/v2/webhooks/${id}/deliveries`, { token: project() })).status).toBe(404);
    expect((await call("GET", `/v2/webhooks/${id}/deliveries`, { token: ADMIN })).status).toBe(200);
  });

  it("POST redeliver: 404 for a delivery not in the log and for another project", async () => {
    const owner = project();
    const { id } = await createHook(owner, { target_url: target() });
    const path = `/v2/webhooks/${id}/deliveries/${crypto.randomUUID()}/redeliver`;
    const r = await call("POST", path, { token: owner });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("in the log of webhook");
    expect((await call("POST", path, { token: project() })).status).toBe(404);
  });
});

describe("/v2/schemas/webhook(s)", () => {
  it("serves both documents, listing every field a webhook has", async () => {
    const one = await json(await call("GET", "/v2/schemas/webhook"));
    expect(one.name).toBe("webhook");
    expect(Object.keys(one.properties).sort()).toEqual([...FIELDS, "secret"].sort());
    expect(one.required).toEqual(["target_url"]);
    const many = await json(await call("GET", "/v2/schemas/webhooks"));
    expect(many.name).toBe("webhooks");
    expect(many.properties.webhooks.items.name).toBe("webhook");
    expect(many.links.map((l: any) => l.rel)).toEqual(["first", "next", "describedby"]);
  });
});
