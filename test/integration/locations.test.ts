import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, OWNER, READER, call, createImage, json, patch } from "../helpers/api";
import { MiB, digest, download, objectsOf, rowOf, show } from "../helpers/image-data";
import { ORIGIN, deployment, digestsOf, taskOf, waitTask, withConfig } from "../helpers/imports";

// The locations API (Image API 2.17): POST /v2/images/{id}/locations copies the URL's data into the
// default store through the import machinery (a location_import task on the queue), GET lists the
// stores holding the data. A user token carrying the service role (as Nova's calls combine the
// user's and the service's roles) is the usual caller.
const SERVICE = "projA:member,reader,service";
const FOREIGN_SERVICE = "svcproj:service";
const FOREIGN_SERVICE_READER = "svcproj:service,reader";

const addLocation = (id: string, body: unknown, token = SERVICE) => call("POST", `/v2/images/${id}/locations`, { token, body });
const locations = (id: string, token = SERVICE) => call("GET", `/v2/images/${id}/locations`, { token });
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const sha256Of = async (url: string) => hex(await crypto.subtle.digest("SHA-256", await (await fetch(url)).arrayBuffer()));
const message = async (r: Response) => (await r.json<any>()).message as string;

describe("POST /v2/images/{id}/locations: a location_import task through the queue", () => {
  it("202 with no body; the data is copied into R2 and the image becomes active with its checksums", async () => {
    const img = await createImage();
    const url = `${ORIGIN}/bytes/${3 * MiB + 5}/31`;
    const r = await addLocation(img.id, { url });
    expect(r.status).toBe(202);
    expect(await r.text()).toBe("");
    const task = await waitTask(img.id);
    expect(task).toMatchObject({ type: "location_import", status: "success", image_id: img.id, owner: "projA", result: { image_id: img.id } });
    expect(task.input).toEqual({ image_id: img.id, loc_url: url, validation_data: {} });
    const expected = await digestsOf(url);
    const after = await show(img.id, OWNER);
    expect(after).toMatchObject({ status: "active", size: 3 * MiB + 5, checksum: expected.md5, os_hash_algo: "sha512", os_hash_value: expected.sha512, stores: "store1" });
    expect(after).not.toHaveProperty("os_glance_import_task");
    expect(await objectsOf(img.id)).toHaveLength(1);
    expect(await digest("SHA-512", await (await download(img.id)).arrayBuffer())).toBe(expected.sha512);
    // GET lists it as a store-qualified URL.
    const listed = await json(await locations(img.id));
    expect(listed).toEqual([{ url: `r2://store1/${(await objectsOf(img.id))[0]}`, metadata: { store: "store1" } }]);
    // Its data is there now: a second location is refused (not queued).
    const again = await addLocation(img.id, { url });
    expect(again.status).toBe(409);
    expect(await message(again)).toContain("It's not allowed to add locations if image status is active.");
  });

  it("validation_data is verified while the data streams (sha256, md5 and sha512 that match)", async () => {
    const url = `${ORIGIN}/bytes/${MiB + 77}/32`;
    const { md5, sha512 } = await digestsOf(url);
    for (const v of [
      { os_hash_algo: "sha256", os_hash_value: await sha256Of(url) },
      { os_hash_algo: "md5", os_hash_value: md5.toUpperCase() },
      { os_hash_algo: "sha512", os_hash_value: sha512 },
    ]) {
      const img = await createImage();
      expect((await addLocation(img.id, { url, validation_data: v })).status).toBe(202);
      const task = await waitTask(img.id);
      expect(task.status, task.message).toBe("success");
      expect(task.input.validation_data).toEqual({ ...v, os_hash_value: v.os_hash_value.toLowerCase() });
      expect(await show(img.id, OWNER)).toMatchObject({ status: "active", checksum: md5, os_hash_value: sha512 });
    }
  });

  it("validation_data that does not match: the task fails, the image is back to queued, nothing is left in R2", async () => {
    const url = `${ORIGIN}/bytes/${2 * MiB + 1}/33`;
    for (const algo of ["sha512", "sha1"] as const) {
      const img = await createImage();
      const wrong = "ab".repeat(algo === "sha512" ? 64 : 20);
      expect((await addLocation(img.id, { url, validation_data: { os_hash_algo: algo, os_hash_value: wrong } })).status).toBe(202);
      const task = await waitTask(img.id);
      expect(task.status).toBe("failure");
      expect(task.message).toContain(`os_hash_value: (${wrong}) not matched with actual os_hash_value`);
      const after = await show(img.id, OWNER);
      expect(after).toMatchObject({ status: "queued", size: null, checksum: null, os_hash_algo: null, os_hash_value: null });
      expect(after).not.toHaveProperty("os_glance_import_task");
      expect(await objectsOf(img.id)).toEqual([]);
      expect(await json(await locations(img.id))).toEqual([]);
      // The image takes a location again.
      expect((await addLocation(img.id, { url })).status).toBe(202);
    }
  });

  it("a source that answers 404: the task fails with the reason and the image stays queued", async () => {
    const img = await createImage();
    expect((await addLocation(img.id, { url: `${ORIGIN}/status/404` })).status).toBe(202);
    const task = await waitTask(img.id);
    expect(task.status).toBe("failure");
    expect(task.message).toMatch(/404/);
    expect((await rowOf(img.id)).status).toBe("queued");
    expect(await objectsOf(img.id)).toEqual([]);
  });

  it("400: the body against Glance's add_location schema, then the digest's hex and length", async () => {
    const img = await createImage();
    const url = `${ORIGIN}/bytes/10/1`;
    const cases: [unknown, string][] = [
      [{}, "'url' is a required property"],
      [{ url: 5 }, "5 is not of type 'string'"],
      [[url], "is not of type 'object'"],
      [{ url, validation_data: "x" }, "'x' is not of type 'object'"],
      [{ url, validation_data: { os_hash_algo: "sha512" } }, "'os_hash_value' is a dependency of 'os_hash_algo'"],
      [{ url, validation_data: { os_hash_value: "ab" } }, "'os_hash_algo' is a dependency of 'os_hash_value'"],
      [{ url, validation_data: { os_hash_algo: "crc32", os_hash_value: "ab" } }, "'crc32' is not one of ['sha1', 'sha256', 'sha512', 'md5']"],
      [{ url, validation_data: { os_hash_algo: "md5", os_hash_value: "ab", checksum: "x" } }, "Additional properties are not allowed ('checksum' was unexpected)"],
      [{ url, validation_data: { os_hash_algo: "md5", os_hash_value: "zz".repeat(16) } }, "is not a valid hexadecimal value"],
      [{ url, validation_data: { os_hash_algo: "sha256", os_hash_value: "ab".repeat(16) } }, "is not the correct size for (sha256) (should be (32) bytes)"],
    ];
    for (const [body, text] of cases) {
      const r = await addLocation(img.id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await message(r)).toContain(text);
    }
    // The schema is checked before the image is looked up (Glance's deserializer).
    expect((await addLocation(crypto.randomUUID(), {})).status).toBe(400);
    expect((await call("POST", `/v2/images/${img.id}/locations`, { token: SERVICE })).status).toBe(400);
    // The URL goes through web-download's filter (no loopback, private ranges, other schemes).
    for (const bad of ["http://127.0.0.1/x", "http://169.254.169.254/latest", "ftp://images.example.com/x", "r2://store1/images/x"]) {
      const r = await addLocation(img.id, { url: bad });
      expect(r.status, bad).toBe(400);
      expect(await message(r)).toContain("does not pass filtering");
    }
    // Formats must be set before the image can get data.
    const bare = await createImage({ disk_format: undefined, container_format: undefined });
    const r = await addLocation(bare.id, { url });
    expect(r.status).toBe(400);
    expect(await message(r)).toContain("disk_format, container_format must be set");
    expect((await rowOf(img.id)).status).toBe("queued");
    expect(await taskOf(img.id)).toBeUndefined();
  });

  it("409 while an import holds the image's lock; the lock holder still completes", async () => {
    const d = deployment({});
    const img = await createImage();
    const url = `${ORIGIN}/bytes/5000/34`;
    expect((await d.fetch("POST", `/v2/images/${img.id}/locations`, { token: SERVICE, body: { url } })).status).toBe(202);
    const busy = await d.fetch("POST", `/v2/images/${img.id}/locations`, { token: SERVICE, body: { url } });
    expect(busy.status).toBe(409);
    expect(await message(busy)).toContain("Image has active task");
    const importing = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri: url } } });
    expect(importing.status).toBe(409);
    expect((await show(img.id, OWNER)).os_glance_import_task).toBe((await taskOf(img.id)).id);
    await d.run();
    expect((await waitTask(img.id)).status).toBe("success");
    expect((await rowOf(img.id)).status).toBe("active");
  });

  it("policy add_image_location: the service role; without it only with an http store configured (members of the owner project)", async () => {
    const url = `${ORIGIN}/bytes/1000/35`;
    const img = await createImage();
    // A member of the owner project, an admin without the service role: no http store → 403.
    for (const token of [OWNER, ADMIN]) {
      const r = await addLocation(img.id, { url }, token);
      expect(r.status, token).toBe(403);
      expect(await message(r)).toContain("http store must be enabled to use location API by normal user.");
    }
    // A reader of the owner project fails the policy itself; another project cannot see the image.
    const reader = await addLocation(img.id, { url }, READER);
    expect(reader.status).toBe(403);
    expect(await message(reader)).toContain("add_image_location");
    expect((await addLocation(img.id, { url }, OTHER)).status).toBe(404);
    expect((await addLocation(img.id, { url }, FOREIGN_SERVICE)).status).toBe(404);
    expect((await addLocation(crypto.randomUUID(), { url })).status).toBe(404);
    expect((await rowOf(img.id)).status).toBe("queued");

    // With the http store, a member of the owner project may add an http(s) location.
    const withHttp = deployment(withConfig({ http_store_enabled: true }));
    expect((await withHttp.fetch("POST", `/v2/images/${img.id}/locations`, { token: OTHER, body: { url } })).status).toBe(404);
    expect((await withHttp.fetch("POST", `/v2/images/${img.id}/locations`, { token: READER, body: { url } })).status).toBe(403);
    expect((await withHttp.fetch("POST", `/v2/images/${img.id}/locations`, { token: OWNER, body: { url } })).status).toBe(202);
    await withHttp.run();
    expect((await waitTask(img.id)).status).toBe("success");

    // A service of another project may add a location to a public image it can read (Glance's rule).
    const pub = await createImage({ visibility: "public" }, ADMIN);
    expect((await addLocation(pub.id, { url }, FOREIGN_SERVICE_READER)).status).toBe(202);
    expect((await waitTask(pub.id)).status).toBe("success");
  });
});

