import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/domain/context";
import { PolicyEngine, PolicyParseError, parseRule } from "../../src/domain/policy/engine";
import { DEFAULT_RULES } from "../../src/domain/policy/rules";

const ctx = (projectId: string | null, roles: string[]): RequestContext => ({
  requestId: "r",
  projectId,
  userId: "u",
  roles,
  isAdmin: roles.includes("admin"),
  readOnly: false,
});

describe("policy rule language", () => {
  it("parses and evaluates oslo.policy expressions", () => {
    const e = new PolicyEngine({
      a: "role:admin or (role:member and project_id:%(project_id)s)",
      b: "'public':%(visibility)s",
      c: "not role:reader",
      d: "@",
      f: "!",
      g: "",
      h: "rule:a and rule:b",
    });
    expect(e.check("a", ctx("p", ["member"]), { project_id: "p" })).toBe(true);
    expect(e.check("a", ctx("p", ["member"]), { project_id: "q" })).toBe(false);
    expect(e.check("a", ctx("x", ["admin"]), { project_id: "q" })).toBe(true);
    expect(e.check("b", ctx("p", []), { visibility: "public" })).toBe(true);
    expect(e.check("b", ctx("p", []), { visibility: "shared" })).toBe(false);
    expect(e.check("c", ctx("p", ["reader"]), {})).toBe(false);
    expect(e.check("d", ctx(null, []), {})).toBe(true);
    expect(e.check("f", ctx("p", ["admin"]), {})).toBe(false);
    expect(e.check("g", ctx(null, []), {})).toBe(true);
    expect(e.check("h", ctx("p", ["member"]), { project_id: "p", visibility: "public" })).toBe(true);
    expect(e.check("a", ctx("p", ["member"]), {})).toBe(false); // missing target key never matches
  });

  it("rejects malformed rules", () => {
    expect(() => parseRule("role:admin or")).toThrow(PolicyParseError);
    expect(() => parseRule("(role:admin")).toThrow(PolicyParseError);
    expect(() => parseRule("justaword")).toThrow(PolicyParseError);
  });

  it("every default rule parses", () => {
    expect(() => new PolicyEngine(DEFAULT_RULES)).not.toThrow();
  });

  it("secure-RBAC defaults: reader may get but not modify or download", () => {
    const e = new PolicyEngine(DEFAULT_RULES);
    const target = { project_id: "p", owner: "p", visibility: "private", member_id: null };
    expect(e.check("get_image", ctx("p", ["reader"]), target)).toBe(true);
    expect(e.check("modify_image", ctx("p", ["reader"]), target)).toBe(false);
    expect(e.check("download_image", ctx("p", ["reader"]), target)).toBe(false);
    expect(e.check("download_image", ctx("p", ["member"]), target)).toBe(true);
    expect(e.check("publicize_image", ctx("p", ["member"]), target)).toBe(false);
    expect(e.check("get_image", ctx("q", ["reader", "member"]), target)).toBe(false);
  });
});
