import { describe, expect, it } from "vitest";
import { ConfigError, parseSettings } from "../../src/config";

const STORES = JSON.stringify([{ id: "s1", binding: "S1", default: true }]);

describe("configuration parsing", () => {
  it("defaults match Glance's", () => {
    const s = parseSettings({ AUTH_MODE: "strict", GLANCE_CONFIG: "{}", STORES });
    expect(s).toMatchObject({
      limitParamDefault: 25,
      apiLimitMax: 1000,
      imageMemberQuota: 128,
      imagePropertyQuota: 128,
      imageTagQuota: 128,
      imageSizeCap: 1099511627776,
      userStorageQuota: 0,
      delayedDelete: false,
      defaultStore: "s1",
      publisherId: "image.localhost",
    });
    expect(s.diskFormats).toContain("qcow2");
  });

  it("parses storage sizes with units", () => {
    expect(parseSettings({ GLANCE_CONFIG: '{"user_storage_quota":"5GB"}', STORES }).userStorageQuota).toBe(5 * 1024 ** 3);
  });

  it.each([
    [{ AUTH_MODE: "trusting", STORES }, /AUTH_MODE/],
    [{ GLANCE_CONFIG: "{not json", STORES }, /GLANCE_CONFIG is not valid JSON/],
    [{ GLANCE_CONFIG: '{"image_tag_quota":"many"}', STORES }, /image_tag_quota/],
    [{ GLANCE_CONFIG: '{"no_such_option":1}', STORES }, /no_such_option|Unrecognized/],
    [{ GLANCE_CONFIG: '{"limit_param_default":2000}', STORES }, /limit_param_default/],
    [{ GLANCE_CONFIG: "{}", STORES: "[]" }, /STORES/],
    [{ GLANCE_CONFIG: "{}", STORES: JSON.stringify([{ id: "a", binding: "A", default: true }, { id: "b", binding: "B", default: true }]) }, /default/],
    [{ GLANCE_CONFIG: "{}", STORES, STATIC_TOKENS: '{"t":"noroles"}' }, /STATIC_TOKENS/],
  ])("refuses %j with a clear error", (raw, msg) => {
    expect(() => parseSettings(raw as never)).toThrow(ConfigError);
    expect(() => parseSettings(raw as never)).toThrow(msg);
  });

  it("the deploy configuration (top-level wrangler.toml) does not trust headers", async () => {
    // vitest runs with AUTH_MODE overridden; the committed default must be strict.
    const toml = (await import("../../wrangler.toml?raw")).default as string;
    expect(toml).toMatch(/^AUTH_MODE = "strict"$/m);
  });
});
