import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, patch } from "../helpers/api";

const setStatus = (id: string, status: string) => env.DB.prepare("UPDATE images SET status = ? WHERE id = ?").bind(status, id).run();
const action = (id: string, a: string, token = OWNER) => call("POST", `/v2/images/${id}/actions/${a}`, { token });

describe("GET /v2/images/{id}", () => {
  it("shows to owner and admin; 404 to another project for private/shared; public/community visible", async () => {
    const priv = await createImage({ visibility: "private" });
    const shared = await createImage();
    const comm = await createImage({ visibility: "community" });
    const pub = await createImage({ visibility: "public" }, ADMIN);
    for (const id of [priv.id, shared.id]) {
      expect((await call("GET", `/v2/images/${id}`)).status).toBe(200);
      expect((await call("GET", `/v2/images/${id}`, { token: ADMIN })).status).toBe(200);
      expect((await call("GET", `/v2/images/${id}`, { token: OTHER })).status).toBe(404);
    }
    expect((await call("GET", `/v2/images/${comm.id}`, { token: OTHER })).status).toBe(200);
    expect((await call("GET", `/v2/images/${pub.id}`, { token: OTHER })).status).toBe(200);
    expect((await call("GET", `/v2/images/${priv.id}`, { token: READER })).status).toBe(200);
  });

  it("404 body is Glance-shaped", async () => {
    const id = crypto.randomUUID();
    const r = await call("GET", `/v2/images/${id}`);
    expect(r.status).toBe(404);
    expect(r.headers.get("Content-Type")).toBe("application/json");
    expect(await json(r)).toEqual({
      message: `No image found with ID ${id}<br /><br />\n\n\n`,
      code: "404 Not Found",
      title: "Not Found",
    });
  });
});

describe("DELETE /v2/images/{id}", () => {
  it("deletes (204), then 404 for everyone including admin", async () => {
    const img = await createImage();
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect((await call("GET", `/v2/images/${img.id}`, { token: ADMIN })).status).toBe(404);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(404);
    const row = await env.DB.prepare("SELECT status, deleted, deleted_at FROM images WHERE id = ?").bind(img.id).first<any>();
    expect(row.status).toBe("deleted");
    expect(row.deleted).toBe(1);
    expect(row.deleted_at).toMatch(/Z$/);
  });

  it("protected images cannot be deleted (403) until unprotected", async () => {
    const img = await createImage({ protected: true });
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(403);
    expect((await patch(img.id, [{ op: "replace", path: "/protected", value: false }])).status).toBe(200);
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
  });

  it("another project: 404 (private) or 403 (public); a reader: 403", async () => {
    const priv = await createImage({ visibility: "private" });
    expect((await call("DELETE", `/v2/images/${priv.id}`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `/v2/images/${priv.id}`, { token: READER })).status).toBe(403);
    const pub = await createImage({ visibility: "public" }, ADMIN);
    expect((await call("DELETE", `/v2/images/${pub.id}`, { token: OTHER })).status).toBe(403);
    expect((await call("GET", `/v2/images/${priv.id}`)).status).toBe(200);
  });

  it("concurrent deletes: exactly one 204, the rest 404", async () => {
    const img = await createImage();
    const rs = await Promise.all(Array.from({ length: 8 }, () => call("DELETE", `/v2/images/${img.id}`)));
    const codes = rs.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 204)).toHaveLength(1);
    expect(codes.filter((c) => c === 404)).toHaveLength(7);
  });

  it("rejects a body (400)", async () => {
    const img = await createImage();
    const r = await call("DELETE", `/v2/images/${img.id}`, { raw: "{}", headers: { "Content-Type": "application/json" } });
    expect(r.status).toBe(400);
  });
});

describe("tags", () => {
  it("adds idempotently and deletes; 404 for a missing tag", async () => {
    const img = await createImage();
    expect((await call("PUT", `/v2/images/${img.id}/tags/alpha`)).status).toBe(204);
    expect((await call("PUT", `/v2/images/${img.id}/tags/alpha`)).status).toBe(204);
    expect((await call("PUT", `/v2/images/${img.id}/tags/b%20c`)).status).toBe(204);
    expect((await json(await call("GET", `/v2/images/${img.id}`))).tags).toEqual(["alpha", "b c"]);
    expect((await call("DELETE", `/v2/images/${img.id}/tags/alpha`)).status).toBe(204);
    expect((await call("DELETE", `/v2/images/${img.id}/tags/alpha`)).status).toBe(404);
    expect((await json(await call("GET", `/v2/images/${img.id}`))).tags).toEqual(["b c"]);
  });

  it("400 for a tag longer than 255; 404 for an unknown image", async () => {
    const img = await createImage();
    expect((await call("PUT", `/v2/images/${img.id}/tags/${"x".repeat(256)}`)).status).toBe(400);
    expect((await call("PUT", `/v2/images/${crypto.randomUUID()}/tags/x`)).status).toBe(404);
  });

  it("another project cannot tag (404 private / 403 public)", async () => {
    const priv = await createImage({ visibility: "private" });
    expect((await call("PUT", `/v2/images/${priv.id}/tags/x`, { token: OTHER })).status).toBe(404);
    expect((await call("DELETE", `/v2/images/${priv.id}/tags/x`, { token: OTHER })).status).toBe(404);
    const pub = await createImage({ visibility: "public" }, ADMIN);
    expect((await call("PUT", `/v2/images/${pub.id}/tags/x`, { token: OTHER })).status).toBe(403);
  });
});

describe("deactivate / reactivate", () => {
  it("active → deactivated → active; repeats are no-op 204s", async () => {
    const img = await createImage();
    await setStatus(img.id, "active");
    expect((await action(img.id, "deactivate")).status).toBe(204);
    expect((await json(await call("GET", `/v2/images/${img.id}`))).status).toBe("deactivated");
    expect((await action(img.id, "deactivate")).status).toBe(204);
    expect((await action(img.id, "reactivate")).status).toBe(204);
    expect((await json(await call("GET", `/v2/images/${img.id}`))).status).toBe("active");
    expect((await action(img.id, "reactivate")).status).toBe(204);
  });

  it("403 from other statuses (queued)", async () => {
    const img = await createImage();
    expect((await action(img.id, "deactivate")).status).toBe(403);
    expect((await action(img.id, "reactivate")).status).toBe(403);
  });

  it("another project: 404 private, 403 public; reader 403; admin allowed", async () => {
    const priv = await createImage({ visibility: "private" });
    await setStatus(priv.id, "active");
    expect((await action(priv.id, "deactivate", OTHER)).status).toBe(404);
    expect((await action(priv.id, "deactivate", READER)).status).toBe(403);
    const pub = await createImage({ visibility: "public" }, ADMIN);
    await setStatus(pub.id, "active");
    expect((await action(pub.id, "deactivate", OTHER)).status).toBe(403);
    expect((await action(pub.id, "deactivate", ADMIN)).status).toBe(204);
  });

  it("unknown action is 404", async () => {
    const img = await createImage();
    expect((await action(img.id, "explode")).status).toBe(404);
  });
});
