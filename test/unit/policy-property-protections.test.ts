import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/domain/context";
import { PolicyEngine } from "../../src/domain/policy/engine";
import { DEFAULT_RULES } from "../../src/domain/policy/rules";
import { PropertyProtectionError, parsePropertyProtections, propertyAllowed, readableBy, referencedPolicies } from "../../src/domain/property-protections";

const ctx = (roles: string[]): RequestContext => ({ requestId: "r", projectId: "p", userId: "u", roles, isAdmin: roles.includes("admin"), readOnly: false });
const engine = new PolicyEngine({ ...DEFAULT_RULES, billing: "role:billing" });

describe("parsePropertyProtections", () => {
  it("reads sections in order, lower-cases option names and roles, [DEFAULT] inherited", () => {
    const p = parsePropertyProtections("[DEFAULT]\ndelete = !\n; comment\n[^a_]\nCREATE = Admin, Member\nread: @\nupdate =\n", "roles");
    expect(p.rules.map((r) => r.pattern)).toEqual(["^os_glance", "^a_"]);
    expect(p.rules[1].ops).toEqual({ create: ["admin", "member"], read: ["@"], update: [], delete: ["!"] });
  });
  it("refuses what Glance refuses", () => {
    const bad = [
      "[x]\ncreate = @\n",
      "[x(]\ncreate=@\nread=@\nupdate=@\ndelete=@\n",
      "[x]\ncreate=@,!\nread=@\nupdate=@\ndelete=@\n",
      "[x]\ncreate=@\n[x]\ncreate=@\n",
      "create=@\n",
      "[x]\n  continued\n",
    ];
    for (const doc of bad) expect(() => parsePropertyProtections(doc, "roles"), doc).toThrow(PropertyProtectionError);
    expect(() => parsePropertyProtections("[x]\ncreate=a,b\nread=a\nupdate=a\ndelete=a\n", "policies")).toThrow(/only one policy/);
  });
  it("lists the policies a policies-format document needs", () => {
    const p = parsePropertyProtections("[x]\ncreate=billing\nread=@\nupdate=default\ndelete=!\n", "policies");
    expect(referencedPolicies(p).sort()).toEqual(["billing", "default"]);
  });
});

describe("propertyAllowed", () => {
  const roles = parsePropertyProtections(
    "[^x_]\ncreate=admin\nread=member,reader\nupdate=\ndelete=!\n[foo]\ncreate=@\nread=@\nupdate=@\ndelete=@\n",
    "roles",
  );
  it("first matching section decides; regex is a search, not a full match", () => {
    expect(propertyAllowed(roles, engine, ctx(["admin"]), "x_a", "create")).toBe(true);
    expect(propertyAllowed(roles, engine, ctx(["member"]), "x_a", "create")).toBe(false);
    expect(propertyAllowed(roles, engine, ctx(["reader"]), "x_a", "read")).toBe(true);
    expect(propertyAllowed(roles, engine, ctx(["admin"]), "x_a", "update")).toBe(false);
    expect(propertyAllowed(roles, engine, ctx(["admin"]), "x_a", "delete")).toBe(false);
    expect(propertyAllowed(roles, engine, ctx([]), "a_foo_b", "delete")).toBe(true);
    expect(propertyAllowed(roles, engine, ctx(["admin"]), "other", "read")).toBe(false);
  });
  it("os_glance_* is always denied when protections are on; everything allowed when off", () => {
    expect(propertyAllowed(roles, engine, ctx(["admin"]), "os_glance_import_task", "read")).toBe(false);
    expect(propertyAllowed(null, engine, ctx([]), "anything", "delete")).toBe(true);
    expect(readableBy(null, engine, ctx([]))("x")).toBe(true);
  });
  it("policies format evaluates the named rule", () => {
    const p = parsePropertyProtections("[^b_]\ncreate=billing\nread=default\nupdate=context_is_admin\ndelete=!\n", "policies");
    expect(propertyAllowed(p, engine, ctx(["billing"]), "b_x", "create")).toBe(true);
    expect(propertyAllowed(p, engine, ctx(["member"]), "b_x", "create")).toBe(false);
    expect(propertyAllowed(p, engine, ctx([]), "b_x", "read")).toBe(true);
    expect(propertyAllowed(p, engine, ctx(["admin"]), "b_x", "update")).toBe(true);
    expect(propertyAllowed(p, engine, ctx(["admin"]), "b_x", "delete")).toBe(false);
  });
});
