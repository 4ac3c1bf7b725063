import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { listImageRows, listImagesSql } from "../../src/db/images-list";
import type { ImageListQuery } from "../../src/domain/ports";
import { ADMIN, call, createImage, json } from "../helpers/api";

// The D1 database is shared by every test in this file: each test uses its own projects and a
// unique tag (or owner filter) so other tests' images never leak into its expectations.
const uniq = (p = "listP") => `${p}${crypto.randomUUID().slice(0, 8)}`;
const tok = (project: string, roles = "member,reader") => `${project}:${roles}`;

interface Seed {
  id?: string;
  name?: string | null;
  owner?: string | null;
  visibility?: "public" | "private" | "shared" | "community";
  status?: string;
  size?: number | null;
  created_at?: string;
  updated_at?: string;
  os_hidden?: boolean;
  protected?: boolean;
  deleted?: boolean;
  disk_format?: string | null;
  container_format?: string | null;
  min_ram?: number;
  min_disk?: number;
  checksum?: string | null;
  os_hash_value?: string | null;
  tags?: string[];
  props?: Record<string, string>;
}

const T0 = "2024-03-01T10:00:00Z";

/** Inserts images straight into D1 (with their tags and properties); returns their ids in order. */
async function seed(rows: Seed[]): Promise<string[]> {
  const stmts: D1PreparedStatement[] = [];
  const ids: string[] = [];
  for (const r of rows) {
    const id = r.id ?? crypto.randomUUID();
    ids.push(id);
    stmts.push(
      env.DB.prepare(
        `INSERT INTO images (id, name, disk_format, container_format, size, status, visibility, checksum, os_hash_algo, os_hash_value,
           min_disk, min_ram, owner, protected, os_hidden, created_at, updated_at, deleted, deleted_at, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      ).bind(
        id,
        r.name === undefined ? "img" : r.name,
        r.disk_format === undefined ? "raw" : r.disk_format,
        r.container_format === undefined ? "bare" : r.container_format,
        r.size === undefined ? 1024 : r.size,
        r.status ?? "active",
        r.visibility ?? "shared",
        r.checksum ?? null,
        r.os_hash_value ? "sha512" : null,
        r.os_hash_value ?? null,
        r.min_disk ?? 0,
        r.min_ram ?? 0,
        r.owner === undefined ? "nobody" : r.owner,
        r.protected ? 1 : 0,
        r.os_hidden ? 1 : 0,
        r.created_at ?? T0,
        r.updated_at ?? r.created_at ?? T0,
        r.deleted ? 1 : 0,
        r.deleted ? T0 : null,
      ),
    );
    for (const t of r.tags ?? []) stmts.push(env.DB.prepare("INSERT INTO image_tags (image_id, value) VALUES (?, ?)").bind(id, t));
    for (const [k, v] of Object.entries(r.props ?? {}))
      stmts.push(env.DB.prepare("INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)").bind(id, k, v));
  }
  await env.DB.batch(stmts);
  return ids;
}

async function addMember(imageId: string, member: string, status: "accepted" | "pending" | "rejected") {
  await env.DB.prepare("INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)")
    .bind(imageId, member, status, T0, T0)
    .run();
}

async function list(query: string, token: string): Promise<{ status: number; body: any }> {
  const r = await call("GET", `/v2/images${query ? `?${query}` : ""}`, { token });
  // Errors: the explanation from Glance's JSON error body.
  return { status: r.status, body: r.status === 200 ? await json(r) : ((await json(r)).message as string) };
}

async function ids(query: string, token: string): Promise<string[]> {
  const r = await list(query, token);
  expect(r.status, String(r.body)).toBe(200);
  return r.body.images.map((i: any) => i.id);
}

const sorted = (a: string[]) => [...a].sort();

/** Follows `next` links from `/v2/images?query` to the end; returns every id in order. */
async function pageAll(query: string, token: string): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let path: string | undefined = `/v2/images?${query}`;
  let pages = 0;
  while (path) {
    const r = await call("GET", path, { token });
    expect(r.status).toBe(200);
    const body = await json(r);
    out.push(...body.images.map((i: any) => i.id));
    path = body.next;
    if (++pages > 200) throw new Error("paging does not end");
  }
  return { ids: out, pages };
}

describe("GET /v2/images: who sees what", () => {
  it("owner, other projects, members by status and admin see exactly Glance's sets", async () => {
    const [A, B, C, D, E] = [uniq(), uniq(), uniq(), uniq(), uniq()];
    const tag = uniq("vis");
    const tags = [tag];
    const [pubA, privA, sharedA, commA, hiddenA, killedA, deletedA, privB, commB, sharedB] = await seed([
      { owner: A, visibility: "public", tags },
      { owner: A, visibility: "private", tags },
      { owner: A, visibility: "shared", tags },
      { owner: A, visibility: "community", tags },
      { owner: A, visibility: "public", os_hidden: true, tags },
      { owner: A, visibility: "public", status: "killed", tags },
      { owner: A, visibility: "public", deleted: true, status: "deleted", tags },
      { owner: B, visibility: "private", tags },
      { owner: B, visibility: "community", tags },
      { owner: B, visibility: "shared", tags },
    ]);
    await addMember(sharedA, B, "accepted");
    await addMember(sharedA, C, "pending");
    await addMember(sharedA, D, "rejected");
    await addMember(sharedB, A, "pending");
    const see = async (q: string, token: string) => sorted(await ids(`tag=${tag}${q}`, token));
    const S = (...x: string[]) => sorted(x);

    // Owner: own images of every visibility (own community too), public ones; never hidden/killed/deleted.
    expect(await see("", tok(A))).toEqual(S(pubA, privA, sharedA, commA));
    expect(await see("&member_status=pending", tok(A))).toEqual(S(pubA, privA, sharedA, commA, sharedB));
    // Accepted member: the shared image; not other projects' community images.
    expect(await see("", tok(B))).toEqual(S(pubA, sharedA, privB, commB, sharedB));
    // Pending/rejected members only with the matching member_status; "all" shows any membership.
    expect(await see("", tok(C))).toEqual(S(pubA));
    expect(await see("&member_status=pending", tok(C))).toEqual(S(pubA, sharedA));
    expect(await see("&member_status=rejected", tok(C))).toEqual(S(pubA));
    expect(await see("&member_status=rejected", tok(D))).toEqual(S(pubA, sharedA));
    expect(await see("&member_status=all", tok(D))).toEqual(S(pubA, sharedA));
    expect(await see("&member_status=accepted", tok(D))).toEqual(S(pubA));
    // Unrelated project.
    expect(await see("", tok(E))).toEqual(S(pubA));
    expect(await see("&visibility=community", tok(E))).toEqual(S(commA, commB));
    expect(await see("&visibility=all", tok(E))).toEqual(S(pubA, commA, commB));
    expect(await see("&visibility=shared", tok(E))).toEqual([]);
    expect(await see("&visibility=private", tok(E))).toEqual([]);
    expect(await see("&visibility=public", tok(E))).toEqual(S(pubA));
    // visibility=shared: own shared + shared with me (by member_status).
    expect(await see("&visibility=shared", tok(A))).toEqual(S(sharedA));
    expect(await see("&visibility=shared&member_status=all", tok(A))).toEqual(S(sharedA, sharedB));
    expect(await see("&visibility=shared", tok(B))).toEqual(S(sharedA, sharedB));
    expect(await see("&visibility=shared", tok(C))).toEqual([]);
    expect(await see("&visibility=shared&member_status=pending", tok(C))).toEqual(S(sharedA));
    expect(await see("&visibility=private", tok(A))).toEqual(S(privA));
    expect(await see("&visibility=community", tok(A))).toEqual(S(commA, commB));
    expect(await see("&visibility=all", tok(A))).toEqual(S(pubA, privA, sharedA, commA, commB));
    expect(await see("&visibility=all&member_status=all", tok(B))).toEqual(S(pubA, sharedA, commA, privB, commB, sharedB));
    // os_hidden=true lists only hidden images.
    expect(await see("&os_hidden=true", tok(A))).toEqual(S(hiddenA));
    expect(await see("&os_hidden=TRUE", tok(E))).toEqual(S(hiddenA));
    // Admin: everything live except other projects' community images unless asked; member_status ignored.
    expect(await see("", ADMIN)).toEqual(S(pubA, privA, sharedA, privB, sharedB));
    expect(await see("&member_status=rejected", ADMIN)).toEqual(S(pubA, privA, sharedA, privB, sharedB));
    expect(await see("&visibility=community", ADMIN)).toEqual(S(commA, commB));
    expect(await see("&visibility=all", ADMIN)).toEqual(S(pubA, privA, sharedA, commA, privB, commB, sharedB));
    expect(await see("&visibility=private", ADMIN)).toEqual(S(privA, privB));
    expect(killedA && deletedA).toBeTruthy();
  });

  it("anonymous (no project) sees public images only; community only when asked (repository level)", async () => {
    // AUTH_MODE=development never yields an anonymous context, and get_images needs role:reader,
    // so this is checked on the repository query directly.
    const [A] = [uniq()];
    const tag = uniq("anon");
    const [pub, , comm] = await seed([
      { owner: A, visibility: "public", tags: [tag] },
      { owner: A, visibility: "private", tags: [tag] },
      { owner: A, visibility: "community", tags: [tag] },
      { owner: A, visibility: "shared", tags: [tag] },
    ]);
    const q = (visibility?: ImageListQuery["visibility"]): ImageListQuery => ({
      viewer: { isAdmin: false, projectId: null },
      visibility,
      memberStatus: "all",
      osHidden: false,
      exact: {},
      ranges: [],
      tags: [tag],
      properties: {},
      sort: [
        { key: "created_at", dir: "desc" },
        { key: "id", dir: "desc" },
      ],
      limit: 50,
    });
    const rows = async (v?: ImageListQuery["visibility"]) => sorted((await listImageRows(createDb(env.DB), q(v))).map((r) => r.id));
    expect(await rows()).toEqual([pub]);
    expect(await rows("community")).toEqual([comm]);
    expect(await rows("all")).toEqual(sorted([pub, comm]));
    expect(await rows("shared")).toEqual([]);
    expect(await rows("private")).toEqual([]);
  });

  it("needs get_images (role reader); a reader lists, a member-only role gets 403", async () => {
    const A = uniq();
    const [img] = await seed([{ owner: A, visibility: "private" }]);
    expect(await ids(`owner=${A}`, tok(A, "reader"))).toEqual([img]);
    const r = await list(`owner=${A}`, tok(A, "member"));
    expect(r.status).toBe(403);
  });

  it("lists an image made through the API, with its tags and properties", async () => {
    const A = uniq();
    const img = await createImage({ name: "api-made", tags: ["t1"], color: "blue" }, tok(A));
    const r = await list(`owner=${A}`, tok(A));
    expect(r.status).toBe(200);
    expect(r.body.images).toHaveLength(1);
    expect(r.body.images[0]).toMatchObject({ id: img.id, name: "api-made", tags: ["t1"], color: "blue", status: "queued" });
    expect(r.body.schema).toBe("/v2/schemas/images");
    expect(await ids(`owner=${A}`, tok(uniq()))).toEqual([]);
  });
});

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

describe("GET /v2/images: filters", () => {
  it("name/id/status/formats: exact, eq:, in: with quotes; other operators and bad quoting 400", async () => {
    const A = uniq();
    const t = tok(A);
    const [a, b, c, d] = await seed([
      { owner: A, name: "a,b", status: "active", disk_format: "qcow2", container_format: "ovf" },
      { owner: A, name: "plain", status: "queued", disk_format: "raw" },
      { owner: A, name: "with:colon", status: "deactivated", disk_format: "iso", container_format: "docker" },
      { owner: A, name: null, status: "saving", disk_format: null },
    ]);
    const f = async (q: string) => sorted(await ids(`owner=${A}&${q}`, t));
    expect(await f("name=plain")).toEqual([b]);
    expect(await f("name=eq:plain")).toEqual([b]);
    expect(await f("name=eq:with:colon")).toEqual([c]);
    expect(await f(`name=in:${encodeURIComponent('"a,b",plain')}`)).toEqual(sorted([a, b]));
    expect(await f("name=in:plain,nothing")).toEqual([b]);
    expect(await f("name=in:")).toEqual([]);
    expect(await f(`id=in:${a},${c}`)).toEqual(sorted([a, c]));
    expect(await f(`id=${d}`)).toEqual([d]);
    expect(await f("status=in:queued,saving")).toEqual(sorted([b, d]));
    expect(await f("status=deactivated")).toEqual([c]);
    expect(await f("status=killed")).toEqual([]);
    expect(await f("disk_format=in:qcow2,iso")).toEqual(sorted([a, c]));
    expect(await f("container_format=docker")).toEqual([c]);
    for (const [q, msg] of [
      ["name=with:colon", "Unable to filter by unknown operator 'with'."],
      ["status=neq:active", "Unable to filter by unknown operator 'neq'."],
      ["name=in:a%22b", "no comma before opening quotation mark"],
      ["name=in:%22a%22b", "no comma after closing quotation mark"],
      ["name=in:%22ab", "The quote is not closed"],
    ]) {
      const r = await list(`owner=${A}&${q}`, t);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toContain(msg);
    }
  });

  it("created_at/updated_at with operators and ISO 8601; bad dates or operators 400", async () => {
    const A = uniq();
    const t = tok(A);
    const [e1, e2, e3] = await seed([
      { owner: A, created_at: "2023-01-01T00:00:00Z", updated_at: "2023-06-01T00:00:00Z" },
      { owner: A, created_at: "2023-01-02T12:30:00Z", updated_at: "2023-06-02T00:00:00Z" },
      { owner: A, created_at: "2023-01-03T00:00:00Z", updated_at: "2023-06-03T00:00:00Z" },
    ]);
    const f = async (q: string) => sorted(await ids(`owner=${A}&${q}`, t));
    const enc = encodeURIComponent;
    expect(await f(`created_at=gt:2023-01-02T12:30:00Z`)).toEqual([e3]);
    expect(await f(`created_at=gte:2023-01-02T12:30:00Z`)).toEqual(sorted([e2, e3]));
    expect(await f(`created_at=lt:2023-01-02T12:30:00Z`)).toEqual([e1]);
    expect(await f(`created_at=lte:2023-01-02T12:30:00Z`)).toEqual(sorted([e1, e2]));
    expect(await f(`created_at=eq:2023-01-02T12:30:00Z`)).toEqual([e2]);
    expect(await f(`created_at=2023-01-02T12:30:00Z`)).toEqual([e2]);
    expect(await f(`created_at=neq:2023-01-02T12:30:00Z`)).toEqual(sorted([e1, e3]));
    expect(await f(`created_at=${enc("2023-01-02T14:30:00+02:00")}`)).toEqual([e2]);
    expect(await f(`created_at=lt:2023-01-02`)).toEqual([e1]);
    expect(await f(`created_at=gt:20230102T123000`)).toEqual([e3]);
    expect(await f(`created_at=gte:2023-01-02T12:29:59.5Z`)).toEqual(sorted([e2, e3]));
    expect(await f(`created_at=lte:2023-01-02T12:30:00.5Z`)).toEqual(sorted([e1, e2]));
    expect(await f(`created_at=eq:2023-01-02T12:30:00.5Z`)).toEqual([]);
    expect(await f(`updated_at=gte:2023-06-02T00:00:00Z&created_at=lt:2023-01-03`)).toEqual([e2]);
    for (const [q, msg] of [
      ["created_at=gt:yesterday", 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
      ["updated_at=2023-02-30", 'Bad "updated_at" query filter format.'],
      ["created_at=2023-01-01T25:00:00Z", "ISO 8601"],
      ["created_at=after:2023-01-01", "Unable to filter on a unknown operator."],
      ["created_at=in:2023-01-01", "Unable to filter on a unknown operator."],
    ]) {
      const r = await list(`owner=${A}&${q}`, t);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toContain(msg);
    }
  });

  it("size_min/size_max and <column>_min/_max; non-numeric 400", async () => {
    const A = uniq();
    const t = tok(A);
    const [s0, s1, s2, sNull] = await seed([
      { owner: A, size: 0, min_ram: 128 },
      { owner: A, size: 100, min_ram: 512 },
      { owner: A, size: 5000, min_ram: 1024 },
      { owner: A, size: null, min_ram: 0 },
    ]);
    const f = async (q: string) => sorted(await ids(`owner=${A}&${q}`, t));
    expect(await f("size_min=100")).toEqual(sorted([s1, s2]));
    expect(await f("size_max=100")).toEqual(sorted([s0, s1]));
    expect(await f("size_min=1&size_max=4999")).toEqual([s1]);
    expect(await f("min_ram_min=512")).toEqual(sorted([s1, s2]));
    expect(await f("min_ram_max=%2B128")).toEqual(sorted([s0, sNull]));
    for (const q of ["size_min=abc", "size_max=", "min_disk_min=1.5"]) {
      const r = await list(`owner=${A}&${q}`, t);
      expect(r.status, q).toBe(400);
      expect(r.body).toContain("Unable to filter on a range with a non-numeric value.");
    }
  });

  it("owner, checksum, os_hash_value, min_ram, min_disk, protected, tags and extra properties", async () => {
    const A = uniq();
    const t = tok(A);
    const [p1, p2, p3] = await seed([
      { owner: A, checksum: "c1", os_hash_value: "h1", min_ram: 512, min_disk: 10, protected: true, tags: ["x", "y"], props: { os_distro: "debian", arch: "x86_64" } },
      { owner: A, checksum: "c2", os_hash_value: "h2", min_ram: 256, min_disk: 20, tags: ["x"], props: { os_distro: "debian", arch: "aarch64" } },
      { owner: A, checksum: "c3", min_ram: 512, min_disk: 20, props: { os_distro: "ubuntu" } },
    ]);
    const f = async (q: string) => sorted(await ids(`owner=${A}&${q}`, t));
    expect(await f("checksum=c2")).toEqual([p2]);
    expect(await f("os_hash_value=h1")).toEqual([p1]);
    expect(await f("min_ram=512")).toEqual(sorted([p1, p3]));
    expect(await f("min_disk=20&min_ram=512")).toEqual([p3]);
    expect(await f("min_ram=lots")).toEqual([]);
    expect(await f("protected=true")).toEqual([p1]);
    expect(await f("protected=false")).toEqual(sorted([p2, p3]));
    expect(await f("tag=x")).toEqual(sorted([p1, p2]));
    expect(await f("tag=x&tag=y")).toEqual([p1]);
    expect(await f("tag=x&tag=nope")).toEqual([]);
    expect(await f("os_distro=debian")).toEqual(sorted([p1, p2]));
    expect(await f("os_distro=debian&arch=aarch64")).toEqual([p2]);
    expect(await f("os_distro=fedora")).toEqual([]);
    expect(await f("no_such_property=1")).toEqual([]);
    expect(await f("foo_min=1")).toEqual([]); // not a column: an extra property, not a 500
    expect(sorted(await ids(`owner=${A}&owner=${A}`, t))).toEqual(sorted([p1, p2, p3]));
    // Up to 32 filters are taken (D1's statement limits; more is a 400, see bad-input.test.ts).
    const many = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=v${i}`).join("&");
    expect((await list(`owner=${A}&${many(31)}`, t)).status).toBe(200);
    expect((await list(`owner=${A}&${many(120)}`, t)).status).toBe(400);
    expect(await f(`name=in:${Array.from({ length: 150 }, (_, i) => `n${i}`).join(",")},img`)).toEqual(sorted([p1, p2, p3]));
    for (const [q, msg] of [
      ["protected=yes", "Invalid value 'yes' for 'protected' filter. Valid values are 'true' or 'false'."],
      ["protected=True", "Invalid value 'True' for 'protected' filter."],
      ["os_hidden=maybe", "Invalid value 'maybe' for 'os_hidden' filter."],
      ["visibility=everyone", "Invalid visibility value: everyone"],
      ["member_status=maybe", "Invalid status: maybe"],
      ["changes-since=2020-01-01T00:00:00Z", 'The "changes-since" filter is no longer available on v2.'],
    ]) {
      const r = await list(`owner=${A}&${q}`, t);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toContain(msg);
    }
  });
});

