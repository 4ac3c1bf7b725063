import { describe, expect, it } from "vitest";
import { call, json } from "../helpers/api";
import { type Seed, ids, list, pageAll, seed, tok, uniq } from "../helpers/images-list";

describe("GET /v2/images: limit, marker, links", () => {
  it("limit: default 25, 0 = empty, bad values 400, next only on a full page", async () => {
    const A = uniq();
    await seed(Array.from({ length: 27 }, () => ({ owner: A, visibility: "private" as const })));
    const d = await list(`owner=${A}`, tok(A));
    expect(d.body.images).toHaveLength(25);
    expect(d.body.next).toBeDefined();
    const z = await list(`owner=${A}&limit=0`, tok(A));
    expect(z.body.images).toEqual([]);
    expect(z.body.next).toBeUndefined();
    const all = await list(`owner=${A}&limit=27`, tok(A));
    expect(all.body.images).toHaveLength(27);
    expect(all.body.next).toBeDefined(); // a full page: the next one is empty
    expect((await list(all.body.next.slice("/v2/images?".length), tok(A))).body).toMatchObject({ images: [] });
    const big = await list(`owner=${A}&limit=100`, tok(A));
    expect(big.body.images).toHaveLength(27);
    expect(big.body.next).toBeUndefined();
    for (const [v, msg] of [
      ["-1", "limit param must be positive"],
      ["abc", "limit param must be an integer"],
      ["", "limit param must be an integer"],
      ["1.5", "limit param must be an integer"],
    ]) {
      const r = await list(`limit=${v}`, tok(A));
      expect(r.status, v).toBe(400);
      expect(r.body).toContain(msg);
    }
  });

  it("marker: unknown, deleted or invisible -> 400; first/next links keep the query", async () => {
    const [A, B] = [uniq(), uniq()];
    const tag = uniq("lnk");
    const mine = await seed(
      Array.from({ length: 5 }, (_, i) => ({ owner: A, visibility: "private" as const, created_at: `2024-03-01T10:00:0${i}Z`, tags: [tag, "x"] })),
    );
    const [privB, deletedB] = await seed([{ owner: B, visibility: "private" }, { owner: B, visibility: "public", deleted: true, status: "deleted" }]);
    for (const m of [crypto.randomUUID(), privB, deletedB, "not-a-uuid"]) {
      const r = await list(`marker=${m}`, tok(A));
      expect(r.status, m).toBe(400);
    }
    const first = await list(`tag=${tag}&tag=x&limit=2&sort_dir=asc`, tok(A));
    expect(first.body.images.map((i: any) => i.id)).toEqual(mine.slice(0, 2));
    expect(first.body.first).toBe(`/v2/images?tag=${tag}&tag=x&limit=2&sort_dir=asc`);
    expect(first.body.next).toBe(`/v2/images?tag=${tag}&tag=x&limit=2&sort_dir=asc&marker=${mine[1]}`);
    const second = await json(await call("GET", first.body.next, { token: tok(A) }));
    expect(second.images.map((i: any) => i.id)).toEqual(mine.slice(2, 4));
    expect(second.first).toBe(first.body.first);
    expect(second.next).toBe(`/v2/images?tag=${tag}&tag=x&limit=2&sort_dir=asc&marker=${mine[3]}`);
    const plain = await list("", tok(uniq()));
    expect(plain.body.first).toBe("/v2/images");
    // A marker the caller may see but that the filters exclude still positions the page.
    expect(await ids(`tag=${tag}&sort_dir=asc&marker=${mine[2]}&name=img`, tok(A))).toEqual(mine.slice(3));
  });

  it("pages through every image with next, no duplicates or gaps, for many sort orders (NULLs, ties)", async () => {
    const A = uniq();
    const names = ["alpha", null, "beta", "alpha", null, "gamma", "beta", "Alpha", "", "delta"];
    const sizes = [10, null, 5, 10, null, 0, 7, 10, 3, null];
    const formats = ["raw", "qcow2", null, "raw", "iso"];
    const rows: Seed[] = Array.from({ length: 41 }, (_, i) => ({
      owner: A,
      visibility: "private",
      name: names[i % names.length],
      size: sizes[(i * 3) % sizes.length],
      disk_format: formats[i % formats.length],
      status: i % 6 === 0 ? "queued" : "active",
      // Only four distinct timestamps: lots of created_at ties broken by id.
      created_at: `2024-03-0${1 + (i % 4)}T10:00:00Z`,
      updated_at: `2024-03-0${1 + ((i * 7) % 5)}T11:00:00Z`,
    }));
    const seeded = await seed(rows);
    const byId = new Map(seeded.map((id, i) => [id, { ...rows[i], id }]));
    const cmpVal = (a: unknown, b: unknown) => (a === b ? 0 : a === null || a === undefined ? -1 : b === null || b === undefined ? 1 : a < b ? -1 : 1);
    const expected = (sort: [string, "asc" | "desc"][]) =>
      [...seeded].sort((x, y) => {
        for (const [k, dir] of sort) {
          const c = cmpVal((byId.get(x) as any)[k], (byId.get(y) as any)[k]);
          if (c !== 0) return dir === "asc" ? c : -c;
        }
        return 0;
      });
    const cases: [string, [string, "asc" | "desc"][]][] = [
      ["", [["created_at", "desc"], ["id", "desc"]]],
      ["sort_dir=asc", [["created_at", "asc"], ["id", "asc"]]],
      ["sort_key=name", [["name", "desc"], ["created_at", "desc"], ["id", "desc"]]],
      ["sort_key=name&sort_dir=asc", [["name", "asc"], ["created_at", "asc"], ["id", "asc"]]],
      ["sort_key=size&sort_dir=asc", [["size", "asc"], ["created_at", "asc"], ["id", "asc"]]],
      ["sort_key=size", [["size", "desc"], ["created_at", "desc"], ["id", "desc"]]],
      ["sort=name:asc,size:desc", [["name", "asc"], ["size", "desc"], ["created_at", "desc"], ["id", "desc"]]],
      ["sort=size:asc,name", [["size", "asc"], ["name", "desc"], ["created_at", "desc"], ["id", "desc"]]],
      ["sort=disk_format:asc", [["disk_format", "asc"], ["created_at", "asc"], ["id", "asc"]]],
      ["sort_key=status&sort_key=updated_at&sort_dir=asc&sort_dir=desc", [["status", "asc"], ["updated_at", "desc"], ["created_at", "desc"], ["id", "desc"]]],
      ["sort_key=id&sort_dir=asc", [["id", "asc"], ["created_at", "asc"]]],
      ["sort=created_at:asc,name:desc", [["created_at", "asc"], ["name", "desc"], ["id", "desc"]]],
      ["sort_key=container_format&sort_key=name&sort_dir=desc", [["container_format", "desc"], ["name", "desc"], ["created_at", "desc"], ["id", "desc"]]],
    ];
    for (const [i, [q, sort]] of cases.entries()) {
      const want = expected(sort);
      for (const limit of i < 3 ? [4, 7] : [6]) {
        const got = await pageAll(`owner=${A}&limit=${limit}${q ? `&${q}` : ""}`, tok(A));
        expect(got.ids, `${q} limit=${limit}`).toEqual(want);
        expect(new Set(got.ids).size).toBe(want.length);
        expect(got.pages).toBe(Math.floor(want.length / limit) + 1);
      }
    }
  });
});

