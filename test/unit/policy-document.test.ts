import { describe, expect, it } from "vitest";
import { parsePolicyDocument, validateRules } from "../../src/domain/policy/document";
import { PolicyParseError } from "../../src/domain/policy/engine";
import { DEFAULT_RULES } from "../../src/domain/policy/rules";

describe("POLICY document: JSON", () => {
  it("an object of rule → check string", () => {
    expect(parsePolicyDocument('{"get_image": "role:admin", "x": ""}')).toEqual({ get_image: "role:admin", x: "" });
    expect(parsePolicyDocument("  ")).toEqual({});
  });
  it("refuses non-objects and non-string values", () => {
    expect(() => parsePolicyDocument("[1]")).toThrow(/JSON object/);
    expect(() => parsePolicyDocument('{"a": 1}')).toThrow(/must be a string/);
    expect(() => parsePolicyDocument("{bad")).toThrow(/not valid JSON/);
  });
});

describe("POLICY document: flat YAML (policy.yaml)", () => {
  it("plain, single- and double-quoted keys and values, comments, document marker", () => {
    const doc = [
      "---",
      "# comment",
      '"get_image": "role:admin or role:reader"  # trailing comment',
      "'modify_image': 'role:admin and ''quoted'':%(x)s'",
      "delete_image: role:admin or (role:member and project_id:%(project_id)s)",
      "deny_all: '!'",
      'allow_all: ""',
      "   ",
    ].join("\n");
    expect(parsePolicyDocument(doc)).toEqual({
      get_image: "role:admin or role:reader",
      modify_image: "role:admin and 'quoted':%(x)s",
      delete_image: "role:admin or (role:member and project_id:%(project_id)s)",
      deny_all: "!",
      allow_all: "",
    });
  });
  it("keys with a colon must be quoted; escapes in double quotes", () => {
    expect(parsePolicyDocument('"^x_.*:create": "rule:default"\n"a": "say \\"hi\\""')).toEqual({ "^x_.*:create": "rule:default", a: 'say "hi"' });
  });
  it("clear errors for what it does not support", () => {
    expect(() => parsePolicyDocument("a:\n  - role:admin")).toThrow(/line 2: nested/);
    expect(() => parsePolicyDocument("a:")).toThrow(/line 1: rule "a" has no value/);
    expect(() => parsePolicyDocument("a: [x]")).toThrow(/plain or quoted string/);
    expect(() => parsePolicyDocument('a: "unterminated')).toThrow(/malformed quoted value/);
    expect(() => parsePolicyDocument("a: x\na: y")).toThrow(/defined twice/);
    expect(() => parsePolicyDocument("just text")).toThrow(/line 1/);
  });
});

describe("validateRules", () => {
  it("accepts the defaults, and overrides referring to defined rules", () => {
    expect(() => validateRules(DEFAULT_RULES)).not.toThrow();
    expect(() => validateRules({ ...DEFAULT_RULES, mine: "role:x", get_image: "rule:mine" })).not.toThrow();
  });
  it("names the rule that does not parse or refers to nothing", () => {
    expect(() => validateRules({ a: "role:x or" })).toThrow(PolicyParseError);
    expect(() => validateRules({ a: "role:x or" })).toThrow(/rule "a"/);
    expect(() => validateRules({ a: "rule:b" })).toThrow(/rule "a" refers to undefined rule\(s\): b/);
  });
});
