import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { listImageRows } from "../../src/db/images-list";
import type { ImageListQuery } from "../../src/domain/ports";
import { ADMIN, createImage } from "../helpers/api";
import { addMember, ids, list, seed, sorted, tok, uniq } from "../helpers/images-list";

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
