import { describe, expect, it } from "vitest";
import { EVENT_TYPES, isKnownPattern, matchesEvents, retryDelay } from "../../src/domain/webhooks/webhook";

describe("the webhook event filter", () => {
  it("groups match by prefix; metadef.* matches Glance's metadef_* types", () => {
    expect(matchesEvents(["image.*"], "image.create")).toBe(true);
    expect(matchesEvents(["image.*"], "image.member.create")).toBe(true);
    expect(matchesEvents(["image.member.*"], "image.member.delete")).toBe(true);
    expect(matchesEvents(["image.member.*"], "image.create")).toBe(false);
    expect(matchesEvents(["task.*"], "task.success")).toBe(true);
    expect(matchesEvents(["task.*"], "image.create")).toBe(false);
    expect(matchesEvents(["metadef.*"], "metadef_namespace.create")).toBe(true);
    expect(matchesEvents(["metadef.*"], "metadef_tag.delete")).toBe(true);
    expect(matchesEvents(["metadef.*"], "image.create")).toBe(false);
  });

  it("exact types match only themselves; any pattern of the list may match", () => {
    expect(matchesEvents(["image.activate"], "image.activate")).toBe(true);
    expect(matchesEvents(["image.activate"], "image.update")).toBe(false);
    expect(matchesEvents(["task.failure", "image.activate"], "image.activate")).toBe(true);
    expect(matchesEvents([], "image.create")).toBe(false);
  });

  it("accepts the documented groups, narrower groups and every emitted type; refuses the rest", () => {
    for (const p of ["image.*", "image.member.*", "task.*", "metadef.*", "metadef_namespace.*", ...EVENT_TYPES]) expect(isKnownPattern(p), p).toBe(true);
    for (const p of ["*", ".*", "image", "image.nope", "images.*", "metadef", "metadef_*", "task.pending", ""]) expect(isKnownPattern(p), p).toBe(false);
  });

  it("backs off 15 s, 1 min, 4 min, 16 min, then hourly", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelay)).toEqual([15, 60, 240, 960, 3600, 3600, 3600]);
  });
});