describe("GET /v2/images/{id}/locations: policy fetch_image_location (service or admin)", () => {
  it("lists every store holding the data; [] before there is any", async () => {
    const img = await createImage();
    expect(await json(await locations(img.id))).toEqual([]);
    expect((await addLocation(img.id, { url: `${ORIGIN}/bytes/4096/36` })).status).toBe(202);
    expect((await waitTask(img.id)).status).toBe("success");
    // a copy in store2 too (copy-image, admin)
    expect((await call("POST", `/v2/images/${img.id}/import`, { token: ADMIN, body: { method: { name: "copy-image" }, stores: ["store2"] } })).status).toBe(202);
    await waitTask(img.id);
    const keys = [...(await objectsOf(img.id)), ...(await objectsOf(img.id, env.STORE2))];
    for (const token of [SERVICE, ADMIN]) {
      const r = await locations(img.id, token);
      expect(r.status).toBe(200);
      const listed = await r.json<any[]>();
      expect(listed.map((l) => l.metadata.store).sort()).toEqual(["store1", "store2"]);
      for (const l of listed) expect(keys.map((k) => `r2://${l.metadata.store}/${k}`)).toContain(l.url);
    }
  });

  it("403 for members and readers of the owner project; 404 for another project and unknown images", async () => {
    const img = await createImage();
    for (const token of [OWNER, READER]) {
      const r = await locations(img.id, token);
      expect(r.status).toBe(403);
      expect(await message(r)).toContain("fetch_image_location");
    }
    expect((await locations(img.id, OTHER)).status).toBe(404);
    expect((await locations(img.id, FOREIGN_SERVICE)).status).toBe(404);
    expect((await locations(crypto.randomUUID())).status).toBe(404);
    const r = await call("PUT", `/v2/images/${img.id}/locations`, { token: SERVICE, body: {} });
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("POST, GET");
  });
});

