import { describe, expect, it } from "vitest";

// The dependency rule (README "Architecture"): wiring → {api, adapters}; api → domain ← adapters.
// Adapters sit side by side: none imports another adapter or src/api; what they share goes through
// a domain port, src/platform (helpers over the Workers APIs) or the wiring. The domain imports
// only itself and calls no platform API. No import cycles; no file over 300 lines.
const sources = import.meta.glob(["../../src/**/*.{ts,tsx}", "!../../src/**/*.d.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const files = Object.fromEntries(Object.entries(sources).map(([k, v]) => [k.replace("../../", ""), v]));

const ADAPTERS = ["db", "store", "queues", "durable-objects", "keystone", "import-sources", "registry-client", "webhooks-sender"];
/** Which part of the code a file belongs to. */
function layer(file: string): string {
  const m = /^src\/([^/]+)\//.exec(file);
  if (!m) return file.replace(/^src\//, "").replace(/\.tsx?$/, ""); // top-level modules: wiring, index, config, ...
  return m[1];
}
const ALLOWED: Record<string, (to: string) => boolean> = {
  domain: (to) => to === "domain",
  platform: (to) => to === "platform",
  api: (to) => ["api", "domain", "config", "env"].includes(to),
  config: (to) => to === "domain",
  "policy-config": (to) => ["domain", "config"].includes(to),
  env: (to) => to === "domain",
  wiring: () => true,
  // The registry Worker's own composition root: the D1 adapter behind the registry-client contract.
  registry: (to) => ["db", "registry-client", "domain"].includes(to),
  index: (to) => ["wiring", "api"].includes(to),
};
for (const a of ADAPTERS) ALLOWED[a] = (to) => to === a || to === "domain" || to === "platform";

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== ".") parts.push(seg);
  }
  const base = parts.join("/");
  for (const cand of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base]) if (cand in files) return cand;
  return null;
}
// Static imports and re-exports, side-effect imports (`import "./x"`) and dynamic `import("./x")`.
const importsOf = (src: string) =>
  [
    ...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g),
    ...src.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g),
    ...src.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]);
const graph = new Map<string, string[]>();
for (const [file, src] of Object.entries(files)) {
  graph.set(
    file,
    importsOf(src)
      .map((s) => resolve(file, s))
      .filter((f): f is string => f !== null),
  );
}

describe("layering", () => {
  it("finds the sources", () => expect(Object.keys(files).length).toBeGreaterThan(100));

  it("every relative import resolves to a source file", () => {
    const broken = Object.entries(files).flatMap(([file, src]) =>
      importsOf(src)
        .filter((s) => s.startsWith(".") && resolve(file, s) === null && !s.endsWith(".json"))
        .map((s) => `${file} → ${s}`),
    );
    expect(broken).toEqual([]);
  });

  it("each layer imports only what it may (adapter → api, adapter → adapter, api → adapter are refused)", () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      const from = layer(file);
      const rule = ALLOWED[from];
      if (!rule) {
        bad.push(`${file}: no rule for layer ${from}`);
        continue;
      }
      for (const d of deps) if (!rule(layer(d))) bad.push(`${file} → ${d}`);
    }
    expect(bad).toEqual([]);
  });

  it("the domain and the API import no database, store or platform module; the domain no framework", () => {
    const bad: string[] = [];
    for (const [file, src] of Object.entries(files)) {
      const packages = importsOf(src).filter((s) => !s.startsWith("."));
      if (layer(file) === "domain") bad.push(...packages.map((p) => `${file} imports ${p}`));
      if (layer(file) === "api") bad.push(...packages.filter((p) => /^(drizzle-orm|cloudflare:)/.test(p)).map((p) => `${file} imports ${p}`));
    }
    expect(bad).toEqual([]);
  });

  it("the domain calls no platform API (fetch, caches, Workers streams and crypto, bindings)", () => {
    const PLATFORM = [
      /\bfetch\s*\(/,
      /\bcaches\b/,
      /\bDigestStream\b/,
      /\bFixedLengthStream\b/,
      /\bIdentityTransformStream\b/,
      /\breadAtLeast\b/,
      /mode:\s*["']byob["']/,
      /\b(De)?CompressionStream\b/,
      /\bHTMLRewriter\b/,
      /\bWebSocketPair\b/,
      /\bnavigator\./,
      /\benv\.[A-Z_]+/,
      /\bR2Bucket\b|\bD1Database\b|\bDurableObject\w*\b|\bQueue</,
    ];
    const bad: string[] = [];
    for (const [file, src] of Object.entries(files)) {
      if (layer(file) !== "domain") continue;
      const code = src.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
      for (const re of PLATFORM) if (re.test(code)) bad.push(`${file}: ${re}`);
    }
    expect(bad).toEqual([]);
  });

  it("has no import cycle between files", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === "open") cycles.push([...stack.slice(stack.indexOf(d)), d].join(" → "));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it("has no cycle between folders", () => {
    const edges = new Set<string>();
    for (const [file, deps] of graph) for (const d of deps) if (layer(file) !== layer(d)) edges.add(`${layer(file)}>${layer(d)}`);
    const mutual = [...edges].filter((e) => edges.has(e.split(">").reverse().join(">")));
    expect(mutual).toEqual([]);
  });

  it("keeps every source file under 300 lines", () => {
    const big = Object.entries(files)
      .map(([f, s]) => [f, s.split("\n").length - (s.endsWith("\n") ? 1 : 0)] as const)
      .filter(([, n]) => n > 300);
    expect(big).toEqual([]);
  });
});
