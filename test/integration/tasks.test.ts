import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ADMIN, OTHER, OWNER, call, createImage, json, sinkEvents } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";

const IMPORT_INPUT = {
  import_from: "http://example.com/cirros.img",
  import_from_format: "qcow2",
  image_properties: { disk_format: "qcow2", container_format: "bare" },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function createTask(body: unknown = { type: "import", input: IMPORT_INPUT }, token = ADMIN): Promise<any> {
  const r = await call("POST", "/v2/tasks", { token, body });
  if (r.status !== 201) throw new Error(`task create failed ${r.status}: ${await r.text()}`);
  return r.json();
}

/** Inserts a task row directly (expired tasks, other owners, image tasks). */
async function insertTask(t: { id?: string; owner?: string | null; imageId?: string | null; status?: string; expiresAt?: string | null; createdAt?: string }) {
  const id = t.id ?? crypto.randomUUID();
  const created = t.createdAt ?? new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO tasks (id, type, status, owner, expires_at, created_at, updated_at, input, result, message, image_id, request_id, user_id)
     VALUES (?, 'api_image_import', ?, ?, ?, ?, ?, ?, NULL, '', ?, 'req-x', 'u1')`,
  )
    .bind(id, t.status ?? "processing", t.owner === undefined ? "projA" : t.owner, t.expiresAt ?? null, created, created, JSON.stringify({ image_id: t.imageId ?? null }), t.imageId ?? null)
    .run();
  return id;
}

const errorText = async (r: Response) => (await r.json<any>()).message as string;

describe("POST /v2/tasks", () => {
  it("creates a legacy import task (201, Location, Glance's keys), which then fails as unsupported", async () => {
    const r = await call("POST", "/v2/tasks", { token: ADMIN, body: { type: "import", input: IMPORT_INPUT }, headers: { "X-Openstack-Request-ID": "req-task-1" } });
    expect(r.status).toBe(201);
    const task = await r.json<any>();
    expect(task.id).toMatch(UUID);
    expect(r.headers.get("Location")).toBe(`http://localhost/v2/tasks/${task.id}`);
    expect(Object.keys(task).sort()).toEqual(
      ["created_at", "id", "input", "message", "owner", "request_id", "result", "schema", "self", "status", "type", "updated_at", "user_id"].sort(),
    );
    expect(task).toMatchObject({
      type: "import",
      status: "pending",
      input: IMPORT_INPUT,
      owner: "admin",
      message: "",
      result: null,
      request_id: "req-task-1",
      user_id: "user-admin",
      self: `/v2/tasks/${task.id}`,
      schema: "/v2/schemas/task",
    });
    expect(task.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const shown = await json(await call("GET", `/v2/tasks/${task.id}`, { token: ADMIN }));
    expect(shown.status).toBe("failure");
    expect(shown.message).toMatch(/not run by this service.*POST \/v2\/images\/\{image_id\}\/import/);
    const ttl = Date.parse(shown.expires_at) - Date.parse(shown.updated_at);
    expect(ttl).toBe(48 * 3600 * 1000);
  });

  it("task.create, task.processing, task.failure and task.run carry Glance's task payload", async () => {
    const task = await createTask();
    const events = async () => (await sinkEvents()).filter((e) => e.event_type?.startsWith("task.") && e.payload?.id === task.id);
    await vi.waitFor(async () => expect((await events()).length).toBeGreaterThanOrEqual(4), { timeout: 15_000, interval: 100 });
    const seen = await events();
    expect(seen.map((e) => e.event_type).sort()).toEqual(["task.create", "task.failure", "task.processing", "task.run"]);
    const created = seen.find((e) => e.event_type === "task.create");
    expect(Object.keys(created.payload).sort()).toEqual(
      ["created_at", "deleted", "deleted_at", "expires_at", "id", "message", "owner", "result", "status", "type", "updated_at"].sort(),
    );
    expect(created.payload).toMatchObject({ status: "pending", type: "import", owner: "admin", result: null, message: null, expires_at: null, deleted: false });
    const failed = seen.find((e) => e.event_type === "task.failure");
    expect(failed.payload.status).toBe("failure");
    expect(failed.payload.expires_at).toMatch(/Z$/);
  });

  it("api_image_import through the tasks API is created and failed, pointing at the import call", async () => {
    const img = await createImage({}, ADMIN);
    const task = await createTask({ type: "api_image_import", input: { image_id: img.id } });
    expect(task.image_id).toBe(img.id);
    const shown = await json(await call("GET", `/v2/tasks/${task.id}`, { token: ADMIN }));
    expect(shown).toMatchObject({ status: "failure", image_id: img.id });
    expect(shown.message).toMatch(/created by the image API/);
  });

  it.each([
    ["no body", undefined, "Body expected in request."],
    ["no type", { input: {} }, "Task 'type' is required"],
    ["no input", { type: "import" }, "Task 'input' is required"],
    ["a list body", [1], "Task 'type' is required"],
    ["an unknown type", { type: "foo", input: {} }, "does not match schema 'task'"],
    ["a string input", { type: "import", input: "x" }, "does not match schema 'task'"],
    ["an unknown key", { type: "import", input: IMPORT_INPUT, extra: 1 }, "Additional properties are not allowed ('extra' was unexpected)"],
    ["a bad status", { type: "import", input: IMPORT_INPUT, status: "done" }, "does not match schema 'task'"],
    ["no import_from", { type: "import", input: {} }, "Invalid location: None"],
    ["a null input", { type: "import", input: null }, "Invalid location: None"],
    ["a file URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "file:///etc/passwd" } }, "File based imports are not allowed"],
    ["an ftp URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "ftp://example.com/x" } }, "The given uri is not valid"],
    ["a loopback URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "http://127.0.0.1/x" } }, "does not pass filtering"],
    ["a metadata URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "http://169.254.169.254/latest" } }, "does not pass filtering"],
    ["a localhost URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "http://localhost/x" } }, "does not pass filtering"],
    ["a private URI", { type: "import", input: { ...IMPORT_INPUT, import_from: "https://10.1.2.3/x" } }, "does not pass filtering"],
    ["a disallowed port", { type: "import", input: { ...IMPORT_INPUT, import_from: "http://example.com:8080/x" } }, "does not pass filtering"],
    ["no import_from_format", { type: "import", input: { import_from: IMPORT_INPUT.import_from, image_properties: {} } }, "Input does not contain 'import_from_format' field"],
    ["no image_properties", { type: "import", input: { import_from: IMPORT_INPUT.import_from, import_from_format: "raw" } }, "Input does not contain 'image_properties' field"],
  ])("400 for %s", async (_, body, message) => {
    const r = await call("POST", "/v2/tasks", { token: ADMIN, body });
    expect(r.status).toBe(400);
    expect(await errorText(r)).toContain(message);
  });

  it("400 for malformed JSON, 403 for a non-admin even with a bad body (policy first)", async () => {
    expect((await call("POST", "/v2/tasks", { token: ADMIN, raw: "{nope", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    const r = await call("POST", "/v2/tasks", { token: OWNER, raw: "{nope", headers: { "Content-Type": "application/json" } });
    expect(r.status).toBe(403);
    expect(await errorText(r)).toContain("tasks_api_access");
    expect((await call("POST", "/v2/tasks", { token: OWNER, body: { type: "import", input: IMPORT_INPUT } })).status).toBe(403);
  });
});

describe("GET /v2/tasks/{id} and DELETE", () => {
  it("shows a task to admins only; 404 for an unknown or expired task", async () => {
    const task = await createTask();
    expect((await call("GET", `/v2/tasks/${task.id}`, { token: ADMIN })).status).toBe(200);
    expect((await call("GET", `/v2/tasks/${task.id}`, { token: OWNER })).status).toBe(403);
    const missing = await call("GET", `/v2/tasks/${crypto.randomUUID()}`, { token: ADMIN });
    expect(missing.status).toBe(404);
    expect(await errorText(missing)).toMatch(/^Could not find task /);
    const expired = await insertTask({ status: "success", expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await call("GET", `/v2/tasks/${expired}`, { token: ADMIN })).status).toBe(404);
  });

  it("DELETE is always 405 Allow: GET for admins, 403 for others; other methods 405 with the route's methods", async () => {
    const task = await createTask();
    const r = await call("DELETE", `/v2/tasks/${task.id}`, { token: ADMIN });
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET");
    expect(await errorText(r)).toContain("auto deleted");
    expect((await call("DELETE", `/v2/tasks/${task.id}`, { token: OWNER })).status).toBe(403);
    expect((await call("GET", `/v2/tasks/${task.id}`, { token: ADMIN })).status).toBe(200);
    const put = await call("PUT", `/v2/tasks/${task.id}`, { token: ADMIN });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET, DELETE");
    const putList = await call("PUT", "/v2/tasks", { token: ADMIN });
    expect(putList.headers.get("Allow")).toBe("GET, POST");
  });

  it("with tasks_api_access opened to members, a project sees only its own tasks (403 otherwise)", async () => {
    const vars = { POLICY: JSON.stringify({ tasks_api_access: "role:member" }) };
    const as = (token: string, path: string, init: RequestInit = {}) =>
      fetchWith(vars, new Request(`http://localhost${path}`, { ...init, headers: { "X-Auth-Token": token, "Content-Type": "application/json", Accept: "application/json" } }));
    const project = `tp-${crypto.randomUUID().slice(0, 8)}`;
    const mine = await (await as(`${project}:member`, "/v2/tasks", { method: "POST", body: JSON.stringify({ type: "import", input: IMPORT_INPUT }) })).json<any>();
    expect(mine.owner).toBe(project);
    const theirs = await insertTask({ owner: "someone-else" });
    expect((await as(`${project}:member`, `/v2/tasks/${mine.id}`)).status).toBe(200);
    expect((await as(`${project}:member`, `/v2/tasks/${theirs}`)).status).toBe(403);
    const list = await (await as(`${project}:member`, "/v2/tasks")).json<any>();
    expect(list.tasks.map((t: any) => t.id)).toEqual([mine.id]);
    expect((await as(`${project}:member`, `/v2/tasks?marker=${theirs}`)).status).toBe(403);
    expect((await as(`${project}:reader`, "/v2/tasks")).status).toBe(403);
  });

  it("an anonymous (read-only) caller never creates tasks and lists none, even with the API opened", async () => {
    const vars = { AUTH_MODE: "strict", GLANCE_CONFIG: JSON.stringify({ allow_anonymous_access: true }), POLICY: JSON.stringify({ tasks_api_access: "" }) };
    const post = await fetchWith(vars, new Request("http://localhost/v2/tasks", { method: "POST", body: JSON.stringify({ type: "import", input: IMPORT_INPUT }), headers: { Accept: "application/json" } }));
    expect(post.status).toBe(403);
    expect(await errorText(post)).toContain("Read-only access");
    const list = await fetchWith(vars, new Request("http://localhost/v2/tasks"));
    expect(await list.json()).toEqual({ tasks: [], first: "/v2/tasks", schema: "/v2/schemas/tasks" });
  });
});

describe("GET /v2/tasks", () => {
  it("lists stubs newest first with first/next links and pages with the marker", async () => {
    const owner = `lp-${crypto.randomUUID().slice(0, 8)}`;
    const base = Date.parse("2030-01-01T00:00:00Z");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await insertTask({ owner, createdAt: new Date(base + i * 1000).toISOString(), status: i % 2 ? "success" : "processing" }));
    const page1 = await json(await call("GET", `/v2/tasks?owner=${owner}&limit=2`, { token: ADMIN }));
    expect(page1.tasks.map((t: any) => t.id)).toEqual([ids[4], ids[3]]);
    expect(page1.first).toBe(`/v2/tasks?owner=${owner}&limit=2`);
    expect(page1.next).toBe(`/v2/tasks?owner=${owner}&limit=2&marker=${ids[3]}`);
    expect(page1.schema).toBe("/v2/schemas/tasks");
    expect(Object.keys(page1.tasks[0]).sort()).toEqual(["created_at", "id", "owner", "schema", "self", "status", "type", "updated_at"]);
    const page2 = await json(await call("GET", page1.next, { token: ADMIN }));
    expect(page2.tasks.map((t: any) => t.id)).toEqual([ids[2], ids[1]]);
    const page3 = await json(await call("GET", page2.next, { token: ADMIN }));
    expect(page3.tasks.map((t: any) => t.id)).toEqual([ids[0]]);
    expect(page3.next).toBeUndefined();

    const asc = await json(await call("GET", `/v2/tasks?owner=${owner}&sort_dir=asc`, { token: ADMIN }));
    expect(asc.tasks.map((t: any) => t.id)).toEqual(ids);
    const byStatus = await json(await call("GET", `/v2/tasks?owner=${owner}&sort_key=status&sort_dir=asc`, { token: ADMIN }));
    expect(byStatus.tasks.map((t: any) => t.id)).toEqual([ids[0], ids[2], ids[4], ids[1], ids[3]]);
    const pagedByStatus = await json(await call("GET", `/v2/tasks?owner=${owner}&sort_key=status&sort_dir=asc&limit=2&marker=${ids[2]}`, { token: ADMIN }));
    expect(pagedByStatus.tasks.map((t: any) => t.id)).toEqual([ids[4], ids[1]]);
    const success = await json(await call("GET", `/v2/tasks?owner=${owner}&status=success`, { token: ADMIN }));
    expect(success.tasks.map((t: any) => t.id)).toEqual([ids[3], ids[1]]);
    expect((await json(await call("GET", `/v2/tasks?owner=${owner}&limit=0`, { token: ADMIN }))).tasks).toEqual([]);
  });

  it("leaves out expired tasks and filters by type", async () => {
    const owner = `ex-${crypto.randomUUID().slice(0, 8)}`;
    const live = await insertTask({ owner, status: "success", expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await insertTask({ owner, status: "success", expiresAt: new Date(Date.now() - 1000).toISOString() });
    const list = await json(await call("GET", `/v2/tasks?owner=${owner}`, { token: ADMIN }));
    expect(list.tasks.map((t: any) => t.id)).toEqual([live]);
    expect(list.tasks[0].expires_at).toMatch(/Z$/);
    expect((await json(await call("GET", `/v2/tasks?owner=${owner}&type=import`, { token: ADMIN }))).tasks).toEqual([]);
  });

  it.each([
    ["status=bad", "Invalid status value: bad"],
    ["type=api_image_import", "Invalid type value: api_image_import"],
    ["marker=bad", "Invalid marker format"],
    [`marker=${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}`, "was not found"],
    ["limit=x", "limit param must be an integer"],
    ["limit=-1", "limit param must be positive"],
    ["sort_dir=up", "Invalid sort direction: up"],
    ["sort_key=input", "Sort key supplied was not valid."],
  ])("400 for %s", async (query, message) => {
    const r = await call("GET", `/v2/tasks?${query}`, { token: ADMIN });
    expect(r.status).toBe(400);
    expect(await errorText(r)).toContain(message);
  });

  it("403 for non-admins", async () => {
    const r = await call("GET", "/v2/tasks", { token: OWNER });
    expect(r.status).toBe(403);
    expect(await errorText(r)).toBe("You are not authorized to complete tasks_api_access action.<br /><br />\n\n\n");
  });
});

describe("GET /v2/images/{id}/tasks", () => {
  it("returns the image's live tasks as raw rows to whoever may see the image", async () => {
    const img = await createImage();
    const a = await insertTask({ imageId: img.id, createdAt: "2030-02-01T10:00:00.123Z", status: "success", expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    const b = await insertTask({ imageId: img.id, createdAt: "2030-02-01T10:00:01.000Z" });
    await insertTask({ imageId: img.id, status: "failure", expiresAt: new Date(Date.now() - 1000).toISOString() });
    const body = await json(await call("GET", `/v2/images/${img.id}/tasks`));
    expect(body.tasks.map((t: any) => t.id)).toEqual([a, b]);
    expect(Object.keys(body.tasks[0])).toEqual([
      "id", "type", "status", "owner", "expires_at", "created_at", "updated_at", "deleted_at", "deleted", "image_id", "request_id", "user_id", "input", "result", "message",
    ]); // prettier-ignore
    expect(body.tasks[0]).toMatchObject({ created_at: "2030-02-01T10:00:00.123000", deleted: false, deleted_at: null, image_id: img.id, input: { image_id: img.id } });
    expect(body.tasks[1].created_at).toBe("2030-02-01T10:00:01");
    expect((await json(await call("GET", `/v2/images/${img.id}/tasks`, { token: ADMIN }))).tasks).toHaveLength(2);
  });

  it("a task of another project is not shown to the image owner", async () => {
    const img = await createImage();
    await insertTask({ imageId: img.id, owner: "admin" });
    expect((await json(await call("GET", `/v2/images/${img.id}/tasks`))).tasks).toEqual([]);
  });

  it("404 (no detail) for an image the caller cannot see, a deleted one or an unknown one", async () => {
    const img = await createImage({ visibility: "private" });
    const hidden = await call("GET", `/v2/images/${img.id}/tasks`, { token: OTHER });
    expect(hidden.status).toBe(404);
    expect(await errorText(hidden)).toMatch(/^The resource could not be found\./);
    expect((await call("GET", `/v2/images/${crypto.randomUUID()}/tasks`)).status).toBe(404);
    await call("DELETE", `/v2/images/${img.id}`);
    expect((await call("GET", `/v2/images/${img.id}/tasks`)).status).toBe(404);
  });
});
