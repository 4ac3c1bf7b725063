// The POLICY configuration document: rule name -> oslo.policy check string, as JSON (policy.json)
// or YAML (policy.yaml: a flat mapping, the form oslopolicy-sample-generator writes). Parsed once
// and validated whole, so a typo is a clear start-up error rather than a silently denied rule.
import { PolicyParseError, parseRule, ruleReferences } from "./engine";

/** Parses a JSON or flat-YAML mapping of rule names to check strings. Throws PolicyParseError. */
export function parsePolicyDocument(raw: string): Record<string, string> {
  const text = raw.trim();
  if (text === "") return {};
  const doc = text.startsWith("{") || text.startsWith("[") ? parseJson(text) : parseFlatYaml(text);
  for (const [name, rule] of Object.entries(doc)) {
    if (typeof rule !== "string") throw new PolicyParseError(`rule "${name}" must be a string, got ${JSON.stringify(rule)}`);
  }
  return doc as Record<string, string>;
}

/** Every rule parses, and every `rule:x` refers to a defined rule. */
export function validateRules(rules: Record<string, string>): void {
  for (const [name, rule] of Object.entries(rules)) {
    let refs: string[];
    try {
      refs = ruleReferences(parseRule(rule));
    } catch (e) {
      throw new PolicyParseError(`rule "${name}": ${(e as Error).message}`);
    }
    const missing = refs.filter((r) => !(r in rules));
    if (missing.length) throw new PolicyParseError(`rule "${name}" refers to undefined rule(s): ${missing.join(", ")}`);
  }
}

function parseJson(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PolicyParseError(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new PolicyParseError("expected a JSON object of rule: string");
  return v as Record<string, unknown>;
}

// key: value, one per line; keys and values plain, 'single' or "double" quoted; # comments.
const LINE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"#:][^:#]*?)\s*:(?:\s+(.*?))?\s*$/;

function unquote(s: string, line: number): string {
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      throw new PolicyParseError(`line ${line}: bad double-quoted string ${s}`);
    }
  }
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

function stripComment(v: string): string {
  // A # starts a comment outside quotes when preceded by whitespace.
  if (v.startsWith('"') || v.startsWith("'")) {
    const m = v.startsWith('"') ? /^"(?:[^"\\]|\\.)*"/.exec(v) : /^'(?:[^']|'')*'/.exec(v);
    if (!m) return v;
    const rest = v.slice(m[0].length).trim();
    if (rest !== "" && !rest.startsWith("#")) return v; // reported as malformed by the caller
    return m[0];
  }
  return v.replace(/\s+#.*$/, "");
}

function parseFlatYaml(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const n = i + 1;
    if (/^\s*(#.*)?$/.test(line) || line === "---") continue;
    if (/^\s/.test(line)) throw new PolicyParseError(`line ${n}: nested or continued YAML is not supported; write one "rule": "check" per line`);
    const m = LINE.exec(line);
    if (!m) throw new PolicyParseError(`line ${n}: expected "rule name": "check string"`);
    const key = unquote(m[1].trim(), n);
    const rawValue = stripComment((m[2] ?? "").trim());
    if (rawValue === "") {
      if (/^\s+\S/.test(lines[i + 1] ?? "")) {
        throw new PolicyParseError(`line ${n + 1}: nested or continued YAML is not supported; write one "rule": "check" per line`);
      }
      throw new PolicyParseError(`line ${n}: rule "${key}" has no value (use "" to allow everyone)`);
    }
    if (/^["']/.test(rawValue) && !/^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')$/.test(rawValue)) {
      throw new PolicyParseError(`line ${n}: malformed quoted value for rule "${key}"`);
    }
    if (/^[[{|>&*!]/.test(rawValue) && !rawValue.startsWith("!")) {
      throw new PolicyParseError(`line ${n}: rule "${key}" must be a plain or quoted string`);
    }
    if (key in out) throw new PolicyParseError(`line ${n}: rule "${key}" is defined twice`);
    out[key] = unquote(rawValue, n);
  }
  return out;
}
