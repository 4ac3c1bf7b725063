import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json } from "../helpers/api";

const post = (body: unknown, token = OWNER) => call("POST", "/v2/images", { token, body });

describe("POST /v2/images", () => {
  it("creates a queued image with Glance's defaults, Location and discovery headers", async () => {
    const r = await post({ name: "cirros" });
    expect(r.status).toBe(201);
    const img = await json(r);
    expect(r.headers.get("Location")).toBe(`http://localhost/v2/images/${img.id}`);
    expect(r.headers.get("OpenStack-image-import-methods")).toBe("glance-direct,web-download,copy-image");
    expect(r.headers.get("OpenStack-image-store-ids")).toBe("store1,store2");
    expect(img).toMatchObject({
      name: "cirros",
      status: "queued",
      visibility: "shared",
      protected: false,
      os_hidden: false,
      owner: "projA",
      min_disk: 0,
      min_ram: 0,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      disk_format: null,
      container_format: null,
      tags: [],
      self: `/v2/images/${img.id}`,
      file: `/v2/images/${img.id}/file`,
      schema: "/v2/schemas/image",
    });
    expect(img.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(img.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(img.updated_at).toBe(img.created_at);
    expect(img).not.toHaveProperty("stores");
  });

  it("keeps extra properties as strings and tags as a set", async () => {
    const img = await createImage({ hw_disk_bus: "scsi", tags: ["a", "b", "a"], min_disk: 3, os_distro: "ubuntu" });
    expect(img.hw_disk_bus).toBe("scsi");
    expect(img.os_distro).toBe("ubuntu");
    expect(img.tags.sort()).toEqual(["a", "b"]);
    expect(img.min_disk).toBe(3);
    const shown = await json(await call("GET", `/v2/images/${img.id}`));
    expect(shown.hw_disk_bus).toBe("scsi");
    expect(shown.tags.sort()).toEqual(["a", "b"]);
  });

  it("accepts a client-chosen id once; the id of a deleted image stays taken (409)", async () => {
    const id = crypto.randomUUID();
    expect((await post({ id, name: "one" })).status).toBe(201);
    expect((await post({ id, name: "two" })).status).toBe(409);
    expect((await call("DELETE", `/v2/images/${id}`)).status).toBe(204);
    expect((await post({ id, name: "three" })).status).toBe(409);
  });

  it.each([
    ["status", "active"],
    ["checksum", "abc"],
    ["size", 3],
    ["virtual_size", 3],
    ["created_at", "2020-01-01T00:00:00Z"],
    ["updated_at", "2020-01-01T00:00:00Z"],
    ["os_hash_algo", "sha512"],
    ["os_hash_value", "abc"],
    ["self", "/x"],
    ["file", "/x"],
    ["schema", "/x"],
    ["direct_url", "x"],
  ])("rejects read-only %s with 403", async (key, value) => {
    const r = await post({ [key]: value });
    expect(r.status).toBe(403);
    expect((await json(r)).message).toContain(`Attribute '${key}' is read-only.`);
  });

  it.each(["location", "deleted", "deleted_at", "os_glance_import_task", "os_glance_anything", "locations"])(
    "rejects reserved %s with 403",
    async (key) => {
      const r = await post({ [key]: "x" });
      expect(r.status).toBe(403);
      expect((await json(r)).message).toContain("is reserved");
    },
  );

  it.each([
    [{ name: 5 }],
    [{ name: "x".repeat(256) }],
    [{ visibility: "everyone" }],
    [{ disk_format: "floppy" }],
    [{ container_format: "zip" }],
    [{ min_disk: -1 }],
    [{ min_ram: "1" }],
    [{ protected: "yes" }],
    [{ id: "not-a-uuid" }],
    [{ extra: 5 }],
    [{ extra: null, other: ["x"] }],
    [{ tags: "a" }],
    [{ tags: ["x".repeat(256)] }],
    [{ kernel_id: "nope" }],
  ])("rejects invalid %j with 400", async (body) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(await json(r)).toMatchObject({ code: "400 Bad Request", title: "Bad Request" });
  });

  it("kernel_id and ramdisk_id may be null: kept and shown as null (as the reference Glance does), set and removed like any property", async () => {
    const r = await post({ name: "ami-style", kernel_id: null, ramdisk_id: null });
    expect(r.status).toBe(201);
    const img = await json(r);
    expect(img).toMatchObject({ kernel_id: null, ramdisk_id: null });
    expect(await json(await call("GET", `/v2/images/${img.id}`))).toMatchObject({ kernel_id: null, ramdisk_id: null });
    const listed = (await json(await call("GET", "/v2/images?limit=1000"))).images.find((i: any) => i.id === img.id);
    expect(listed).toMatchObject({ kernel_id: null, ramdisk_id: null });

    const kernel = "8b2f5e3a-1111-4c2d-9e8f-0123456789ab";
    const patch = (ops: unknown) =>
      call("PATCH", `/v2/images/${img.id}`, { raw: JSON.stringify(ops), headers: { "Content-Type": "application/openstack-images-v2.1-json-patch" } });
    let after = await json(await patch([{ op: "replace", path: "/kernel_id", value: kernel }]));
    expect(after).toMatchObject({ kernel_id: kernel, ramdisk_id: null });
    const filtered = await json(await call("GET", `/v2/images?kernel_id=${kernel}`));
    expect(filtered.images.map((i: any) => i.id)).toEqual([img.id]);
    after = await json(await patch([{ op: "replace", path: "/kernel_id", value: null }, { op: "remove", path: "/ramdisk_id" }]));
    expect(after.kernel_id).toBeNull();
    expect(after).not.toHaveProperty("ramdisk_id");
    // other properties still refuse null
    expect((await patch([{ op: "add", path: "/os_distro", value: null }])).status).toBe(400);
    expect((await patch([{ op: "add", path: "/free_form", value: null }])).status).toBe(400);
  });

  it("rejects a missing, malformed or non-object body with 400", async () => {
    expect((await call("POST", "/v2/images", { raw: "", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    expect((await call("POST", "/v2/images", { raw: "{nope", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    expect((await call("POST", "/v2/images", { raw: "[1]", headers: { "Content-Type": "application/json" } })).status).toBe(400);
    expect((await call("POST", "/v2/images", { raw: '"x"', headers: { "Content-Type": "application/json" } })).status).toBe(400);
  });

  it("owner: a project cannot create images owned by another; admin can", async () => {
    expect((await post({ owner: "projB" })).status).toBe(403);
    const r = await post({ owner: "projZ" }, ADMIN);
    expect(r.status).toBe(201);
    expect((await json(r)).owner).toBe("projZ");
  });

  it("visibility public needs admin (publicize_image); community is allowed to project members", async () => {
    expect((await post({ visibility: "public" })).status).toBe(403);
    expect((await post({ visibility: "public" }, ADMIN)).status).toBe(201);
    expect((await post({ visibility: "community" })).status).toBe(201);
    expect((await post({ visibility: "private" })).status).toBe(201);
  });

  it("a reader cannot create (add_image needs member)", async () => {
    expect((await post({ name: "r" }, READER)).status).toBe(403);
    expect((await post({ name: "r" }, OTHER)).status).toBe(201);
  });
});
