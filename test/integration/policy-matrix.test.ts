import { describe, expect, it } from "vitest";
import { STRICT, VIS, type Vis, makeImage, req } from "../helpers/policy-matrix";

// Visibility × role × operation, each cell asserting the code the real Glance (25.1, secure RBAC,
// anchor/start-glance.sh GLANCE_SECURE_RBAC=1) answered for the same sequence of calls; the run
// against Glance and against this service gave the same 240 codes. Runs in strict auth mode, so the
// identities come from STATIC_TOKENS, as deployed.
const ROLE_TOKEN = { admin: "t-admin", owner_member: "t-owner", owner_reader: "t-reader", other_member: "t-other" } as const;
const ANON = { ...STRICT, GLANCE_CONFIG: JSON.stringify({ allow_anonymous_access: true }) };

const OPS = [
  "show",
  "list",
  "list_ms_all",
  "members_list",
  "member_show",
  "member_add",
  "member_update",
  "download",
  "patch",
  "upload",
  "member_delete",
  "delete",
] as const;
type Op = (typeof OPS)[number];
type Cell = number | "in" | "out";
type Role = keyof typeof ROLE_TOKEN | "anonymous" | "anonymous_allowed";

// Rows in OPS order. "in"/"out": whether GET /v2/images (default, then member_status=all) lists it.
const r = (...cells: Cell[]) => cells;
const EXPECTED: Record<Vis, Record<Role, Cell[]>> = {
  public: {
    admin: r(200, "in", "in", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_member: r(200, "in", "in", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_reader: r(200, "in", "in", 403, 404, 403, 403, 403, 403, 403, 403, 403),
    other_member: r(200, "in", "in", 403, 404, 403, 403, 200, 403, 403, 403, 403),
    anonymous: r(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    anonymous_allowed: r(404, 403, 403, 403, 404, 403, 403, 404, 403, 403, 403, 403),
  },
  community: {
    admin: r(200, "out", "out", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_member: r(200, "in", "in", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_reader: r(200, "in", "in", 403, 404, 403, 403, 403, 403, 403, 403, 403),
    other_member: r(200, "out", "out", 403, 404, 403, 403, 200, 403, 403, 403, 403),
    anonymous: r(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    anonymous_allowed: r(404, 403, 403, 403, 404, 403, 403, 404, 403, 403, 403, 403),
  },
  "shared-accepted": {
    admin: r(200, "in", "in", 200, 200, 200, 200, 200, 200, 204, 204, 204),
    owner_member: r(200, "in", "in", 200, 200, 200, 403, 200, 200, 204, 204, 204),
    owner_reader: r(200, "in", "in", 200, 200, 403, 403, 403, 403, 403, 403, 403),
    other_member: r(200, "in", "in", 200, 200, 403, 200, 200, 403, 403, 403, 403),
    anonymous: r(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    anonymous_allowed: r(404, 403, 403, 404, 404, 403, 403, 404, 403, 403, 403, 403),
  },
  "shared-pending": {
    admin: r(200, "in", "in", 200, 200, 200, 200, 200, 200, 204, 204, 204),
    owner_member: r(200, "in", "in", 200, 200, 200, 403, 200, 200, 204, 204, 204),
    owner_reader: r(200, "in", "in", 200, 200, 403, 403, 403, 403, 403, 403, 403),
    other_member: r(200, "out", "in", 200, 200, 403, 200, 200, 403, 403, 403, 403),
    anonymous: r(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    anonymous_allowed: r(404, 403, 403, 404, 404, 403, 403, 404, 403, 403, 403, 403),
  },
  private: {
    admin: r(200, "in", "in", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_member: r(200, "in", "in", 403, 404, 403, 403, 200, 200, 204, 403, 204),
    owner_reader: r(200, "in", "in", 403, 404, 403, 403, 403, 403, 403, 403, 403),
    other_member: r(404, "out", "out", 404, 404, 404, 404, 404, 404, 404, 404, 404),
    anonymous: r(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401),
    anonymous_allowed: r(404, 403, 403, 404, 404, 403, 403, 404, 403, 403, 403, 403),
  },
};


async function runCell(vis: Vis, role: Role): Promise<Record<Op, Cell>> {
  const vars = role === "anonymous_allowed" ? ANON : STRICT;
  const token = role === "anonymous" || role === "anonymous_allowed" ? null : ROLE_TOKEN[role];
  const id = await makeImage(vis, true);
  const queued = await makeImage(vis, false);
  const listed = async (query: string): Promise<Cell> => {
    const res = await req(vars, "GET", `/v2/images?limit=1000${query}`, token);
    if (res.status !== 200) return res.status;
    return res.json.images.some((i: any) => i.id === id) ? "in" : "out";
  };
  const out = {} as Record<Op, Cell>;
  out.show = (await req(vars, "GET", `/v2/images/${id}`, token)).status;
  out.list = await listed("");
  out.list_ms_all = await listed("&member_status=all");
  out.members_list = (await req(vars, "GET", `/v2/images/${id}/members`, token)).status;
  out.member_show = (await req(vars, "GET", `/v2/images/${id}/members/projB`, token)).status;
  out.member_add = (await req(vars, "POST", `/v2/images/${id}/members`, token, { member: "projC" })).status;
  out.member_update = (await req(vars, "PUT", `/v2/images/${id}/members/projB`, token, { status: "rejected" })).status;
  out.download = (await req(vars, "GET", `/v2/images/${id}/file`, token)).status;
  const ops = [{ op: "add", path: "/x_probe", value: "v" }];
  out.patch = (await req(vars, "PATCH", `/v2/images/${id}`, token, ops, "application/openstack-images-v2.1-json-patch")).status;
  out.upload = (await req(vars, "PUT", `/v2/images/${queued}/file`, token, new TextEncoder().encode("y".repeat(10)))).status;
  out.member_delete = (await req(vars, "DELETE", `/v2/images/${id}/members/projB`, token)).status;
  out.delete = (await req(vars, "DELETE", `/v2/images/${id}`, token)).status;
  return out;
}

describe("visibility × role × operation matrix (Glance's codes)", () => {
  for (const vis of VIS) {
    for (const role of Object.keys(EXPECTED[vis]) as Role[]) {
      it(`${vis} × ${role}`, async () => {
        const got = await runCell(vis, role);
        const want = Object.fromEntries(OPS.map((op, i) => [op, EXPECTED[vis][role][i]]));
        expect(got).toEqual(want);
      });
    }
  }
});
