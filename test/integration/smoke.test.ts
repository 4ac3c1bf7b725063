import { describe, expect, it } from "vitest";
import { call, createImage, json, patch } from "../helpers/api";

describe("smoke", () => {
  it("creates, shows, patches and deletes", async () => {
    const img = await createImage({ foo: "bar" });
    expect(img.status).toBe("queued");
    expect(img.visibility).toBe("shared");
    const r = await call("GET", `/v2/images/${img.id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-openstack-request-id")).toMatch(/^req-/);
    const p = await patch(img.id, [{ op: "add", path: "/color", value: "blue" }]);
    expect(p.status).toBe(200);
    expect((await json(p)).color).toBe("blue");
    expect((await call("DELETE", `/v2/images/${img.id}`)).status).toBe(204);
    expect((await call("GET", `/v2/images/${img.id}`)).status).toBe(404);
  });
});
