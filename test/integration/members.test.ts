import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, patch, sinkEvents } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";

const THIRD = "projC:member,reader";
const members = (id: string) => `/v2/images/${id}/members`;

async function shared(): Promise<string> {
  return (await createImage({ visibility: "shared" })).id;
}
async function share(id: string, member = "projB", token = OWNER): Promise<Response> {
  return call("POST", members(id), { token, body: { member } });
}

async function eventsFor(type: string, pred: (p: any) => boolean, atLeast = 1): Promise<any[]> {
  let found: any[] = [];
  await vi.waitFor(
    async () => {
      found = (await sinkEvents(type)).filter((e) => pred(e.payload));
      if (found.length < atLeast) throw new Error(`waiting for ${type}`);
    },
    { timeout: 15_000, interval: 100 },
  );
  return found;
}

describe("POST /v2/images/{id}/members", () => {
  it("adds a pending member (200) with Glance's body, and notifies image.member.create", async () => {
    const id = await shared();
    const r = await share(id);
    expect(r.status).toBe(200);
    const m = await json(r);
    expect(Object.keys(m).sort()).toEqual(["created_at", "image_id", "member_id", "schema", "status", "updated_at"]);
    expect(m).toMatchObject({ member_id: "projB", image_id: id, status: "pending", schema: "/v2/schemas/member" });
    expect(m.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const [ev] = await eventsFor("image.member.create", (p) => p.image_id === id);
    const { schema: _, ...fields } = m;
    expect(ev.payload).toEqual({ ...fields, deleted: false, deleted_at: null });
  });

  it("400 for a missing, empty or malformed member; 409 for a duplicate", async () => {
    const id = await shared();
    const cases: [unknown, string][] = [
      [{ x: "projB" }, "Member to be added not specified"],
      [{ member: "" }, "Member can't be empty"],
      [{ member: null }, "Member can't be empty"],
      [["projB"], "Expected a member in the form"],
      [{ member: { a: 1 } }, "Expected a member in the form"],
      [{ member: "x".repeat(256) }, "255"],
    ];
    for (const [body, msg] of cases) {
      const r = await call("POST", members(id), { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await json(r)).message).toContain(msg);
    }
    expect((await call("POST", members(id), { raw: "" })).status).toBe(400);
    expect((await share(id)).status).toBe(200);
    const dup = await share(id);
    expect(dup.status).toBe(409);
    expect((await json(dup)).message).toContain(`Member projB is duplicated for image ${id}`);
  });

  it("403 on images that are not shared, 404 on images the caller cannot see", async () => {
    for (const visibility of ["private", "community"]) {
      const img = await createImage({ visibility });
      const r = await share(img.id);
      expect(r.status).toBe(403);
      expect((await json(r)).message).toContain(`Not allowed to create members for image ${img.id}.`);
    }
    expect((await share("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const priv = await createImage({ visibility: "private" });
    expect((await share(priv.id, "projC", OTHER)).status).toBe(404);
  });

  it("another project cannot add members (403 when it can see the image, 404 otherwise); nor can a reader", async () => {
    const id = await shared();
    expect((await share(id, "projC", THIRD)).status).toBe(404);
    await share(id);
    const r = await share(id, "projC", OTHER);
    expect(r.status).toBe(403);
    expect((await json(r)).message).toContain("add_member");
    expect((await share(id, "projC", READER)).status).toBe(403);
    expect((await share(id, "projC", ADMIN)).status).toBe(200);
  });

  it("image_member_quota → 413, checked before duplicates, as Glance does", async () => {
    const vars = { GLANCE_CONFIG: JSON.stringify({ image_member_quota: 2, notification_sink: true }) };
    const id = await shared();
    const post = (member: string) =>
      fetchWith(
        vars,
        new Request(`http://localhost${members(id)}`, {
          method: "POST",
          body: JSON.stringify({ member }),
          headers: { "X-Auth-Token": OWNER, Accept: "application/json", "Content-Type": "application/json" },
        }),
      );
    expect((await post("p1")).status).toBe(200);
    expect((await post("p2")).status).toBe(200);
    const over = await post("p3");
    expect(over.status).toBe(413);
    expect((await json(over)).message).toContain("Attempted: 3, Maximum: 2");
    expect((await post("p1")).status).toBe(413);
    // Concurrent adds never overshoot the quota.
    const id2 = await shared();
    const results = await Promise.all(
      ["q1", "q2", "q3", "q4", "q5"].map((member) =>
        fetchWith(
          vars,
          new Request(`http://localhost${members(id2)}`, {
            method: "POST",
            body: JSON.stringify({ member }),
            headers: { "X-Auth-Token": OWNER, Accept: "application/json", "Content-Type": "application/json" },
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 413, 413, 413]);
    expect((await json(await call("GET", members(id2)))).members).toHaveLength(2);
  });

  it("a read-only (anonymous) context cannot add members", async () => {
    const id = await shared();
    const vars = { AUTH_MODE: "strict", STATIC_TOKENS: "{}", GLANCE_CONFIG: JSON.stringify({ allow_anonymous_access: true }) };
    const r = await fetchWith(
      vars,
      new Request(`http://localhost${members(id)}`, { method: "POST", body: JSON.stringify({ member: "x" }), headers: { Accept: "application/json" } }),
    );
    expect(r.status).toBe(403);
  });
});

describe("GET /v2/images/{id}/members[/{member}]", () => {
  it("the owner and admins see every member; a member sees only its own row", async () => {
    const id = await shared();
    await share(id, "projB");
    await share(id, "projC");
    const owner = await json(await call("GET", members(id)));
    expect(owner.schema).toBe("/v2/schemas/members");
    expect(owner.members.map((m: any) => m.member_id)).toEqual(["projB", "projC"]);
    expect((await json(await call("GET", members(id), { token: READER }))).members).toHaveLength(2);
    expect((await json(await call("GET", members(id), { token: ADMIN }))).members).toHaveLength(2);
    const mine = await json(await call("GET", members(id), { token: OTHER }));
    expect(mine.members.map((m: any) => m.member_id)).toEqual(["projB"]);
    expect((await json(await call("GET", members(id), { token: "projB:reader" }))).members).toHaveLength(1);
  });

  it("list: 403 on non-shared images, 404 when the caller cannot see the image", async () => {
    const priv = await createImage({ visibility: "private" });
    const r = await call("GET", members(priv.id));
    expect(r.status).toBe(403);
    expect((await json(r)).message).toContain("Only shared images have members.");
    expect((await call("GET", members(priv.id), { token: OTHER })).status).toBe(404);
    const id = await shared();
    expect((await call("GET", members(id), { token: OTHER })).status).toBe(404);
    // member role without reader: get_image fails → 404
    await share(id);
    expect((await call("GET", members(id), { token: "projB:member" })).status).toBe(404);
  });

  it("show: 200 for visible rows, 404 for every failure (missing, not shared, someone else's row)", async () => {
    const id = await shared();
    await share(id, "projB");
    await share(id, "projC");
    const r = await call("GET", `${members(id)}/projB`, { token: OTHER });
    expect(r.status).toBe(200);
    expect((await json(r)).member_id).toBe("projB");
    const other = await call("GET", `${members(id)}/projC`, { token: OTHER });
    expect(other.status).toBe(404);
    expect((await json(other)).message).toContain(`projC not found in the member list of the image ${id}.`);
    expect((await call("GET", `${members(id)}/nope`)).status).toBe(404);
    const priv = await createImage({ visibility: "private" });
    expect((await call("GET", `${members(priv.id)}/projB`)).status).toBe(404);
    expect((await call("GET", `${members(id)}/projB`, { token: "projD:member,reader" })).status).toBe(404);
  });
});

describe("PUT /v2/images/{id}/members/{member}", () => {
  it("the member project accepts (200, notifies image.member.update); the image then appears in its list", async () => {
    const id = await shared();
    await share(id);
    const list = async () => (await json(await call("GET", "/v2/images?limit=1000", { token: OTHER }))).images.map((i: any) => i.id);
    expect(await list()).not.toContain(id);
    const r = await call("PUT", `${members(id)}/projB`, { token: OTHER, body: { status: "accepted" } });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ member_id: "projB", status: "accepted" });
    expect(await list()).toContain(id);
    const [ev] = await eventsFor("image.member.update", (p) => p.image_id === id);
    expect(ev.payload).toMatchObject({ member_id: "projB", status: "accepted", deleted: false });
    expect((await call("PUT", `${members(id)}/projB`, { token: OTHER, body: { status: "rejected" } })).status).toBe(200);
    expect(await list()).not.toContain(id);
  });

  it("the owner cannot change a member's status (403); other projects find nothing (404); admin may", async () => {
    const id = await shared();
    await share(id, "projB");
    await share(id, "projC");
    const owner = await call("PUT", `${members(id)}/projB`, { body: { status: "accepted" } });
    expect(owner.status).toBe(403);
    expect((await json(owner)).message).toContain("modify_member");
    expect((await call("PUT", `${members(id)}/projC`, { token: OTHER, body: { status: "accepted" } })).status).toBe(404);
    expect((await call("PUT", `${members(id)}/projB`, { token: "projB:reader", body: { status: "accepted" } })).status).toBe(403);
    expect((await call("PUT", `${members(id)}/projB`, { token: ADMIN, body: { status: "accepted" } })).status).toBe(200);
    expect((await call("PUT", `${members(id)}/nope`, { body: { status: "accepted" } })).status).toBe(404);
  });

  it("400 for a bad or missing status; 403 on non-shared images", async () => {
    const id = await shared();
    await share(id);
    for (const body of [{ status: "bogus" }, { status: 1 }, { x: 1 }, ["accepted"]]) {
      expect((await call("PUT", `${members(id)}/projB`, { token: OTHER, body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await call("PUT", `${members(id)}/projB`, { token: OTHER, raw: "" })).status).toBe(400);
    await patch(id, [{ op: "replace", path: "/visibility", value: "private" }]);
    const r = await call("PUT", `${members(id)}/projB`, { token: ADMIN, body: { status: "accepted" } });
    expect(r.status).toBe(403);
    expect((await json(r)).message).toContain(`Not allowed to update members for image ${id}.`);
  });
});

describe("DELETE /v2/images/{id}/members/{member}", () => {
  it("the owner removes a member (204, notifies image.member.delete); the member loses access", async () => {
    const id = await shared();
    await share(id);
    expect((await call("GET", `/v2/images/${id}`, { token: OTHER })).status).toBe(200);
    expect((await call("DELETE", `${members(id)}/projB`)).status).toBe(204);
    expect((await call("GET", `/v2/images/${id}`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `${members(id)}/projB`)).status).toBe(404);
    const [ev] = await eventsFor("image.member.delete", (p) => p.image_id === id);
    expect(ev.payload).toMatchObject({ member_id: "projB", deleted: true });
    expect(ev.payload.deleted_at).toMatch(/Z$/);
    // Re-adding starts pending again.
    expect((await json(await share(id))).status).toBe("pending");
  });

  it("a member cannot remove itself (403); others get 404; a reader 403", async () => {
    const id = await shared();
    await share(id, "projB");
    await share(id, "projC");
    expect((await call("DELETE", `${members(id)}/projB`, { token: OTHER })).status).toBe(403);
    expect((await call("DELETE", `${members(id)}/projC`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `${members(id)}/projB`, { token: READER })).status).toBe(403);
    expect((await call("DELETE", `${members(id)}/projB`, { token: "projD:member,reader" })).status).toBe(404);
    expect((await call("DELETE", `${members(id)}/projB`, { token: ADMIN })).status).toBe(204);
  });

  it("403 on non-shared images; memberships survive a visibility round trip", async () => {
    const id = await shared();
    await share(id);
    await patch(id, [{ op: "replace", path: "/visibility", value: "private" }]);
    expect((await call("DELETE", `${members(id)}/projB`)).status).toBe(403);
    expect((await call("GET", `/v2/images/${id}`, { token: OTHER })).status).toBe(404);
    await patch(id, [{ op: "replace", path: "/visibility", value: "shared" }]);
    expect((await json(await call("GET", members(id)))).members.map((m: any) => m.member_id)).toEqual(["projB"]);
  });

  it("deleting the image removes its memberships", async () => {
    const id = await shared();
    await share(id);
    expect((await call("DELETE", `/v2/images/${id}`)).status).toBe(204);
    expect((await call("GET", members(id))).status).toBe(404);
  });
});
