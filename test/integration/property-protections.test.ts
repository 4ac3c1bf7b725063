import { describe, expect, it } from "vitest";
import { fetchWith } from "../helpers/app-with";

const OWNER = "projA:member,reader";
const READER = "projA:reader";
const ADMIN = "admin:admin,member,reader";
const PATCH21 = "application/openstack-images-v2.1-json-patch";

// The "roles" format, with every kind of entry: role lists, "@" (everyone), "!" (nobody), empty
// (nobody), sections matched in order, and a catch-all last.
const ROLES_DOC = `
# comments and blank lines are ignored
[^x_owner_.*]
create = admin,member
read = admin,member,reader
update = admin,member
delete = admin,member

[^x_admin_]
create = admin
read = admin
update = admin
delete = admin

[^x_ro_]
create = admin
read = @
update = admin
delete = admin

[^x_blind_]
create = @
read = !
update = !
delete = !

[^x_frozen_]
create = member
read = @
update =
delete =

[.*]
create = @
read = @
update = @
delete = @
`;

// The "policies" format: one policy rule per operation, defined in (or added to) the POLICY document.
const POLICIES_DOC = `
[^x_billing_]
create = billing_writer
read = default
update = billing_writer
delete = context_is_admin

[^x_open_]
create = default
read = default
update = default
delete = default
`;
const POLICY_YAML = `# a policy.yaml
"billing_writer": "role:admin or role:billing"
`;