describe("GET /v2/images: sorting parameters", () => {
  it("rejects bad keys, directions, counts and mixed syntaxes", async () => {
    const t = tok(uniq());
    const bad: [string, string][] = [
      ["sort_key=owner", "Invalid sort key: owner"],
      ["sort_key=name&sort_key=bogus", "Invalid sort key: bogus"],
      ["sort_dir=up", "Invalid sort direction: up"],
      ["sort_key=name&sort_dir=asc&sort_dir=desc&sort_key=size&sort_key=id", "Number of sort dirs does not match"],
      ["sort_dir=asc&sort_dir=desc", "Number of sort dirs does not match"],
      ["sort=name:asc&sort_key=size", "Old and new sorting syntax cannot be combined"],
      ["sort=name&sort_dir=asc", "Old and new sorting syntax cannot be combined"],
      ["sort=name:sideways", "Invalid sort direction: sideways"],
      ["sort=", "Invalid sort key: "],
      ["sort=checksum:asc", "Invalid sort key: checksum"],
    ];
    for (const [q, msg] of bad) {
      const r = await list(q, t);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toContain(msg);
    }
    for (const q of ["sort_key=name&sort_key=size&sort_dir=asc", "sort=name:asc,size", "sort= name : asc , id", "sort_key=%20size%20", "sort_key=id&sort_key=id"]) {
      expect((await list(q, t)).status, q).toBe(200);
    }
  });
});
