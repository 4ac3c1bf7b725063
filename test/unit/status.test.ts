import { describe, expect, it } from "vitest";
import { IMAGE_STATUSES } from "../../src/domain/images/image";
import { InvalidStatusTransition, VALID_STATUS_TRANSITIONS, assertTransition, deactivationTarget } from "../../src/domain/images/status";

const formats = { diskFormat: "raw", containerFormat: "bare" };
// glance-api.md §3, written out cell by cell.
const ALLOWED = new Set([
  "queued>saving", "queued>uploading", "queued>importing", "queued>active", "queued>deleted",
  "saving>queued", "saving>active", "saving>killed", "saving>deleted",
  "uploading>queued", "uploading>importing", "uploading>deleted",
  "importing>queued", "importing>active", "importing>deleted",
  "active>deactivated", "active>pending_delete", "active>deleted",
  "deactivated>active", "deactivated>deleted",
  "killed>deleted",
  "pending_delete>active", "pending_delete>deleted",
]);

describe("status machine", () => {
  for (const from of IMAGE_STATUSES) {
    for (const to of IMAGE_STATUSES) {
      const ok = ALLOWED.has(`${from}>${to}`);
      it(`${from} → ${to} is ${ok ? "allowed" : "refused"}`, () => {
        if (ok) expect(() => assertTransition(from, to, formats)).not.toThrow();
        else expect(() => assertTransition(from, to, formats)).toThrow(InvalidStatusTransition);
      });
    }
  }

  it("the table and the list agree in size", () => {
    expect(Object.values(VALID_STATUS_TRANSITIONS).flat().length).toBe(ALLOWED.size);
  });

  it("leaving queued/uploading for data states needs both formats", () => {
    expect(() => assertTransition("queued", "saving", { diskFormat: null, containerFormat: "bare" })).toThrow(/disk_format/);
    expect(() => assertTransition("uploading", "importing", { diskFormat: "raw", containerFormat: null })).toThrow();
    expect(() => assertTransition("queued", "deleted", { diskFormat: null, containerFormat: null })).not.toThrow();
  });

  it("deactivate/reactivate targets", () => {
    expect(deactivationTarget("active", "deactivate")).toBe("deactivated");
    expect(deactivationTarget("deactivated", "deactivate")).toBeNull();
    expect(deactivationTarget("deactivated", "reactivate")).toBe("active");
    expect(deactivationTarget("active", "reactivate")).toBeNull();
    expect(() => deactivationTarget("queued", "deactivate")).toThrow();
    expect(() => deactivationTarget("saving", "reactivate")).toThrow();
  });
});