function client(vars: Record<string, string>) {
  const call = async (method: string, path: string, token: string, body?: unknown, contentType = "application/json") => {
    const r = await fetchWith(
      vars,
      new Request(`http://localhost${path}`, {
        method,
        headers: { "X-Auth-Token": token, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": contentType }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    create: (token: string, props: Record<string, unknown>) => call("POST", "/v2/images", token, { name: "pp", ...props }),
    show: (token: string, id: string) => call("GET", `/v2/images/${id}`, token),
    patch: (token: string, id: string, ops: unknown[]) => call("PATCH", `/v2/images/${id}`, token, ops, PATCH21),
  };
}

const roles = client({ PROPERTY_PROTECTIONS: ROLES_DOC, GLANCE_CONFIG: JSON.stringify({ property_protection_rule_format: "roles" }) });

describe("property protections, roles format", () => {
  it("create: allowed roles may set a property; others get 403 'reserved'", async () => {
    const ok = await roles.create(OWNER, { x_owner_a: "1", anything: "2" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ x_owner_a: "1", anything: "2" });
    const denied = await roles.create(OWNER, { x_admin_a: "1" });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain("Attribute 'x_admin_a' is reserved.");
    expect((await roles.create(OWNER, { x_frozen_a: "1" })).status).toBe(201);
    expect((await roles.create(ADMIN, { x_admin_a: "1" })).status).toBe(201);
  });

  it("read: unreadable properties are omitted from show, list, create and patch responses", async () => {
    const img = await roles.create(ADMIN, { owner: "projA", x_admin_secret: "s", x_owner_b: "o", x_blind_c: "b" });
    expect(img.status).toBe(201);
    expect(img.body.x_admin_secret).toBe("s");
    expect(img.body).not.toHaveProperty("x_blind_c");
    const shown = await roles.show(OWNER, img.body.id);
    expect(shown.status).toBe(200);
    expect(shown.body).not.toHaveProperty("x_admin_secret");
    expect(shown.body.x_owner_b).toBe("o");
    const listed = (await roles.call("GET", "/v2/images?limit=1000", OWNER)).body.images.find((i: any) => i.id === img.body.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty("x_admin_secret");
    expect((await roles.show(READER, img.body.id)).body.x_owner_b).toBe("o");
    // Writing a property one may not read: it does not exist for the caller.
    const created = await roles.create(OWNER, { x_blind_mine: "v" });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("x_blind_mine");
  });

  it("update/delete: allowed → 200; denied → 403; unreadable → 409 as if absent", async () => {
    const img = (await roles.create(ADMIN, { owner: "projA", x_admin_k: "a", x_ro_k: "r", x_owner_k: "o", x_frozen_k: "f" })).body;
    const id = img.id;
    const up = await roles.patch(OWNER, id, [{ op: "replace", path: "/x_owner_k", value: "o2" }]);
    expect(up.status).toBe(200);
    expect(up.body.x_owner_k).toBe("o2");
    expect(up.body).not.toHaveProperty("x_admin_k");
    const ro = await roles.patch(OWNER, id, [{ op: "replace", path: "/x_ro_k", value: "r2" }]);
    expect(ro.status).toBe(403);
    expect(ro.body.message).toContain("Attribute 'x_ro_k' is reserved.");
    expect((await roles.patch(OWNER, id, [{ op: "remove", path: "/x_ro_k" }])).status).toBe(403);
    expect((await roles.patch(OWNER, id, [{ op: "add", path: "/x_frozen_k", value: "f2" }])).status).toBe(403);
    expect((await roles.patch(OWNER, id, [{ op: "remove", path: "/x_frozen_k" }])).status).toBe(403);
    expect((await roles.patch(OWNER, id, [{ op: "replace", path: "/x_admin_k", value: "z" }])).status).toBe(409);
    expect((await roles.patch(OWNER, id, [{ op: "remove", path: "/x_admin_k" }])).status).toBe(409);
    expect((await roles.patch(OWNER, id, [{ op: "add", path: "/x_admin_k", value: "z" }])).status).toBe(403);
    expect((await roles.patch(OWNER, id, [{ op: "remove", path: "/x_owner_k" }])).status).toBe(200);
    // A failed patch changed nothing; the owner's successful patches kept the hidden properties.
    const admin = await roles.show(ADMIN, id);
    expect(admin.body).toMatchObject({ x_admin_k: "a", x_ro_k: "r", x_frozen_k: "f" });
    expect(admin.body).not.toHaveProperty("x_owner_k");
    expect((await roles.patch(ADMIN, id, [{ op: "replace", path: "/x_admin_k", value: "a2" }])).body.x_admin_k).toBe("a2");
  });

  it("a property matching no section is denied everything", async () => {
    const strict = client({ PROPERTY_PROTECTIONS: "[^x_]\ncreate = @\nread = @\nupdate = @\ndelete = @\n" });
    expect((await strict.create(ADMIN, { x_ok: "1" })).status).toBe(201);
    const r = await strict.create(ADMIN, { other: "1" });
    expect(r.status).toBe(403);
    // Base attributes are not properties: never protected.
    expect((await strict.create(OWNER, { name: "n", min_ram: 5, tags: ["t"] })).status).toBe(201);
  });

  it("sections are tried in order: the first match decides", async () => {
    const doc = "[^x_]\ncreate = admin\nread = admin\nupdate = admin\ndelete = admin\n[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n";
    const c = client({ PROPERTY_PROTECTIONS: doc });
    expect((await c.create(OWNER, { x_a: "1" })).status).toBe(403);
    expect((await c.create(OWNER, { y_a: "1" })).status).toBe(201);
  });
});

describe("property protections, policies format", () => {
  const pol = client({
    PROPERTY_PROTECTIONS: POLICIES_DOC,
    POLICY: POLICY_YAML,
    GLANCE_CONFIG: JSON.stringify({ property_protection_rule_format: "policies" }),
  });
  const BILLING = "projA:member,reader,billing";

  it("each operation is decided by its policy rule", async () => {
    expect((await pol.create(OWNER, { x_billing_code: "1" })).status).toBe(403);
    const img = await pol.create(BILLING, { x_billing_code: "1", x_open_a: "2" });
    expect(img.status).toBe(201);
    const id = img.body.id;
    expect((await pol.show(READER, id)).body.x_billing_code).toBe("1");
    expect((await pol.patch(OWNER, id, [{ op: "replace", path: "/x_billing_code", value: "2" }])).status).toBe(403);
    expect((await pol.patch(BILLING, id, [{ op: "replace", path: "/x_billing_code", value: "2" }])).status).toBe(200);
    expect((await pol.patch(BILLING, id, [{ op: "remove", path: "/x_billing_code" }])).status).toBe(403);
    expect((await pol.patch(ADMIN, id, [{ op: "remove", path: "/x_billing_code" }])).status).toBe(200);
    // No section matches → denied.
    expect((await pol.create(ADMIN, { other: "1" })).status).toBe(403);
  });
});

describe("property protection documents are validated", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["a section without all four operations", { PROPERTY_PROTECTIONS: "[^x_]\ncreate = admin\nread = admin\n" }, 'has no "update"'],
    ["an invalid regular expression", { PROPERTY_PROTECTIONS: "[x_(]\ncreate = @\nread = @\nupdate = @\ndelete = @\n" }, "not a valid regular expression"],
    ["@ and ! together", { PROPERTY_PROTECTIONS: "[x]\ncreate = @,!\nread = @\nupdate = @\ndelete = @\n" }, "mutually exclusive"],
    [
      "two policies for one operation",
      { PROPERTY_PROTECTIONS: "[x]\ncreate = a,b\nread = default\nupdate = default\ndelete = default\n", GLANCE_CONFIG: JSON.stringify({ property_protection_rule_format: "policies" }) },
      "only one policy",
    ],
    [
      "an undefined policy",
      { PROPERTY_PROTECTIONS: "[x]\ncreate = nosuch\nread = default\nupdate = default\ndelete = default\n", GLANCE_CONFIG: JSON.stringify({ property_protection_rule_format: "policies" }) },
      "not defined: nosuch",
    ],
    ["an unknown rule format", { PROPERTY_PROTECTIONS: "[x]\n", GLANCE_CONFIG: JSON.stringify({ property_protection_rule_format: "acl" }) }, "property_protection_rule_format"],
    ["an option outside any section", { PROPERTY_PROTECTIONS: "create = @\n" }, "outside any [section]"],
  ];
  for (const [what, vars, message] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await client(vars).call("GET", "/v2/images", OWNER);
      expect(r.status).toBe(500);
      expect(r.body.message).toContain(message);
    });
  }

  it("[DEFAULT] values apply to every section, as in Glance's configparser", async () => {
    const c = client({ PROPERTY_PROTECTIONS: "[DEFAULT]\nread = @\nupdate = admin\ndelete = admin\n[^x_]\ncreate = @\n" });
    const img = await c.create(OWNER, { x_a: "1" });
    expect(img.status).toBe(201);
    expect(img.body.x_a).toBe("1");
    expect((await c.patch(OWNER, img.body.id, [{ op: "remove", path: "/x_a" }])).status).toBe(403);
  });
});