describe("GET /v2/images at scale", () => {
  const N = 20_000;
  const P = "scaleP";

  async function seedMany() {
    const t0 = Date.now();
    // 50 projects; 5% public, 5% community, 10% private, the rest shared; a few hidden/killed/deleted;
    // about 3 images a second (created_at ties); nullable names and sizes.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
       INSERT INTO images (id, name, disk_format, container_format, size, status, visibility, owner, protected, os_hidden,
         created_at, updated_at, deleted, min_disk, min_ram, version)
       SELECT printf('%08x-5ca1-4000-8000-%012x', i, i), CASE WHEN i % 7 = 0 THEN NULL ELSE 'img-' || (i % 500) END, 'raw', 'bare',
         CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1024 END, CASE WHEN i % 50 = 0 THEN 'killed' ELSE 'active' END,
         CASE i % 20 WHEN 0 THEN 'public' WHEN 1 THEN 'community' WHEN 2 THEN 'private' WHEN 3 THEN 'private' ELSE 'shared' END,
         '${P}' || (i % 50), 0, CASE WHEN i % 33 = 0 THEN 1 ELSE 0 END,
         strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i / 3, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i / 3, 'unixepoch'),
         CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 0, 0, 1 FROM n`,
    )
      .bind(N)
      .run();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
       INSERT INTO image_members (image_id, member, status, can_share, created_at, updated_at)
       SELECT printf('%08x-5ca1-4000-8000-%012x', i * 37, i * 37), '${P}' || (i % 7),
         CASE i % 3 WHEN 0 THEN 'accepted' WHEN 1 THEN 'pending' ELSE 'rejected' END, 0, '${T0}', '${T0}' FROM n`,
    ).run();
    return Date.now() - t0;
  }

  const baseQuery = (viewer: ImageListQuery["viewer"], extra: Partial<ImageListQuery> = {}): ImageListQuery => ({
    viewer,
    memberStatus: "accepted",
    osHidden: false,
    exact: {},
    ranges: [],
    tags: [],
    properties: {},
    sort: [
      { key: "created_at", dir: "desc" },
      { key: "id", dir: "desc" },
    ],
    limit: 20,
    ...extra,
  });

  async function plan(q: ImageListQuery): Promise<string[]> {
    const stmt = listImagesSql(q)!;
    const r = await env.DB.prepare(`EXPLAIN QUERY PLAN ${stmt.sql}`)
      .bind(...stmt.values)
      .all<{ detail: string }>();
    return r.results.map((x) => x.detail);
  }

  it(`seeds ${N} images by SQL; default listing is correct, index-ordered and paged by keyset`, async () => {
    const seedMs = await seedMany();
    const viewer = `${P}3`;
    // An independent formulation of Glance's rule for a project (one WHERE, no union), used as the oracle.
    const oracle = async (afterIdx: number, limit: number) =>
      (
        await env.DB.prepare(
          `SELECT id FROM images WHERE deleted = 0 AND status <> 'killed' AND os_hidden = 0
             AND (visibility = 'public' OR owner = ?1 OR (visibility = 'shared' AND EXISTS
               (SELECT 1 FROM image_members m WHERE m.image_id = images.id AND m.member = ?1 AND m.status = 'accepted')))
             AND (owner = ?1 OR visibility <> 'community')
           ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3`,
        )
          .bind(viewer, limit, afterIdx)
          .all<{ id: string }>()
      ).results.map((r) => r.id);

    const t0 = Date.now();
    const page1 = await list("limit=20", tok(viewer));
    const firstMs = Date.now() - t0;
    expect(page1.status).toBe(200);
    const want = await oracle(0, 60);
    expect(page1.body.images.map((i: any) => i.id)).toEqual(want.slice(0, 20));
    const page2 = await json(await call("GET", page1.body.next, { token: tok(viewer) }));
    expect(page2.images.map((i: any) => i.id)).toEqual(want.slice(20, 40));
    const page3 = await json(await call("GET", page2.next, { token: tok(viewer) }));
    expect(page3.images.map((i: any) => i.id)).toEqual(want.slice(40, 60));
    // The member branch: images shared with the viewer appear in their place.
    const shared = await ids("visibility=shared&member_status=all&limit=1000", tok(viewer));
    const memberOf = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM image_members m JOIN images i ON i.id = m.image_id WHERE m.member = ?1 AND i.deleted = 0 AND i.status <> 'killed' AND i.os_hidden = 0 AND i.owner <> ?1 AND i.visibility = 'shared'")
        .bind(viewer)
        .first<{ n: number }>()
    )!.n;
    const ownShared = (
      await env.DB.prepare("SELECT COUNT(*) AS n FROM images WHERE owner = ?1 AND deleted = 0 AND status <> 'killed' AND os_hidden = 0 AND visibility = 'shared'")
        .bind(viewer)
        .first<{ n: number }>()
    )!.n;
    expect(shared.length).toBe(Math.min(1000, memberOf + ownShared));
    // Admin default listing, and the api_limit_max cap.
    const admin = await list("limit=5000", ADMIN);
    expect(admin.body.images).toHaveLength(1000);

    // Query plans: every branch is an index SEARCH in page order (no full scan, no sort of images),
    // except the shared-with-me branch, which is driven by the member index and sorts its few rows.
    const marker = { ...page1.body.images[19], createdAt: page1.body.images[19].created_at } as any;
    for (const q of [
      baseQuery({ isAdmin: false, projectId: viewer }),
      baseQuery({ isAdmin: false, projectId: viewer }, { marker }),
      baseQuery({ isAdmin: true, projectId: "admin" }),
      baseQuery({ isAdmin: true, projectId: "admin" }, { marker }),
      baseQuery({ isAdmin: false, projectId: viewer }, { visibility: "all" }),
      baseQuery({ isAdmin: false, projectId: viewer }, { visibility: "public", marker }),
    ]) {
      const lines = await plan(q);
      const text = lines.join("\n");
      expect(text, text).not.toMatch(/SCAN images(?! USING)/);
      expect(text, text).not.toMatch(/SCAN (images|m)\b/);
      const sorts = lines.filter((l) => l.includes("TEMP B-TREE"));
      expect(sorts.length, text).toBeLessThanOrEqual(q.viewer.isAdmin || q.visibility === "public" ? 0 : 1);
      if (!q.viewer.isAdmin && q.visibility !== "public") expect(text).toMatch(/ix_image_members_member/);
    }
    // A selective exact filter drives each branch through its own index (few rows, then sorted).
    for (const [key, index] of [
      ["name", "ix_images_name"],
      ["id", "sqlite_autoindex_images_1"],
      ["checksum", "ix_images_checksum"],
      ["os_hash_value", "ix_images_os_hash_value"],
    ]) {
      for (const values of [["a"], ["a", "b"]]) {
        const text = (await plan(baseQuery({ isAdmin: false, projectId: viewer }, { exact: { [key]: values } }))).join("\n");
        expect(text, text).toMatch(new RegExp(`SEARCH images USING (COVERING )?INDEX ${index}`));
        expect(text, text).not.toMatch(/SCAN (images|m)\b/);
      }
    }
    const named = await ids("name=in:img-53,img-40&limit=1000", tok(viewer)); // own shared + public ones
    const namedWant = (
      await env.DB.prepare(
        `SELECT id FROM images WHERE deleted = 0 AND status <> 'killed' AND os_hidden = 0 AND name IN ('img-53', 'img-40')
           AND (visibility = 'public' OR owner = ?1 OR (visibility = 'shared' AND EXISTS
             (SELECT 1 FROM image_members m WHERE m.image_id = images.id AND m.member = ?1 AND m.status = 'accepted')))
           AND (owner = ?1 OR visibility <> 'community') ORDER BY created_at DESC, id DESC`,
      )
        .bind(viewer)
        .all<{ id: string }>()
    ).results.map((r) => r.id);
    expect(named.length).toBeGreaterThan(0);
    expect(named).toEqual(namedWant);
    console.log(`[images-list scale] seeded ${N} images in ${seedMs} ms; first page (limit=20) for a project in ${firstMs} ms`);
  });
});
