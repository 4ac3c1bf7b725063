import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/domain/context";
import { PolicyEngine, PolicyParseError, parseRule, ruleReferences } from "../../src/domain/policy/engine";
import { DEFAULT_RULES } from "../../src/domain/policy/rules";

const ctx = (projectId: string | null, roles: string[], extra: Partial<RequestContext> = {}): RequestContext => ({
  requestId: "req-test",
  projectId,
  userId: projectId ? `u-${projectId}` : null,
  roles,
  isAdmin: roles.includes("admin"),
  readOnly: false,
  ...extra,
});

describe("oslo.policy check-string semantics", () => {
  const e = new PolicyEngine({
    default: "!",
    always: "@",
    never: "!",
    empty: "",
    a_or_b_and_c: "role:a or role:b and role:c",
    grouped: "(role:a or role:b) and role:c",
    negated: "not role:a",
    owner: "project_id:%(project_id)s",
    lit: "'public':%(visibility)s",
    nested: "rule:owner and rule:lit",
    missing_ref: "rule:nope",
  });
  const t = { project_id: "p1", visibility: "public" };
  it("constants and the empty rule", () => {
    expect(e.check("always", ctx(null, []), {})).toBe(true);
    expect(e.check("never", ctx("p1", ["admin"]), {})).toBe(false);
    expect(e.check("empty", ctx(null, []), {})).toBe(true);
  });
  it("'and' binds tighter than 'or'; parentheses group; not negates", () => {
    expect(e.check("a_or_b_and_c", ctx("p", ["a"]), {})).toBe(true);
    expect(e.check("a_or_b_and_c", ctx("p", ["b"]), {})).toBe(false);
    expect(e.check("a_or_b_and_c", ctx("p", ["b", "c"]), {})).toBe(true);
    expect(e.check("grouped", ctx("p", ["a"]), {})).toBe(false);
    expect(e.check("grouped", ctx("p", ["a", "c"]), {})).toBe(true);
    expect(e.check("negated", ctx("p", ["b"]), {})).toBe(true);
    expect(e.check("negated", ctx("p", ["a"]), {})).toBe(false);
  });
  it("generic checks compare credentials with the interpolated target; literals compare text", () => {
    expect(e.check("owner", ctx("p1", []), t)).toBe(true);
    expect(e.check("owner", ctx("p2", []), t)).toBe(false);
    expect(e.check("owner", ctx(null, []), { project_id: null })).toBe(false);
    expect(e.check("owner", ctx("p1", []), {})).toBe(false); // missing target key
    expect(e.check("lit", ctx(null, []), t)).toBe(true);
    expect(e.check("lit", ctx(null, []), { visibility: "private" })).toBe(false);
    expect(e.check("nested", ctx("p1", []), t)).toBe(true);
  });
  it("unknown rule names fall back to `default`; an undefined rule: reference is false", () => {
    expect(e.check("not_registered", ctx("p", ["admin"]), {})).toBe(false);
    expect(new PolicyEngine({ default: "" }).check("x", ctx(null, []), {})).toBe(true);
    expect(e.check("missing_ref", ctx("p", ["admin"]), {})).toBe(false);
  });
  it("parse errors and references", () => {
    expect(() => parseRule("role:a or (role:b")).toThrow(PolicyParseError);
    expect(() => parseRule("role:a role:b")).toThrow(PolicyParseError);
    expect(() => parseRule("nonsense")).toThrow(PolicyParseError);
    expect(ruleReferences(parseRule("rule:x or (not rule:y and role:z)"))).toEqual(["x", "y"]);
  });
  it("refuses self-recursive rules instead of looping", () => {
    const loop = new PolicyEngine({ a: "rule:b", b: "rule:a" });
    expect(() => loop.check("a", ctx("p", []), {})).toThrow(PolicyParseError);
  });
});

describe("Glance's secure-RBAC defaults", () => {
  const e = new PolicyEngine(DEFAULT_RULES);
  const img = (owner: string, visibility: string, member: string | null = null) => ({ project_id: owner, owner, visibility, member_id: member });
  it("every default parses and refers only to defined rules", () => {
    for (const [name, rule] of Object.entries(DEFAULT_RULES)) {
      for (const ref of ruleReferences(parseRule(rule))) expect(DEFAULT_RULES, `${name} → ${ref}`).toHaveProperty(ref);
    }
  });
  it("get_image: readers of the owner project, members, community/public/shared; not the member role alone", () => {
    expect(e.check("get_image", ctx("A", ["reader"]), img("A", "private"))).toBe(true);
    expect(e.check("get_image", ctx("B", ["reader"]), img("A", "private"))).toBe(false);
    expect(e.check("get_image", ctx("B", ["reader"]), img("A", "community"))).toBe(true);
    expect(e.check("get_image", ctx("B", ["member"]), img("A", "public"))).toBe(false);
    expect(e.check("get_image", ctx("X", ["admin"]), img("A", "private"))).toBe(true);
  });
  it("download needs member, modify needs member of the owner project", () => {
    expect(e.check("download_image", ctx("A", ["reader"]), img("A", "private"))).toBe(false);
    expect(e.check("download_image", ctx("B", ["member"]), img("A", "shared", "B"))).toBe(true);
    expect(e.check("modify_image", ctx("B", ["member"]), img("A", "public"))).toBe(false);
    expect(e.check("modify_image", ctx("A", ["member"]), img("A", "public"))).toBe(true);
  });
  it("members: the owner adds/deletes, only the member project changes its status", () => {
    expect(e.check("add_member", ctx("A", ["member"]), img("A", "shared"))).toBe(true);
    expect(e.check("add_member", ctx("B", ["member"]), img("A", "shared", "B"))).toBe(false);
    expect(e.check("modify_member", ctx("A", ["member"]), img("A", "shared"))).toBe(false);
    expect(e.check("modify_member", ctx("B", ["member"]), img("A", "shared", "B"))).toBe(true);
    expect(e.check("modify_member", ctx("B", ["reader"]), img("A", "shared", "B"))).toBe(false);
    expect(e.check("get_members", ctx("B", ["reader"]), img("A", "shared", "B"))).toBe(true);
    expect(e.check("get_members", ctx("C", ["reader"]), img("A", "shared", "C"))).toBe(true); // the DB decides which rows
  });
  it("admin-only rules", () => {
    for (const rule of ["publicize_image", "copy_image", "tasks_api_access", "metadef_admin", "add_metadef_namespace", "cache_list"]) {
      expect(e.check(rule, ctx("A", ["member", "reader"]), img("A", "private")), rule).toBe(false);
      expect(e.check(rule, ctx("A", ["admin"]), img("A", "private")), rule).toBe(true);
    }
  });
});
