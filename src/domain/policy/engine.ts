// A small evaluator for oslo.policy rule strings: `@`, `!`, `rule:x`, `role:x`,
// `field:%(target)s`, `'literal':%(target)s`, `and`, `or`, `not`, parentheses.
// Rules are data (rules.ts) and can be overridden by configuration.
import type { RequestContext } from "../context";

export type Target = Record<string, unknown>;
type Node =
  | { t: "const"; v: boolean }
  | { t: "rule"; name: string }
  | { t: "role"; role: string }
  | { t: "generic"; kind: string; match: string }
  | { t: "not"; n: Node }
  | { t: "and" | "or"; ns: Node[] };

export class PolicyParseError extends Error {}

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|(?:%\([^)]*\)|[^\s()])+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) out.push(m[1]);
  return out;
}

export function parseRule(src: string): Node {
  const toks = tokenize(src.trim());
  if (toks.length === 0) return { t: "const", v: true };
  let i = 0;
  const peek = () => toks[i];
  const orExpr = (): Node => {
    const ns = [andExpr()];
    while (peek()?.toLowerCase() === "or") {
      i++;
      ns.push(andExpr());
    }
    return ns.length === 1 ? ns[0] : { t: "or", ns };
  };
  const andExpr = (): Node => {
    const ns = [notExpr()];
    while (peek()?.toLowerCase() === "and") {
      i++;
      ns.push(notExpr());
    }
    return ns.length === 1 ? ns[0] : { t: "and", ns };
  };
  const notExpr = (): Node => {
    if (peek()?.toLowerCase() === "not") {
      i++;
      return { t: "not", n: notExpr() };
    }
    return atom();
  };
  const atom = (): Node => {
    const tok = toks[i++];
    if (tok === undefined) throw new PolicyParseError(`unexpected end of rule "${src}"`);
    if (tok === "(") {
      const n = orExpr();
      if (toks[i++] !== ")") throw new PolicyParseError(`missing ")" in rule "${src}"`);
      return n;
    }
    if (tok === "@") return { t: "const", v: true };
    if (tok === "!") return { t: "const", v: false };
    const colon = tok.indexOf(":");
    if (colon <= 0) throw new PolicyParseError(`cannot parse "${tok}" in rule "${src}"`);
    const kind = tok.slice(0, colon);
    const match = tok.slice(colon + 1);
    if (kind === "rule") return { t: "rule", name: match };
    if (kind === "role") return { t: "role", role: match.toLowerCase() };
    return { t: "generic", kind, match };
  };
  const n = orExpr();
  if (i !== toks.length) throw new PolicyParseError(`unexpected "${toks[i]}" in rule "${src}"`);
  return n;
}

/** Names referenced with `rule:x` anywhere in a parsed rule. */
export function ruleReferences(n: Node): string[] {
  switch (n.t) {
    case "rule":
      return [n.name];
    case "not":
      return ruleReferences(n.n);
    case "and":
    case "or":
      return n.ns.flatMap(ruleReferences);
    default:
      return [];
  }
}

function credsOf(ctx: RequestContext): Record<string, unknown> {
  return {
    project_id: ctx.projectId,
    tenant: ctx.projectId,
    user_id: ctx.userId,
    domain_id: ctx.domainId ?? null,
    roles: ctx.roles,
    is_admin: ctx.isAdmin,
  };
}

function interpolate(match: string, target: Target): string | undefined {
  let missing = false;
  const s = match.replace(/%\(([^)]+)\)s/g, (_, key: string) => {
    const v = target[key];
    if (v === undefined) {
      missing = true;
      return "";
    }
    return v === null ? "None" : String(v);
  });
  return missing ? undefined : s;
}

export class PolicyEngine {
  private readonly parsed = new Map<string, Node>();
  constructor(private readonly rules: Record<string, string>) {
    for (const [name, rule] of Object.entries(rules)) this.parsed.set(name, parseRule(rule));
  }

  has(name: string): boolean {
    return this.parsed.has(name);
  }

  /** True when the named rule allows `ctx` on `target`. Unknown rule names fall back to `default`. */
  check(name: string, ctx: RequestContext, target: Target): boolean {
    const node = this.parsed.get(name) ?? this.parsed.get("default");
    if (!node) return false;
    return this.evaluate(node, ctx, target, credsOf(ctx), 0);
  }

  /** Evaluates a check string that is not a named rule (e.g. `rule:x` from property protections). */
  checkExpression(expression: string, ctx: RequestContext, target: Target): boolean {
    return this.evaluate(parseRule(expression), ctx, target, credsOf(ctx), 0);
  }

  private evaluate(n: Node, ctx: RequestContext, target: Target, creds: Record<string, unknown>, depth: number): boolean {
    if (depth > 50) throw new PolicyParseError("policy rules recurse too deeply");
    switch (n.t) {
      case "const":
        return n.v;
      case "role":
        return ctx.roles.includes(n.role);
      case "rule": {
        const r = this.parsed.get(n.name);
        return r ? this.evaluate(r, ctx, target, creds, depth + 1) : false;
      }
      case "not":
        return !this.evaluate(n.n, ctx, target, creds, depth + 1);
      case "and":
        return n.ns.every((x) => this.evaluate(x, ctx, target, creds, depth + 1));
      case "or":
        return n.ns.some((x) => this.evaluate(x, ctx, target, creds, depth + 1));
      case "generic": {
        const match = interpolate(n.match, target);
        if (match === undefined) return false;
        const lit = /^'(.*)'$/.exec(n.kind) ?? /^"(.*)"$/.exec(n.kind);
        if (lit) return match === lit[1];
        if (n.kind === "True") return match === "True";
        const have = creds[n.kind];
        if (have === undefined || have === null) return false;
        return String(have) === match;
      }
    }
  }
}
