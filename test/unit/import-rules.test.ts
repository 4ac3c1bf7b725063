import { describe, expect, it } from "vitest";
import type { Image } from "../../src/domain/images/image";
import { type ImportProgress, finishChange, importPrecondition, startChange, storeFailedChange, storeWrittenChange } from "../../src/domain/imports/lock-rules";

const image = (over: Partial<Image> = {}): Image => ({
  id: "i1", name: null, status: "queued", visibility: "shared", protected: false, osHidden: false, owner: "p",
  containerFormat: "bare", diskFormat: "raw", minDisk: 0, minRam: 0, size: null, virtualSize: null, checksum: null,
  osHashAlgo: null, osHashValue: null, createdAt: "t", updatedAt: "t", deleted: false, deletedAt: null,
  properties: {}, tags: [], stores: [], version: 1, ...over,
});
const plan = (method: ImportProgress["method"]) => ({ taskId: "t1", method, stores: ["s1", "s2"], allStoresMustSucceed: true });
const progress = (over: Partial<ImportProgress> = {}): ImportProgress => ({
  ...plan("web-download"), done: {}, failed: [], metadataApplied: false, outcome: null, staged: null, writing: {}, previous: null, ...over,
});
const data = { size: 3, md5: "m", sha512: "h", virtualSize: 3 };

describe("import preconditions (glance import_image)", () => {
  const none = { staged: false, inFlight: false };
  it("copy-image needs active; the others refuse active", () => {
    expect(importPrecondition(image({ status: "active" }), plan("copy-image"), none)).toBeNull();
    expect(importPrecondition(image(), plan("copy-image"), none)?.message).toMatch(/status active can be targeted for copying/);
    expect(importPrecondition(image({ status: "active" }), plan("web-download"), none)?.message).toMatch(/cannot be target for import/);
  });
  it("glance-direct needs staged data, finished; web-download and glance-download need queued", () => {
    const up = image({ status: "uploading" });
    expect(importPrecondition(up, plan("glance-direct"), { staged: true, inFlight: false })).toBeNull();
    expect(importPrecondition(up, plan("glance-direct"), { staged: true, inFlight: true })?.reason).toBe("conflict");
    expect(importPrecondition(up, plan("glance-direct"), none)?.message).toMatch(/needs to be staged/);
    expect(importPrecondition(image(), plan("web-download"), none)).toBeNull();
    expect(importPrecondition(up, plan("glance-download"), none)?.message).toMatch(/'queued' state to use 'glance-download'/);
  });
});

describe("import changes", () => {
  it("start: importing (not copy-image), stores listed, cleared from the failed list, stage host dropped", () => {
    const c = startChange(image({ properties: { os_glance_failed_import: "s2,s3", os_glance_importing_to_stores: "s9" } }), "web-download", ["s1", "s2"]);
    expect(c).toMatchObject({ from: ["queued"], to: "importing", unset: ["os_glance_stage_host"] });
    expect(c.set).toEqual({ os_glance_importing_to_stores: "s1,s2,s9", os_glance_failed_import: "s3" });
    expect(startChange(image({ status: "active" }), "copy-image", ["s2"]).to).toBeUndefined();
  });
  it("store written: data fields once, activation only when importing and asked; other data is refused", () => {
    const c = storeWrittenChange(image({ status: "importing", properties: { os_glance_importing_to_stores: "s1,s2" } }), "s1", "k", data, true, "sha512");
    expect(c).toMatchObject({ to: "active", addLocation: { store: "s1", key: "k" }, set: { os_glance_importing_to_stores: "s2" } });
    expect("fields" in c && c.fields).toMatchObject({ size: 3, checksum: "m", osHashValue: "h", osHashAlgo: "sha512" });
    const copy = storeWrittenChange(image({ status: "active", size: 3, osHashValue: "h" }), "s2", "k2", data, false, "sha512");
    expect("fields" in copy && copy.fields?.size).toBeUndefined();
    expect(storeWrittenChange(image({ status: "active", size: 3, osHashValue: "other" }), "s2", "k2", data, false, "sha512")).toMatchObject({ ok: false, reason: "conflict" });
  });
  it("store failed: moves from importing to failed", () => {
    expect(storeFailedChange(image({ properties: { os_glance_importing_to_stores: "s1,s2", os_glance_failed_import: "s3" } }), "s1").set).toEqual({
      os_glance_importing_to_stores: "s2",
      os_glance_failed_import: "s1,s3",
    });
  });
});

describe("finishing an import (glance revert)", () => {
  const importing = image({ status: "importing", properties: { os_glance_import_task: "t1", os_glance_importing_to_stores: "s1,s2" } });
  it("success keeps the data, drops the lock and the staged object", () => {
    const { change, orphans } = finishChange(progress({ staged: { store: "s1", key: "staged", size: 3 }, done: { s1: "k1" } }), importing, true);
    expect(change.unset).toEqual(["os_glance_import_task"]);
    expect(change.to).toBeUndefined();
    expect(orphans).toEqual([{ store: "s1", key: "staged" }]);
  });
  it("failure removes the new copies, lists the failed stores, goes back to queued with the data cleared", () => {
    const r = progress({ done: { s1: "k1" }, failed: ["s2"], writing: { s3: "k3" }, staged: { store: "s1", key: "staged", size: 3 } });
    const { change, orphans } = finishChange(r, importing, false);
    expect(change).toMatchObject({ to: "queued", removeLocations: ["s1"], fields: { size: null, checksum: null, osHashValue: null } });
    expect(change.set).toMatchObject({ os_glance_failed_import: "s2", os_glance_importing_to_stores: "" });
    expect(orphans).toEqual(expect.arrayContaining([{ store: "s3", key: "k3" }, { store: "s1", key: "k1" }, { store: "s1", key: "staged" }]));
  });
  it("data that could not be read lists the stores the failure names, with those that failed on their own", () => {
    const r = progress({ failed: ["s3"] });
    const prior = image({ status: "importing", properties: { os_glance_import_task: "t1", os_glance_importing_to_stores: "s1,s2", os_glance_failed_import: "s9" } });
    expect(finishChange(r, prior, false, ["s2", "s1"]).change.set).toMatchObject({ os_glance_failed_import: "s1,s2,s3,s9", os_glance_importing_to_stores: "" });
    expect(finishChange(r, prior, true, ["s2"]).change.set).not.toHaveProperty("os_glance_failed_import");
  });
  it("a failed copy-image leaves the image active; glance-download's metadata is restored", () => {
    const active = image({ status: "active", properties: { os_glance_import_task: "t1" } });
    expect(finishChange(progress({ method: "copy-image", done: { s2: "k2" } }), active, false).change.to).toBeUndefined();
    const previous = { diskFormat: null, containerFormat: null, properties: { hw_a: null, os_distro: "old" } };
    const { change } = finishChange(progress({ method: "glance-download", previous }), importing, false);
    expect(change.fields).toMatchObject({ diskFormat: null, containerFormat: null });
    expect(change.unset).toContain("hw_a");
    expect(change.set).toMatchObject({ os_distro: "old" });
  });
});
