import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config";
import { createDb } from "../../src/db/client";
import { D1TaskRepository } from "../../src/db/tasks-repo";
import type { RequestContext } from "../../src/domain/context";
import type { Services } from "../../src/domain/services";
import { addTask, beginTask, failTask, newTask, recordTaskProgress, succeedTask } from "../../src/domain/tasks/lifecycle";
import { TASK_STATUS_TRANSITIONS, taskSourcesFor } from "../../src/domain/tasks/task";

// The verbs the import work drives from its queue consumer: every step is a conditional update,
// so replaying a step (a redelivered message) changes nothing and notifies nothing.
function services(clock = { now: new Date("2031-03-04T05:06:07.890Z") }) {
  const events: { type: string; payload: any }[] = [];
  const settings = parseSettings({ AUTH_MODE: "development", GLANCE_CONFIG: JSON.stringify({ task_time_to_live: 2 }), STORES: env.STORES });
  const s = {
    settings,
    tasks: new D1TaskRepository(createDb(env.DB)),
    notifier: { publish: (type: string, payload: unknown) => events.push({ type, payload }) },
    now: () => clock.now,
    newId: () => crypto.randomUUID(),
  } as unknown as Services;
  return { s, events, clock };
}
const ctx: RequestContext = { requestId: "req-life", projectId: "life", userId: "u-life", roles: ["member"], isAdmin: false, readOnly: false };

describe("task lifecycle", () => {
  it("the status table is Glance's", () => {
    expect(TASK_STATUS_TRANSITIONS).toEqual({ pending: ["processing", "failure"], processing: ["success", "failure"], success: [], failure: [] });
    expect(taskSourcesFor("failure")).toEqual(["pending", "processing"]);
    expect(taskSourcesFor("pending")).toEqual([]);
  });

  it("pending → processing → success, each step once; replays are no-ops", async () => {
    const { s, events, clock } = services();
    const task = await addTask(s, newTask(s, ctx, { type: "api_image_import", input: { image_id: "img-1" }, imageId: "img-1" }));
    expect(task).toMatchObject({ status: "pending", owner: "life", userId: "u-life", requestId: "req-life", imageId: "img-1", message: "", expiresAt: null });

    const begun = await beginTask(s, task.id);
    expect(begun).toMatchObject({ changed: true, task: { status: "processing" } });
    expect(await beginTask(s, task.id)).toMatchObject({ changed: false, task: { status: "processing" } });

    expect(await recordTaskProgress(s, task.id, { message: "Copied 5 MiB" })).toMatchObject({ changed: true, task: { message: "Copied 5 MiB" } });
    clock.now = new Date("2031-03-04T05:07:00.000Z");
    const done = await succeedTask(s, task.id, { image_id: "img-1" }, "Copied 10 MiB");
    expect(done).toMatchObject({ changed: true, task: { status: "success", result: { image_id: "img-1" }, message: "Copied 10 MiB" } });
    expect(done!.task.expiresAt).toBe("2031-03-04T07:07:00.000Z");
    expect(done!.task.updatedAt).toBe("2031-03-04T05:07:00.000Z");

    // Redelivered steps after the end: nothing moves, nothing is announced again.
    expect(await succeedTask(s, task.id, { other: 1 })).toMatchObject({ changed: false, task: { result: { image_id: "img-1" } } });
    expect(await failTask(s, task.id, "late failure")).toMatchObject({ changed: false, task: { status: "success" } });
    expect(await beginTask(s, task.id)).toMatchObject({ changed: false, task: { status: "success" } });
    expect(await recordTaskProgress(s, task.id, { message: "stale" })).toMatchObject({ changed: false, task: { message: "Copied 10 MiB" } });
    expect(events.map((e) => e.type)).toEqual(["task.create", "task.processing", "task.success", "task.run"]);
    expect(events[2].payload).toMatchObject({ id: task.id, status: "success", expires_at: "2031-03-04T07:07:00Z", result: null, message: null });
  });

  it("a pending task can fail directly; success needs processing first", async () => {
    const { s, events } = services();
    const task = await addTask(s, newTask(s, ctx, { type: "api_image_import", input: null }));
    expect(await succeedTask(s, task.id, {})).toMatchObject({ changed: false, task: { status: "pending" } });
    expect(await failTask(s, task.id, "image deleted")).toMatchObject({ changed: true, task: { status: "failure", message: "image deleted" } });
    expect(await failTask(s, task.id, "again")).toMatchObject({ changed: false, task: { message: "image deleted" } });
    expect(events.map((e) => e.type)).toEqual(["task.create", "task.failure", "task.run"]);
  });

  it("unknown and expired tasks answer null; a duplicate id is a conflict", async () => {
    const { s, clock } = services();
    expect(await beginTask(s, crypto.randomUUID())).toBeNull();
    const task = await addTask(s, newTask(s, ctx, { type: "api_image_import", input: null }));
    await expect(addTask(s, task)).rejects.toMatchObject({ kind: "Conflict" });
    await failTask(s, task.id, "x");
    expect(await s.tasks.get(task.id, clock.now.toISOString())).not.toBeNull();
    clock.now = new Date(clock.now.getTime() + 2 * 3600_000 + 1);
    expect(await s.tasks.get(task.id, clock.now.toISOString())).toBeNull();
    expect(await failTask(s, task.id, "y")).toBeNull();
  });

  it("concurrent begins: exactly one wins", async () => {
    const { s, events } = services();
    const task = await addTask(s, newTask(s, ctx, { type: "api_image_import", input: null }));
    const results = await Promise.all(Array.from({ length: 5 }, () => beginTask(s, task.id)));
    expect(results.filter((r) => r!.changed)).toHaveLength(1);
    expect(events.filter((e) => e.type === "task.processing")).toHaveLength(1);
  });
});
