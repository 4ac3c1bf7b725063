import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config";
import { createDb } from "../../src/db/client";
import { D1QuotaUsageRepository } from "../../src/db/usage-repo";
import { assertCountUploading, assertImageCountTotal, assertImageSizeTotal, assertStageTotal } from "../../src/domain/quotas";
import type { Services } from "../../src/domain/services";
import { call, createImage, json } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";
import { MiB, bytes, upload } from "../helpers/image-data";

const LIMITS = {
  image_size_total: 10,
  image_stage_total: 20,
  image_count_total: 5,
  image_count_uploading: 2,
  projects: { "big-project": { image_size_total: 1000 } },
};
const withLimits = (limits: unknown = LIMITS) => ({ GLANCE_CONFIG: JSON.stringify({ notification_sink: true, unified_limits: limits }) });
const usageOf = async (token: string, vars: Record<string, string> = withLimits()) => {
  const r = await fetchWith(vars, new Request("http://localhost/v2/info/usage", { headers: { "X-Auth-Token": token } }));
  expect(r.status).toBe(200);
  return (await r.json<any>()).usage;
};
const project = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;
const sqlRun = (q: string, ...args: unknown[]) => env.DB.prepare(q).bind(...args).run();

/** The services the quota verbs need, with unified limits configured. */
function quotaServices(limits: unknown = LIMITS): Services {
  const settings = parseSettings({ AUTH_MODE: "development", GLANCE_CONFIG: JSON.stringify({ unified_limits: limits }), STORES: env.STORES });
  return { settings, quotaUsage: new D1QuotaUsageRepository(createDb(env.DB)) } as unknown as Services;
}

describe("GET /v2/info/usage", () => {
  it("is {} when unified limits are off (Glance without use_keystone_limits)", async () => {
    expect(await json(await call("GET", "/v2/info/usage"))).toEqual({ usage: {} });
    expect(await usageOf("u0:member,reader", { GLANCE_CONFIG: JSON.stringify({ image_count_total: 3 }) })).toEqual({});
  });

  it("counts the caller's project: sizes in MiB over live locations, images, uploads and copies", async () => {
    const p = project("use");
    const token = `${p}:member,reader`;
    expect(await usageOf(token)).toEqual({
      image_size_total: { usage: 0, limit: 10 },
      image_stage_total: { usage: 0, limit: 20 },
      image_count_total: { usage: 0, limit: 5 },
      image_count_uploading: { usage: 0, limit: 2 },
    });
    const a = await createImage({}, token);
    expect((await upload(a.id, bytes(3 * MiB + 5), { token })).status).toBe(204);
    const b = await createImage({}, token);
    expect((await upload(b.id, bytes(MiB), { token })).status).toBe(204);
    const staged = await createImage({}, token);
    await sqlRun("UPDATE images SET status = 'uploading', size = ? WHERE id = ?", 4 * MiB, staged.id);
    const saving = await createImage({}, token);
    await sqlRun("UPDATE images SET status = 'saving' WHERE id = ?", saving.id);
    // b is being copied to another store: counts as staging and as uploading.
    await sqlRun("INSERT INTO image_properties (image_id, name, value) VALUES (?, 'os_glance_importing_to_stores', 'store2')", b.id);
    await createImage({}, `${project("other")}:member,reader`);
    const deleted = await createImage({}, token);
    await call("DELETE", `/v2/images/${deleted.id}`, { token });

    expect(await usageOf(token)).toEqual({
      image_size_total: { usage: 4, limit: 10 },
      image_stage_total: { usage: 5, limit: 20 },
      image_count_total: { usage: 4, limit: 5 },
      image_count_uploading: { usage: 3, limit: 2 },
    });
  });

  it("per-project limits override the defaults; a missing limit is unlimited (-1)", async () => {
    const usage = await usageOf("big-project:member,reader", withLimits({ ...LIMITS, image_count_uploading: undefined }));
    expect(usage.image_size_total.limit).toBe(1000);
    expect(usage.image_stage_total.limit).toBe(20);
    expect(usage.image_count_uploading.limit).toBe(-1);
  });

  it("a bad unified_limits configuration is a 500 naming the problem", async () => {
    const bad = await fetchWith(withLimits({ image_size_total: "lots" }), new Request("http://localhost/v2/info/usage", { headers: { "X-Auth-Token": "x:member" } }));
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain("unified_limits.image_size_total");
    const both = { GLANCE_CONFIG: JSON.stringify({ image_count_total: 1, unified_limits: { image_count_total: 2 } }) };
    const r = await fetchWith(both, new Request("http://localhost/v2/info/usage", { headers: { "X-Auth-Token": "x:member" } }));
    expect(r.status).toBe(500);
    expect(await r.text()).toContain("image_count_total is set both");
  });
});

