import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { parseSettings } from "../../src/config";
import { app } from "../../src/wiring";
import { ORIGIN, deployment } from "../helpers/imports";
import { LaggingD1 } from "../helpers/lagging-d1";

// read_your_writes "project" (README "Read replicas"): authenticated callers that carry no
// bookmark read at their project's newest write (a bookmark kept in the project's Durable Object),
// so a replica that has caught up serves them and they still never miss their own writes.
// The replica is test/helpers/lagging-d1.ts: a second local D1 that catches up only on sync().
const direct = (env as { GLANCE_DATA_API?: string }).GLANCE_DATA_API !== "registry";
const PROJECT_MODE = { GLANCE_CONFIG: JSON.stringify({ notification_sink: true, read_your_writes: "project" }) };
let lag: LaggingD1;
const run = crypto.randomUUID().slice(0, 8);
const project = (name: string) => `ryw-${name}-${run}`;
const token = (p: string) => `${p}:member,reader`;

async function req(method: string, path: string, o: { project: string; body?: unknown; raw?: BodyInit; vars?: Record<string, unknown> }) {
  const headers = new Headers({ Accept: "application/json", "X-Auth-Token": token(o.project) });
  if (o.body !== undefined) headers.set("Content-Type", "application/json");
  if (o.raw !== undefined) headers.set("Content-Type", "application/octet-stream");
  const ctx = createExecutionContext();
  const request = new Request(`http://localhost${path}`, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
  const bindings = direct ? { ...env, DB: lag as unknown as D1Database, ...PROJECT_MODE, ...o.vars } : { ...env, ...PROJECT_MODE, ...o.vars };
  const res = await app.fetch(negotiateVersion(request), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const created = async (p: string, body: Record<string, unknown>) => {
  const r = await req("POST", "/v2/images", { project: p, body });
  expect(r.status).toBe(201);
  return (await r.json<{ id: string }>()).id;
};
/** Runs `read` and tells which database answered its queries (each read is one or more queries). */
async function servedBy<T>(read: () => Promise<T>): Promise<{ result: T; by: "primary" | "replica" | "both" }> {
  const before = { ...lag.served };
  const result = await read();
  const primary = lag.served.primary > before.primary;
  const replica = lag.served.replica > before.replica;
  expect(primary || replica).toBe(true);
  return { result, by: primary && replica ? "both" : primary ? "primary" : "replica" };
}
const ids = async (r: Response) => {
  const body = await r.text();
  expect(r.status, body).toBe(200);
  return (JSON.parse(body) as { images: { id: string }[] }).images.map((i) => i.id);
};

describe.runIf(direct)("read_your_writes project: bookmark-less clients read replicas without missing their writes", () => {
  beforeAll(async () => {
    await applyD1Migrations(env.REPLICA_DB, env.TEST_MIGRATIONS);
    lag = new LaggingD1(env.DB, env.REPLICA_DB);
    await lag.sync();
  });

  it("create then show and list without a bookmark: the primary while the replica lags, the replica once it has caught up; the image is there both times", async () => {
    const p = project("a");
    const id = await created(p, { name: `ryw-1-${run}` });
    const before = await servedBy(async () => (await req("GET", `/v2/images/${id}`, { project: p })).status);
    expect(before).toEqual({ result: 200, by: "primary" });
    expect(await servedBy(async () => ids(await req("GET", `/v2/images?name=ryw-1-${run}`, { project: p })))).toEqual({ result: [id], by: "primary" });
    await lag.sync();
    const shown = await servedBy(async () => {
      const r = await req("GET", `/v2/images/${id}`, { project: p });
      return [r.status, (await r.json<{ name: string }>()).name];
    });
    expect(shown).toEqual({ result: [200, `ryw-1-${run}`], by: "replica" });
    expect(await servedBy(async () => ids(await req("GET", `/v2/images?name=ryw-1-${run}`, { project: p })))).toEqual({ result: [id], by: "replica" });
  });

  it("a project without a recorded bookmark reads the primary; another project's write does not hold it back nor push it forward", async () => {
    const a = project("b1");
    const c = project("b2");
    expect((await servedBy(async () => ids(await req("GET", "/v2/images", { project: c })))).by).toBe("primary");
    const mine = await created(c, { name: `ryw-c-${run}` });
    await lag.sync();
    const theirs = await created(a, { name: `ryw-a-${run}`, visibility: "community" });
    // c's newest write is on the replica: c reads the replica (which has not seen a's image yet)...
    const cList = await servedBy(async () => ids(await req("GET", `/v2/images?visibility=community&name=ryw-a-${run}`, { project: c })));
    expect(cList).toEqual({ result: [], by: "replica" });
    expect((await servedBy(async () => (await req("GET", `/v2/images/${mine}`, { project: c })).status)).result).toBe(200);
    // ...while a, whose write the replica lacks, reads the primary and sees it.
    expect(await servedBy(async () => ids(await req("GET", `/v2/images?visibility=community&name=ryw-a-${run}`, { project: a })))).toEqual({
      result: [theirs],
      by: "primary",
    });
  });

  it("member accept: the member's list includes the accepted share; the owner removing the member drops it from the member's list at once", async () => {
    const owner = project("m1");
    const member = project("m2");
    const id = await created(owner, { name: `ryw-shared-${run}`, visibility: "shared" });
    expect((await req("POST", `/v2/images/${id}/members`, { project: owner, body: { member } })).status).toBe(200);
    expect((await req("PUT", `/v2/images/${id}/members/${member}`, { project: member, body: { status: "accepted" } })).status).toBe(200);
    const accepted = `/v2/images?member_status=accepted&visibility=shared&name=ryw-shared-${run}`;
    expect(await servedBy(async () => ids(await req("GET", accepted, { project: member })))).toEqual({ result: [id], by: "primary" });
    await lag.sync();
    expect(await servedBy(async () => ids(await req("GET", accepted, { project: member })))).toEqual({ result: [id], by: "replica" });
    expect((await req("DELETE", `/v2/images/${id}/members/${member}`, { project: owner })).status).toBe(204);
    // The replica still has the membership; the member's bookmark moved past the removal: the primary answers.
    expect(await servedBy(async () => ids(await req("GET", accepted, { project: member })))).toEqual({ result: [], by: "primary" });
  });

  it("import completion by the queue: the owner's bookmark-less show sees the image active although the replica has it queued", async () => {
    const p = project("i");
    const id = await created(p, { name: `ryw-import-${run}`, disk_format: "raw", container_format: "bare" });
    // The import request runs on the real primary; its import message is held until run().
    const dep = deployment(PROJECT_MODE);
    const r = await dep.fetch("POST", `/v2/images/${id}/import`, { token: token(p), body: { method: { name: "web-download", uri: `${ORIGIN}/bytes/4096/3` } } });
    expect(r.status).toBe(202);
    await lag.sync();
    const waiting = await servedBy(async () => (await req("GET", `/v2/images/${id}`, { project: p })).json<{ status: string }>());
    expect(waiting).toMatchObject({ result: { status: "queued" }, by: "replica" });
    expect(await dep.run()).toHaveLength(1);
    const shown = await servedBy(async () => (await req("GET", `/v2/images/${id}`, { project: p })).json<{ status: string; size: number }>());
    expect(shown).toMatchObject({ result: { status: "active", size: 4096 }, by: "primary" });
  });

  it("upload session completion verified by the queue: the owner's bookmark-less show sees the image active", async () => {
    const p = project("u");
    const id = await created(p, { name: `ryw-upload-${run}`, disk_format: "raw", container_format: "bare" });
    const started = await req("POST", `/v2/images/${id}/upload-sessions`, { project: p, body: { size: 3 } });
    expect(started.status, await started.clone().text()).toBe(201);
    const sid = (await started.json<{ id: string }>()).id;
    expect((await req("PUT", `/v2/images/${id}/upload-sessions/${sid}/parts/1`, { project: p, raw: "abc" })).status).toBe(200);
    expect((await req("POST", `/v2/images/${id}/upload-sessions/${sid}/complete`, { project: p })).status).toBe(202);
    // The replica now has at least the completion request's write (the image saving, the session verifying).
    await lag.sync();
    // The activation comes from the queue's verification, usually after the sync: then only the
    // owner's bookmark recorded by the queue moves the owner's reads past the replica (the import
    // case above holds its message until after the sync, so there it is always so).
    await vi.waitFor(async () => expect(await (await req("GET", `/v2/images/${id}`, { project: p })).json()).toMatchObject({ status: "active", size: 3 }), {
      timeout: 20_000,
      interval: 25,
    });
  });

  it("the bookmarks' object unreachable: writes succeed and reads go to the primary", async () => {
    const p = project("down");
    const down = { PROJECT_BOOKMARKS: { getByName: () => ({ latest: () => Promise.reject(new Error("down")), record: () => Promise.reject(new Error("down")) }) } };
    const r = await req("POST", "/v2/images", { project: p, body: { name: `ryw-down-${run}` }, vars: down });
    expect(r.status).toBe(201);
    expect(r.headers.get("X-Glance-Bookmark")).toMatch(/^[0-9a-f]{8}-/);
    const id = (await r.json<{ id: string }>()).id;
    await lag.sync();
    expect(await servedBy(async () => (await req("GET", `/v2/images/${id}`, { project: p, vars: down })).status)).toEqual({ result: 200, by: "primary" });
  });
});

describe.runIf(!direct)("read_your_writes project in registry mode", () => {
  it("create, show and list without a bookmark see the new image; its deletion is seen at once", async () => {
    const p = project("reg");
    const id = await created(p, { name: `ryw-reg-${run}` });
    expect((await req("GET", `/v2/images/${id}`, { project: p })).status).toBe(200);
    expect(await ids(await req("GET", `/v2/images?name=ryw-reg-${run}`, { project: p }))).toEqual([id]);
    expect((await req("DELETE", `/v2/images/${id}`, { project: p })).status).toBe(204);
    expect((await req("GET", `/v2/images/${id}`, { project: p })).status).toBe(404);
  });
});

describe("read_your_writes setting", () => {
  it("accepts primary and project; anything else is a configuration error naming the key", () => {
    for (const v of ["primary", "project"]) expect(() => parseSettings({ STORES: env.STORES, GLANCE_CONFIG: JSON.stringify({ read_your_writes: v }) })).not.toThrow();
    expect(() => parseSettings({ STORES: env.STORES, GLANCE_CONFIG: JSON.stringify({ read_your_writes: "replica" }) })).toThrow(/read_your_writes/);
  });
});
