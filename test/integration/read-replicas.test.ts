import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";
import { ORIGIN, waitTask } from "../helpers/imports";
import { LaggingD1 } from "../helpers/lagging-d1";

// D1 read replication (README "Read replicas"): a real local D1 (the primary) and a second one as
// a replica that lags until sync(). The app reads through D1 sessions; a client never misses its
// own writes, whether it sends the bookmark back (X-Glance-Bookmark) or not.
const direct = (env as { GLANCE_DATA_API?: string }).GLANCE_DATA_API !== "registry";
let lag: LaggingD1;

async function req(method: string, path: string, o: { token?: string | null; body?: unknown; bookmark?: string | null; vars?: Record<string, string> } = {}) {
  const headers = new Headers({ Accept: "application/json" });
  if (o.token !== null) headers.set("X-Auth-Token", o.token ?? "rr:member,reader");
  if (o.bookmark) headers.set("X-Glance-Bookmark", o.bookmark);
  if (o.body !== undefined) headers.set("Content-Type", "application/json");
  const ctx = createExecutionContext();
  const res = await app.fetch(
    negotiateVersion(new Request(`http://localhost${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) })),
    { ...env, DB: lag as unknown as D1Database, ...o.vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}
// A deployment open to anonymous readers (allow_anonymous_access, and policies that let them list).
const strictAnon = {
  AUTH_MODE: "strict",
  STATIC_TOKENS: JSON.stringify({ "rr-admin": "rr:admin,member,reader" }),
  GLANCE_CONFIG: JSON.stringify({ allow_anonymous_access: true }),
  POLICY: JSON.stringify({ get_images: "", get_image: "" }),
};

describe.runIf(direct)("read replicas with read-your-writes", () => {
  beforeAll(async () => {
    await applyD1Migrations(env.REPLICA_DB, env.TEST_MIGRATIONS);
    lag = new LaggingD1(env.DB, env.REPLICA_DB);
    await lag.sync();
  });

  it("show after create without a bookmark reads the primary: the new image is there although the replica lags", async () => {
    const created = await req("POST", "/v2/images", { body: { name: "rr-1" } });
    expect(created.status).toBe(201);
    const id = (await created.json<{ id: string }>()).id;
    expect(created.headers.get("X-Glance-Bookmark")).toMatch(/^[0-9a-f]{8}-/);
    expect((await req("GET", `/v2/images/${id}`)).status).toBe(200);
    const list = await (await req("GET", "/v2/images?name=rr-1")).json<{ images: { id: string }[] }>();
    expect(list.images.map((i) => i.id)).toEqual([id]);
  });

  it("a client that sends the bookmark back is served by the replica once it has caught up, by the primary before", async () => {
    const created = await req("POST", "/v2/images", { body: { name: "rr-2" } });
    const id = (await created.json<{ id: string }>()).id;
    const bookmark = created.headers.get("X-Glance-Bookmark")!;
    const before = lag.served.replica;
    expect((await req("GET", `/v2/images/${id}`, { bookmark })).status).toBe(200); // replica behind: primary
    expect(lag.served.replica).toBe(before);
    await lag.sync();
    const shown = await req("GET", `/v2/images/${id}`, { bookmark });
    expect(shown.status).toBe(200);
    expect(lag.served.replica).toBeGreaterThan(before); // caught up: the replica answered
  });

  it("anonymous readers use the nearest replica (they wrote nothing to miss); it shows what it has caught up to", async () => {
    const created = await req("POST", "/v2/images", { token: "rr-admin", body: { name: "rr-public", visibility: "public" }, vars: strictAnon });
    expect(created.status).toBe(201);
    const id = (await created.json<{ id: string }>()).id;
    const anon = async () => {
      const r = await req("GET", "/v2/images?name=rr-public", { token: null, vars: strictAnon });
      const body = await r.text();
      expect(r.status, body).toBe(200);
      return (JSON.parse(body) as { images: { id: string }[] }).images.map((i) => i.id);
    };
    expect(await anon()).toEqual([]); // the replica has not seen it yet
    await lag.sync();
    expect(await anon()).toEqual([id]);
  });

  it("member accept: the member project sees the share accepted right after accepting, without a bookmark", async () => {
    const id = (await (await req("POST", "/v2/images", { body: { name: "rr-shared", visibility: "shared" } })).json<{ id: string }>()).id;
    expect((await req("POST", `/v2/images/${id}/members`, { body: { member: "rr-b" } })).status).toBe(200);
    expect((await req("PUT", `/v2/images/${id}/members/rr-b`, { token: "rr-b:member,reader", body: { status: "accepted" } })).status).toBe(200);
    const mine = await (await req("GET", "/v2/images?member_status=accepted&visibility=shared", { token: "rr-b:member,reader" })).json<{ images: { id: string }[] }>();
    expect(mine.images.map((i) => i.id)).toContain(id);
  });

  it("a write made by the image's Durable Object (an upload) is covered by the bookmark the response carries", async () => {
    const id = (await (await req("POST", "/v2/images", { body: { name: "rr-data", disk_format: "raw", container_format: "bare" } })).json<{ id: string }>()).id;
    const ctx = createExecutionContext();
    const put = await app.fetch(
      new Request(`http://localhost/v2/images/${id}/file`, { method: "PUT", headers: { "X-Auth-Token": "rr:member,reader", "Content-Type": "application/octet-stream" }, body: "abc" }),
      { ...env, DB: lag as unknown as D1Database },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(put.status).toBe(204);
    const bookmark = put.headers.get("X-Glance-Bookmark")!;
    expect(bookmark).toMatch(/^[0-9a-f]{8}-/);
    const shown = await (await req("GET", `/v2/images/${id}`, { bookmark })).json<{ status: string; size: number }>();
    expect(shown).toMatchObject({ status: "active", size: 3 });
  });

  it("import completion: after the queue job activated the image, the importer sees it active without a bookmark", async () => {
    const id = (await (await req("POST", "/v2/images", { body: { name: "rr-import", disk_format: "raw", container_format: "bare" } })).json<{ id: string }>()).id;
    const r = await req("POST", `/v2/images/${id}/import`, { body: { method: { name: "web-download", uri: `${ORIGIN}/bytes/4096/3` } } });
    expect(r.status).toBe(202);
    expect((await waitTask(id)).status).toBe("success");
    // The replica still has the image queued (never synced since): the importer reads the primary.
    expect(await (await req("GET", `/v2/images/${id}`)).json()).toMatchObject({ status: "active", size: 4096 });
  });
});