describe("unified limits enforcement", () => {
  it("image create: image_count_total from unified_limits, per project → 413", async () => {
    const p = project("cnt");
    const vars = withLimits({ image_count_total: 1, projects: { [`${p}-vip`]: { image_count_total: 2 } } });
    const post = (token: string) =>
      fetchWith(vars, new Request("http://localhost/v2/images", { method: "POST", body: "{}", headers: { "X-Auth-Token": token, Accept: "application/json" } }));
    expect((await post(`${p}:member,reader`)).status).toBe(201);
    const over = await post(`${p}:member,reader`);
    expect(over.status).toBe(413);
    expect((await over.json<any>()).message).toContain("image_count_total is over limit: 1 of 1 used, 1 requested");
    expect((await post(`${p}-vip:member,reader`)).status).toBe(201);
    expect((await post(`${p}-vip:member,reader`)).status).toBe(201);
    expect((await post(`${p}-vip:member,reader`)).status).toBe(413);
  });

  it("the asserts for upload, stage and import: usage + delta > limit → QuotaExceeded (413)", async () => {
    const p = project("asr");
    const token = `${p}:member,reader`;
    const img = await createImage({}, token);
    expect((await upload(img.id, bytes(2 * MiB), { token })).status).toBe(204);
    const staged = await createImage({}, token);
    await sqlRun("UPDATE images SET status = 'importing', size = ? WHERE id = ?", 3 * MiB, staged.id);
    const s = quotaServices({ image_size_total: 4, image_stage_total: 3, image_count_uploading: 1 });

    await assertImageSizeTotal(s, p);
    await assertImageSizeTotal(s, p, 2);
    await expect(assertImageSizeTotal(s, p, 3)).rejects.toMatchObject({ kind: "QuotaExceeded", limit: 4, current: 2 });
    await assertStageTotal(s, p);
    await expect(assertStageTotal(s, p, 1)).rejects.toThrow("image_stage_total is over limit: 3 MiB of 3 MiB used, 1 MiB requested.");
    await assertCountUploading(s, p);
    await expect(assertCountUploading(s, p, 1)).rejects.toMatchObject({ kind: "QuotaExceeded" });
    // image_count_total has no limit here; other projects are unaffected.
    await assertImageCountTotal(s, p);
    await assertStageTotal(s, project("fresh"), 3);
    // Over the limit already, delta 0 fails too (glance: stage and upload check with delta 0).
    await expect(assertStageTotal(quotaServices({ image_stage_total: 2 }), p)).rejects.toMatchObject({ kind: "QuotaExceeded" });
  });

  it("with unified limits off only image_count_total applies", async () => {
    const p = project("off");
    const s = { ...quotaServices(null) } as Services;
    await createImage({}, `${p}:member,reader`);
    await assertImageSizeTotal(s, p, 1_000_000);
    await assertStageTotal(s, p, 1_000_000);
    await assertCountUploading(s, p, 1_000_000);
    const settings = parseSettings({ AUTH_MODE: "development", GLANCE_CONFIG: JSON.stringify({ image_count_total: 1 }), STORES: env.STORES });
    await expect(assertImageCountTotal({ ...s, settings }, p)).rejects.toMatchObject({ kind: "QuotaExceeded" });
  });

  it("unified limits turn user_storage_quota off (as use_keystone_limits does)", () => {
    const s = parseSettings({ AUTH_MODE: "development", GLANCE_CONFIG: JSON.stringify({ user_storage_quota: "1MB", unified_limits: {} }), STORES: env.STORES });
    expect(s.userStorageQuota).toBe(0);
    expect(s.unifiedLimits).toEqual({ defaults: {}, projects: {} });
  });
});
