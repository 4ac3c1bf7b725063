import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type LoadMode, MetadefFileError, buildLoadSql } from "../../scripts/load-metadefs";
import broken from "../fixtures/metadefs/bad/broken.json?raw";
import invalid from "../fixtures/metadefs/bad/invalid.json?raw";
import compute from "../fixtures/metadefs/good/compute.json?raw";
import priv from "../fixtures/metadefs/good/private.json?raw";
import computeV2 from "../fixtures/metadefs/v2/compute.json?raw";
import { ADMIN, OTHER, OWNER, call, json } from "../helpers/api";

// scripts/load-metadefs: Glance-format files -> SQL, run here against the test D1 the way
// `wrangler d1 execute --file` runs it against npm start's local D1.
const GOOD = [
  { name: "compute.json", text: compute },
  { name: "private.json", text: priv },
];
const V2 = [{ name: "compute.json", text: computeV2 }];

async function load(files: { name: string; text: string }[], mode?: LoadMode): Promise<void> {
  const sql = buildLoadSql(files, { mode });
  await env.DB.batch(sql.map((s) => env.DB.prepare(s)));
}
const show = async (ns: string, token = ADMIN) => json(await call("GET", `/v2/metadefs/namespaces/${ns}`, { token }));

beforeEach(async () => {
  const ids = "(SELECT id FROM metadef_namespaces WHERE namespace LIKE 'Fixture::%')";
  await env.DB.batch(
    ["metadef_tags", "metadef_objects", "metadef_properties", "metadef_namespace_resource_types"]
      .map((t) => env.DB.prepare(`DELETE FROM ${t} WHERE namespace_id IN ${ids}`))
      .concat(env.DB.prepare("DELETE FROM metadef_namespaces WHERE namespace LIKE 'Fixture::%'")),
  );
});

describe("metadef loader", () => {
  it("loads a directory of Glance-format files into the catalog", async () => {
    await load(GOOD);
    const ns = await show("Fixture::Compute", OTHER);
    expect(ns).toMatchObject({
      namespace: "Fixture::Compute",
      display_name: "Fixture compute",
      visibility: "public",
      protected: true,
      owner: "admin",
      resource_type_associations: [
        { name: "OS::Glance::Image", prefix: "fx_" },
        { name: "Fixture::Type", prefix: "fx:", properties_target: "flavor" },
      ],
      properties: {
        cores: { type: "integer", title: "Cores", description: "How many cores.", default: "2", minimum: 1 },
        mode: { type: "string", title: "Mode", operators: ["<or>"], enum: ["fast", "quiet"] },
      },
      objects: [{ name: "Server", required: ["port"], description: "A web server.", properties: { port: { default: "80", maximum: 65535 } } }],
    });
    // As glance-manage loads them: no updated_at yet.
    expect(ns).not.toHaveProperty("updated_at");
    expect(ns.tags.map((t: any) => t.name).sort()).toEqual(["fast", "small"]);
    const flavor = await show("Fixture::Compute?resource_type=Fixture::Type");
    expect(Object.keys(flavor.properties)).toEqual(["fx:cores", "fx:mode"]);
    // Seeded resource types are protected ("system") ones.
    const rt = await env.DB.prepare("SELECT protected FROM metadef_resource_types WHERE name = 'Fixture::Type'").first<{ protected: number }>();
    expect(rt?.protected).toBe(1);
    expect((await call("GET", "/v2/metadefs/namespaces/Fixture::Private", { token: OTHER })).status).toBe(404);
    expect(await show("Fixture::Private", OWNER)).toMatchObject({ visibility: "private", protected: false, owner: "projA", properties: { flag: { readonly: true } } });
  });

  it("is idempotent: loading the same files again changes nothing", async () => {
    await load(GOOD);
    const before = [await show("Fixture::Compute"), await show("Fixture::Private")];
    await load(GOOD);
    expect([await show("Fixture::Compute"), await show("Fixture::Private")]).toEqual(before);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM metadef_namespaces WHERE namespace LIKE 'Fixture::%'").first<{ n: number }>();
    expect(count?.n).toBe(2);
  });

  it("skip (default) leaves existing namespaces alone, even content deleted through the API", async () => {
    await load(GOOD);
    expect((await call("DELETE", "/v2/metadefs/namespaces/Fixture::Private/properties/flag", { token: ADMIN })).status).toBe(204);
    const before = await show("Fixture::Compute");
    await load([...V2, { name: "private.json", text: priv }]);
    expect(await show("Fixture::Compute")).toEqual(before);
    expect(await show("Fixture::Private")).not.toHaveProperty("properties");
  });

  it("merge adds what is missing and keeps existing values; prefer-new replaces them", async () => {
    await load(GOOD);
    await load(V2, "merge");
    const merged = await show("Fixture::Compute");
    expect(merged.display_name).toBe("Fixture compute");
    expect(merged.properties.cores.title).toBe("Cores");
    expect(Object.keys(merged.properties)).toEqual(["cores", "mode", "threads"]);
    expect(merged.tags.map((t: any) => t.name).sort()).toEqual(["fast", "new", "small"]);
    expect(merged.resource_type_associations[0].prefix).toBe("fx_");
    await load(V2, "prefer-new");
    const preferred = await show("Fixture::Compute");
    expect(preferred.display_name).toBe("Fixture compute v2");
    expect(preferred.updated_at).toMatch(/Z$/);
    expect(preferred.properties.cores).toEqual({ type: "integer", title: "Core count", minimum: 1 });
    expect(preferred.objects[0]).toMatchObject({ description: "An edited web server.", required: [], properties: {} });
    expect(preferred.resource_type_associations[0].prefix).toBe("fx2_");
  });

  it("overwrite replaces a namespace with the file's content", async () => {
    await load(GOOD);
    await load(V2, "overwrite");
    const ns = await show("Fixture::Compute");
    expect(ns.display_name).toBe("Fixture compute v2");
    expect(Object.keys(ns.properties)).toEqual(["cores", "threads"]);
    expect(ns.tags.map((t: any) => t.name).sort()).toEqual(["fast", "new"]);
    expect(ns.resource_type_associations).toEqual([expect.objectContaining({ name: "OS::Glance::Image", prefix: "fx2_" })]);
    expect(await show("Fixture::Private", OWNER)).toMatchObject({ namespace: "Fixture::Private" });
  });

  it("a malformed or invalid file stops the load with a clear message and writes nothing", async () => {
    let error: unknown;
    try {
      buildLoadSql([...GOOD, { name: "broken.json", text: broken }, { name: "invalid.json", text: invalid }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetadefFileError);
    const problems = (error as MetadefFileError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^broken\.json: not valid JSON \(/);
    expect(problems[1]).toBe(`invalid.json: does not match the metadef namespace schema at "objects" > [0]: 'name' is a required property`);
    expect((await call("GET", "/v2/metadefs/namespaces/Fixture::Compute", { token: ADMIN })).status).toBe(404);
  });

  it("refuses a namespace defined in two files, and an empty directory", async () => {
    expect(() => buildLoadSql([...GOOD, { name: "copy.json", text: compute }])).toThrow("copy.json: namespace Fixture::Compute is already defined in compute.json");
    expect(() => buildLoadSql([])).toThrow("no metadef files");
  });
});
