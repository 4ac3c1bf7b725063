import { describe, expect, it } from "vitest";

// api → domain → ports ← {db, store, queues, durable-objects}: the domain imports no framework.
const domainFiles = import.meta.glob("../../src/domain/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const apiFiles = import.meta.glob("../../src/api/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("layering", () => {
  it("finds the domain sources", () => expect(Object.keys(domainFiles).length).toBeGreaterThan(10));

  for (const [file, src] of Object.entries(domainFiles)) {
    it(`${file.replace("../../", "")} imports no hono, drizzle or cloudflare modules`, () => {
      const imports = [...src.matchAll(/from\s+["']([^"']+)["']/g)].map((m) => m[1]);
      const bad = imports.filter((i) => /^(hono|drizzle-orm|cloudflare:|@cloudflare\/)/.test(i) || /\/(db|store|queues|durable-objects|api)\//.test(i));
      expect(bad).toEqual([]);
    });
  }

  for (const [file, src] of Object.entries(apiFiles)) {
    if (file.endsWith("services.ts")) continue; // the composition root wires adapters
    it(`${file.replace("../../", "")} has no SQL or R2 access`, () => {
      expect(src).not.toMatch(/from\s+["']drizzle-orm/);
      expect(src).not.toMatch(/\.prepare\(|R2Bucket|\bDB\./);
    });
  }
});
