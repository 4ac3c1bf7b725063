import { Hono } from "hono";
import { addMember } from "../../domain/members/create";
import { removeMember } from "../../domain/members/delete";
import { getMember, listMembers } from "../../domain/members/list";
import type { ImageMember } from "../../domain/members/member";
import { updateMemberStatus } from "../../domain/members/update";
import type { AppEnv } from "../../env";
import { readJson } from "../request-body";

/** glance/api/v2/image_members.py ResponseSerializer._format_image_member. */
export function serializeMember(m: ImageMember): Record<string, unknown> {
  return {
    member_id: m.memberId,
    image_id: m.imageId,
    status: m.status,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    schema: "/v2/schemas/member",
  };
}

export const imageMembersRoutes = new Hono<AppEnv>();

imageMembersRoutes.get("/:id/members", async (c) => {
  const members = await listMembers(c.get("services"), c.get("ctx"), c.req.param("id"));
  return c.json({ members: members.map(serializeMember), schema: "/v2/schemas/members" });
});

imageMembersRoutes.post("/:id/members", async (c) => {
  const member = await addMember(c.get("services"), c.get("ctx"), c.req.param("id"), await readJson(c));
  return c.json(serializeMember(member));
});

imageMembersRoutes.get("/:id/members/:member", async (c) => {
  const member = await getMember(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("member"));
  return c.json(serializeMember(member));
});

imageMembersRoutes.put("/:id/members/:member", async (c) => {
  const { id, member } = c.req.param();
  const saved = await updateMemberStatus(c.get("services"), c.get("ctx"), id, member, await readJson(c));
  return c.json(serializeMember(saved));
});

imageMembersRoutes.delete("/:id/members/:member", async (c) => {
  await removeMember(c.get("services"), c.get("ctx"), c.req.param("id"), c.req.param("member"));
  return c.body(null, 204);
});
