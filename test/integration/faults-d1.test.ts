// Fault injection: D1 fails at every step of a request, in turn (the Nth statement, or the Nth
// batch in its middle). Each answer is a clean 5xx carrying the request id (no internal text), and
// the image is all or nothing: the row, its properties and its tags as before the request or as
// after it, never a part. Nothing stuck: the same request succeeds once D1 is back.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { OWNER, PATCH21, createImage, json } from "../helpers/api";
import { failingD1 } from "../helpers/faults";
import { fetchWithEnv } from "../helpers/image-data";

async function stateOf(id: string) {
  const row = await env.DB.prepare("SELECT name, status, deleted FROM images WHERE id = ?").bind(id).first<any>();
  const props = (await env.DB.prepare("SELECT name, value FROM image_properties WHERE image_id = ? ORDER BY name").bind(id).all<any>()).results;
  const tags = (await env.DB.prepare("SELECT value FROM image_tags WHERE image_id = ? ORDER BY value").bind(id).all<any>()).results;
  return { row, props, tags };
}

/** A 5xx as a client sees it: the request id header, a Glance-shaped body, nothing internal. */
async function expectClean5xx(r: Response) {
  expect(r.status).toBeGreaterThanOrEqual(500);
  expect(r.status).not.toBe(501);
  expect(r.headers.get("x-openstack-request-id")).toMatch(/^req-[0-9a-f-]{36}$/);
  const text = await r.text();
  expect(text).not.toMatch(/fault injected|D1_ERROR|no such table|fault_injected/);
  expect(JSON.parse(text).code).toMatch(new RegExp(`^${r.status} `));
}

/** Runs `request` with D1 failing at op 1, 2, … until a run finishes with no fault left to inject. */
async function everyStep(request: (db: D1Database) => Promise<Response>, check: (r: Response, failedAt: number | null) => Promise<void>) {
  let failures = 0;
  for (let n = 1; n < 200; n++) {
    const { db, state } = failingD1(env.DB, n);
    const r = await request(db);
    await check(r, state.failedAt);
    if (state.failedAt === null) return failures;
    failures++;
  }
  throw new Error("the request never ran out of D1 operations");
}

// The failing D1 wraps the API Worker's own binding: in registry mode the API has none (the
// registry Worker's D1 is its own), so these cases run in the direct project.
const direct = (env as { GLANCE_DATA_API?: string }).GLANCE_DATA_API !== "registry";

describe.runIf(direct)("D1 failing mid-request", () => {
  it("POST /v2/images with properties and tags: every failure a clean 5xx and no trace; the retry creates it whole", async () => {
    const steps = await everyStep(
      async (db) => {
        const id = crypto.randomUUID();
        const body = JSON.stringify({ id, name: "d1-fault", disk_format: "raw", container_format: "bare", p1: "one", p2: "two", tags: ["t1", "t2", "t3"] });
        const r = await fetchWithEnv({ DB: db }, "POST", "/v2/images", { body, headers: { "Content-Type": "application/json" } });
        (r as any).imageId = id;
        return r;
      },
      async (r, failedAt) => {
        const id = (r as any).imageId as string;
        const s = await stateOf(id);
        if (failedAt !== null && r.status >= 500) {
          await expectClean5xx(r);
          expect(s).toEqual({ row: null, props: [], tags: [] }); // nothing of it
        } else {
          expect(r.status, `D1 failing at op ${failedAt}`).toBe(201);
          expect(s.row).toMatchObject({ name: "d1-fault", status: "queued" });
          expect(s.props).toEqual([
            { name: "p1", value: "one" },
            { name: "p2", value: "two" },
          ]);
          expect(s.tags.map((t: any) => t.value)).toEqual(["t1", "t2", "t3"]);
        }
      },
    );
    expect(steps).toBeGreaterThan(0);
    console.log(`POST /v2/images: D1 failed at each of ${steps} operations in turn`);
  });

  it("PATCH of properties, tags and name: every failure a clean 5xx with the image as before; the retry applies all of it", async () => {
    const img = await createImage({ name: "before", p1: "one", p2: "two", tags: ["t1", "t2"] });
    const before = await stateOf(img.id);
    const ops = [
      { op: "replace", path: "/name", value: "after" },
      { op: "replace", path: "/p1", value: "uno" },
      { op: "remove", path: "/p2" },
      { op: "add", path: "/p3", value: "tres" },
      { op: "replace", path: "/tags", value: ["t2", "t9"] },
    ];
    const after = {
      row: { ...before.row, name: "after" },
      props: [
        { name: "p1", value: "uno" },
        { name: "p3", value: "tres" },
      ],
      tags: [{ value: "t2" }, { value: "t9" }],
    };
    let landed = false;
    const steps = await everyStep(
      (db) => fetchWithEnv({ DB: db }, "PATCH", `/v2/images/${img.id}`, { body: JSON.stringify(ops), headers: { "Content-Type": PATCH21, Accept: "application/json" } }),
      async (r, failedAt) => {
        const s = await stateOf(img.id);
        if (failedAt !== null && r.status >= 500) {
          await expectClean5xx(r);
          // all or nothing: a failure before the write leaves it as before; one in a read after it (the answer) leaves it as after
          expect([before, after]).toContainEqual(s);
          landed ||= JSON.stringify(s) === JSON.stringify(after);
          return;
        }
        // the fault missed nothing that matters (a best-effort read), or none was left: applied now,
        // or refused because an earlier answer had applied it (its remove of p2 cannot apply twice)
        expect(s).toEqual(after);
        const already = landed;
        landed = true;
        if (!already || r.status === 200) {
          expect(r.status, `D1 failing at op ${failedAt}`).toBe(200);
          expect(await json(r)).toMatchObject({ name: "after", p1: "uno", p3: "tres", tags: expect.arrayContaining(["t2", "t9"]) });
        } else expect(r.status).toBe(409);
      },
    );
    expect(steps).toBeGreaterThan(0);
    console.log(`PATCH: D1 failed at each of ${steps} operations in turn`);
  });
});

it.runIf(direct)("the 5xx's request id is the one the client sent", async () => {
  const { db } = failingD1(env.DB, 1);
  const r = await fetchWithEnv({ DB: db }, "GET", "/v2/images", { token: OWNER, headers: { "X-Openstack-Request-Id": "req-11111111-2222-4333-8444-555555555555" } });
  await expectClean5xx(r);
  expect(r.headers.get("x-openstack-request-id")).toBe("req-11111111-2222-4333-8444-555555555555");
});
