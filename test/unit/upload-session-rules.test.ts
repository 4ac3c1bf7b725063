import { describe, expect, it } from "vitest";
import type { Image } from "../../src/domain/images/image";
import {
  SESSION_TTL_MS,
  VERIFY_GIVE_UP_MS,
  VERIFY_RETRY_MS,
  judgeSessionData,
  missingParts,
  missingPartsMessage,
  partLength,
  sessionDeadline,
} from "../../src/domain/images/upload-session-rules";
import type { Inspection } from "../../src/domain/images/formats/inspector";

const raw: Inspection = { format: "raw", virtualSize: 10, unsafe: [], size: 10 };
const img = { diskFormat: "raw", containerFormat: "bare" } as Image;
const data = { size: 10, md5: "m", sha512: "abc" };

describe("upload session rules", () => {
  it("parts are part_size long, the last one the rest", () => {
    const s = { size: 25, partSize: 10, partCount: 3 };
    expect([1, 2, 3].map((n) => partLength(s, n))).toEqual([10, 10, 5]);
  });
  it("missing parts are listed, the first 20 named", () => {
    expect(missingParts([1, 3], 4)).toEqual([2, 4]);
    const many = missingParts([], 25);
    expect(missingPartsMessage(many, 25)).toBe(`The upload session is missing 25 of 25 parts: ${many.slice(0, 20).join(", ")}, ....`);
  });
  it("the assembled data must be what was announced, then what disk_format says", () => {
    expect(judgeSessionData({ size: 10, sha512: "abc" }, data, raw, img, true, "sha512")).toMatchObject({ ok: true, fields: { size: 10, checksum: "m", osHashValue: "abc" } });
    expect(judgeSessionData({ size: 10, sha512: null }, null, raw, img, true, "sha512")).toEqual({ ok: false, message: "The assembled data was not found." });
    expect(judgeSessionData({ size: 11, sha512: null }, data, raw, img, true, "sha512")).toMatchObject({ ok: false, message: expect.stringMatching(/10 bytes, not the 11/) });
    expect(judgeSessionData({ size: 10, sha512: "def" }, data, raw, img, true, "sha512")).toMatchObject({ ok: false, message: expect.stringMatching(/does not match/) });
    const qcow = { ...img, diskFormat: "qcow2" } as Image;
    expect(judgeSessionData({ size: 10, sha512: null }, data, raw, qcow, true, "sha512").ok).toBe(false);
    expect(judgeSessionData({ size: 10, sha512: null }, data, raw, qcow, false, "sha512").ok).toBe(true);
  });
  it("deadlines: idle expiry while receiving, the checksum job's retry and give-up, none once over", () => {
    const base = { touchedAt: 1000, queuedAt: 5000, completedAt: 4000 };
    expect(sessionDeadline({ ...base, status: "uploading" })).toBe(1000 + SESSION_TTL_MS + 1);
    expect(sessionDeadline({ ...base, status: "verifying" })).toBe(Math.min(5000 + VERIFY_RETRY_MS, 4000 + VERIFY_GIVE_UP_MS) + 1);
    expect(sessionDeadline({ ...base, status: "completed" })).toBeNull();
  });
});