describe("PATCH of locations: Glance with show_multiple_locations off (403)", () => {
  it("add, replace and remove are refused after their own policy; replacing with nothing has its own message", async () => {
    const img = await createImage();
    const value = { url: `${ORIGIN}/bytes/10/1`, metadata: {} };
    const add = await patch(img.id, [{ op: "add", path: "/locations/-", value }]);
    expect(add.status).toBe(403);
    expect(await message(add)).toContain("It's not allowed to add locations if locations are invisible.");
    const replace = await patch(img.id, [{ op: "replace", path: "/locations", value: [value] }]);
    expect(replace.status).toBe(403);
    expect(await message(replace)).toContain("It's not allowed to update locations if locations are invisible.");
    const empty = await patch(img.id, [{ op: "replace", path: "/locations", value: [] }]);
    expect(empty.status).toBe(403);
    expect(await message(empty)).toContain("Cannot set locations to empty list.");
    // remove needs delete_image_location (admin) first
    const owner = await patch(img.id, [{ op: "remove", path: "/locations/0" }]);
    expect(owner.status).toBe(403);
    expect(await message(owner)).toContain("delete_image_location");
    const admin = await patch(img.id, [{ op: "remove", path: "/locations/0" }], ADMIN);
    expect(admin.status).toBe(403);
    expect(await message(admin)).toContain("It's not allowed to remove locations if locations are invisible.");
    // another project cannot see the image at all
    expect((await patch(img.id, [{ op: "add", path: "/locations/-", value }], OTHER)).status).toBe(404);
    expect(await show(img.id, OWNER)).not.toHaveProperty("locations");
  });
});
