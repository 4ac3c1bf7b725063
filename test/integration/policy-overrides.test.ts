import { describe, expect, it } from "vitest";
import { DEFAULT_RULES } from "../../src/domain/policy/rules";
import { app } from "../../src/wiring";
import { STRICT, TOKENS, makeImage, req } from "../helpers/policy-matrix";

// The policy is configuration: overriding one rule changes exactly the routes that consult it.

const deny = (...rules: string[]) => JSON.stringify(Object.fromEntries(rules.map((r) => [r, "!"])));
const withPolicy = (policy: string) => ({ ...STRICT, POLICY: policy });
const PATCH21 = "application/openstack-images-v2.1-json-patch";

describe("every image/member route consults its policy rule (POLICY overrides)", () => {
  type Case = [rule: string, token: string, run: (vars: Record<string, string>, id: string, queued: string) => Promise<{ status: number }>, denied: number];
  const cases: Case[] = [
    ["get_images", "t-owner", (v) => req(v, "GET", "/v2/images", "t-owner"), 403],
    ["get_image", "t-owner", (v, id) => req(v, "GET", `/v2/images/${id}`, "t-owner"), 404],
    ["add_image", "t-owner", (v) => req(v, "POST", "/v2/images", "t-owner", {}), 403],
    ["modify_image", "t-owner", (v, id) => req(v, "PATCH", `/v2/images/${id}`, "t-owner", [{ op: "add", path: "/a", value: "b" }], PATCH21), 403],
    ["modify_image", "t-owner", (v, id) => req(v, "PUT", `/v2/images/${id}/tags/t1`, "t-owner"), 403],
    ["modify_image", "t-owner", (v, id) => req(v, "DELETE", `/v2/images/${id}/tags/t0`, "t-owner"), 403],
    ["delete_image", "t-owner", (v, id) => req(v, "DELETE", `/v2/images/${id}`, "t-owner"), 403],
    ["upload_image", "t-owner", (v, _, q) => req(v, "PUT", `/v2/images/${q}/file`, "t-owner", new Uint8Array(4)), 403],
    ["download_image", "t-owner", (v, id) => req(v, "GET", `/v2/images/${id}/file`, "t-owner"), 403],
    ["deactivate", "t-owner", (v, id) => req(v, "POST", `/v2/images/${id}/actions/deactivate`, "t-owner"), 403],
    ["communitize_image", "t-owner", (v, id) => req(v, "PATCH", `/v2/images/${id}`, "t-owner", [{ op: "replace", path: "/visibility", value: "community" }], PATCH21), 403],
    ["publicize_image", "t-admin", (v) => req(v, "POST", "/v2/images", "t-admin", { visibility: "public" }), 403],
    ["add_member", "t-owner", (v, id) => req(v, "POST", `/v2/images/${id}/members`, "t-owner", { member: "projC" }), 403],
    ["get_members", "t-owner", (v, id) => req(v, "GET", `/v2/images/${id}/members`, "t-owner"), 403],
    ["get_member", "t-owner", (v, id) => req(v, "GET", `/v2/images/${id}/members/projB`, "t-owner"), 404],
    ["modify_member", "t-other", (v, id) => req(v, "PUT", `/v2/images/${id}/members/projB`, "t-other", { status: "accepted" }), 403],
    ["delete_member", "t-owner", (v, id) => req(v, "DELETE", `/v2/images/${id}/members/projB`, "t-owner"), 403],
  ];
  for (const [rule, token, run, denied] of cases) {
    it(`${rule} → ${denied} when denied, allowed by default (${token})`, async () => {
      const setup = async () => {
        const id = await makeImage("shared-pending", true);
        await req(STRICT, "PUT", `/v2/images/${id}/tags/t0`, "t-owner");
        return { id, queued: await makeImage("shared-pending", false) };
      };
      const a = await setup();
      expect((await run(withPolicy(deny(rule)), a.id, a.queued)).status).toBe(denied);
      const b = await setup();
      expect((await run(STRICT, b.id, b.queued)).status).toBeLessThan(300);
    });
  }

  it("context_is_admin decides who is an admin (DB visibility included)", async () => {
    const id = await makeImage("private", false);
    expect((await req(STRICT, "GET", `/v2/images/${id}`, "t-admin")).status).toBe(200);
    // With admin reduced to its roles, another project's private image is out of sight.
    const vars = withPolicy(JSON.stringify({ context_is_admin: "role:cloud_admin" }));
    expect((await req(vars, "GET", `/v2/images/${id}`, "t-admin")).status).toBe(404);
    // ...and a custom role can be made admin.
    const custom = { ...vars, STATIC_TOKENS: JSON.stringify({ ...TOKENS, "t-cloud": "ops:cloud_admin" }) };
    expect((await req(custom, "GET", `/v2/images/${id}`, "t-cloud")).status).toBe(404); // get_image still needs role:admin or reader
    const custom2 = { ...custom, POLICY: JSON.stringify({ context_is_admin: "role:cloud_admin", get_image: "rule:context_is_admin" }) };
    expect((await req(custom2, "GET", `/v2/images/${id}`, "t-cloud")).status).toBe(200);
  });

  it("accepts a YAML policy document (policy.yaml), comments and quoting included", async () => {
    const yaml = [
      "# Glance policy overrides",
      '"modify_image": "role:admin"   # only admins edit',
      "'delete_image': 'role:admin or (role:member and project_id:%(project_id)s)'",
      "add_member: rule:context_is_admin",
      "",
    ].join("\n");
    const vars = withPolicy(yaml);
    const id = await makeImage("shared-pending", false);
    expect((await req(vars, "PATCH", `/v2/images/${id}`, "t-owner", [{ op: "add", path: "/a", value: "b" }], PATCH21)).status).toBe(403);
    expect((await req(vars, "PATCH", `/v2/images/${id}`, "t-admin", [{ op: "add", path: "/a", value: "b" }], PATCH21)).status).toBe(200);
    expect((await req(vars, "POST", `/v2/images/${id}/members`, "t-owner", { member: "projZ" })).status).toBe(403);
    expect((await req(vars, "DELETE", `/v2/images/${id}`, "t-owner")).status).toBe(204);
  });

  const invalid: [string, string, string][] = [
    ["malformed JSON", '{"get_image": ', "not valid JSON"],
    ["a JSON array", '["get_image"]', "JSON object"],
    ["a non-string rule", '{"get_image": true}', 'rule "get_image" must be a string'],
    ["an unparsable rule", '{"get_image": "role:admin or ("}', 'rule "get_image"'],
    ["an undefined rule reference", '{"get_image": "rule:no_such_rule"}', "undefined rule(s): no_such_rule"],
    ["nested YAML", "get_image:\n  - role:admin\n", "line 2"],
    ["a YAML line without a value", "get_image:\n", 'rule "get_image" has no value'],
  ];
  for (const [what, doc, message] of invalid) {
    it(`refuses a POLICY with ${what}, saying why`, async () => {
      const res = await req(withPolicy(doc), "GET", "/v2/images", "t-owner");
      expect(res.status).toBe(500);
      expect(res.json.message).toContain("invalid POLICY");
      expect(res.json.message).toContain(message);
    });
  }
});

// Glance applies no policy to these (schemas, import methods, store list, usage).
const UNPOLICED = [/^GET \/v2\/schemas\//, /^GET \/v2\/info\/(import|stores|usage)$/];

describe("no route escapes the policy engine", () => {
  it("with every rule denied, no policed route answers 2xx, even for an admin", async () => {
    const id = await makeImage("shared-pending", true);
    await req(STRICT, "PUT", `/v2/images/${id}/tags/t0`, "t-owner");
    const queued = await makeImage("shared-pending", false);
    const ns = `ns-${crypto.randomUUID().slice(0, 8)}`;
    await req(STRICT, "POST", "/v2/metadefs/namespaces", "t-admin", { namespace: ns, visibility: "public" });
    const allDenied = withPolicy(deny(...Object.keys(DEFAULT_RULES)));
    const seen = new Set<string>();
    const leaks: string[] = [];
    const forbidden: string[] = [];
    for (const route of app.routes) {
      if (route.method === "ALL" || !route.path.startsWith("/v2/")) continue;
      const key = `${route.method} ${route.path}`;
      if (seen.has(key) || UNPOLICED.some((re) => re.test(key))) continue;
      seen.add(key);
      const path = route.path
        .replace(/:action\{[^}]+\}/, "deactivate")
        .replace(/:id(\{[^}]+\})?/, route.method === "PUT" && route.path.endsWith("/file") ? queued : id)
        .replace(/:member\b/, "projB")
        .replace(/:tag\b/, "t0")
        .replace(/:ns\b/, ns)
        .replace(/:[A-Za-z_]+(\{[^}]+\})?/g, "x");
      const body =
        route.method === "PUT" && (route.path.endsWith("/file") || route.path.endsWith("/stage"))
          ? new Uint8Array(4)
          : route.method === "PATCH"
            ? [{ op: "add", path: "/a", value: "b" }]
            : ["POST", "PUT"].includes(route.method)
              ? { member: "projC", status: "accepted", namespace: `${ns}-2`, name: "n", title: "t", type: "string", tags: [{ name: "x" }], method: { name: "glance-direct" }, input: {} }
              : undefined;
      const res = await req(allDenied, route.method, path, "t-admin", body, route.method === "PATCH" ? PATCH21 : "application/json");
      if (res.status < 300) leaks.push(`${route.method} ${path} → ${res.status}`);
      if (res.status === 403) forbidden.push(key);
    }
    expect(seen.size).toBeGreaterThan(10);
    // Denials show as 403, or as 404 where failing get_image (or get_metadef_namespace) masks them.
    expect(forbidden).toEqual(expect.arrayContaining(["GET /v2/images", "POST /v2/images"]));
    expect(leaks).toEqual([]);
  });
});
