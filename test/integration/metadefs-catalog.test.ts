import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, OTHER, call, json } from "../helpers/api";

// migrations/0007_metadefs_catalog.sql: a new database starts with the metadata definitions
// catalog of a packaged Glance (Debian's glance-common 25.1, loaded by `glance-manage
// db_load_metadefs`). The names and counts below are what the reference Glance answers after
// `db_load_metadefs`, side by side.
const CATALOG = [
  "CIM::ProcessorAllocationSettingData", "CIM::ResourceAllocationSettingData", "CIM::StorageAllocationSettingData",
  "CIM::VirtualSystemSettingData", "OS::Cinder::Volumetype", "OS::Compute::AggregateDiskFilter", "OS::Compute::AggregateIoOpsFilter",
  "OS::Compute::AggregateNumInstancesFilter", "OS::Compute::CPUMode", "OS::Compute::CPUPinning", "OS::Compute::GuestMemoryBacking",
  "OS::Compute::GuestShutdownBehavior", "OS::Compute::HostCapabilities", "OS::Compute::Hypervisor", "OS::Compute::InstanceData",
  "OS::Compute::Libvirt", "OS::Compute::LibvirtImage", "OS::Compute::Quota", "OS::Compute::RandomNumberGenerator", "OS::Compute::TPM",
  "OS::Compute::VMware", "OS::Compute::VMwareFlavor", "OS::Compute::VMwareQuotaFlavor", "OS::Compute::VTPM", "OS::Compute::VirtCPUTopology",
  "OS::Compute::Watchdog", "OS::Compute::XenAPI", "OS::Glance::CommonImageProperties", "OS::Glance::Signatures", "OS::OperatingSystem",
  "OS::Software::DBMS", "OS::Software::Runtimes", "OS::Software::WebServers",
];
const PRIVATE = ["OS::Glance::CommonImageProperties", "OS::OperatingSystem"];
const RESOURCE_TYPES = ["OS::Cinder::Volume", "OS::Glance::Image", "OS::Nova::Aggregate", "OS::Nova::Flavor", "OS::Nova::Server", "OS::Trove::Instance"];

const inCatalog = (list: { namespace: string }[]) => list.map((n) => n.namespace).filter((n) => CATALOG.includes(n)).sort();
const listNames = async (query = "", token = ADMIN) => inCatalog((await json(await call("GET", `/v2/metadefs/namespaces?limit=1000${query}`, { token }))).namespaces);
const show = async (ns: string) => json(await call("GET", `/v2/metadefs/namespaces/${ns}`, { token: ADMIN }));
/** Every catalog namespace as an admin sees it, content included. */
const dump = async () => Promise.all(CATALOG.map(show));
/** Without its timestamps (a reloaded namespace gets new ones). */
const undated = (v: any): any =>
  Array.isArray(v) ? v.map(undated) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "created_at" && k !== "updated_at").map(([k, x]) => [k, undated(x)])) : v;

describe("metadefs catalog of a fresh database", () => {
  it("has Glance's 33 namespaces and 6 resource types, with their content", async () => {
    expect(await listNames()).toEqual(CATALOG);
    // Another project sees the 31 public ones, as in Glance.
    expect(await listNames("", OTHER)).toEqual(CATALOG.filter((n) => !PRIVATE.includes(n)));
    const types = (await json(await call("GET", "/v2/metadefs/resource_types", { token: OTHER }))).resource_types.map((t: any) => t.name);
    expect(types).toEqual(expect.arrayContaining(RESOURCE_TYPES));
    // Glance answers 20 (another project, resource_types=OS::Glance::Image) and 17 (admin, OS::Nova::Flavor).
    expect(await listNames("&resource_types=OS::Glance::Image", OTHER)).toHaveLength(20);
    expect(await listNames("&resource_types=OS::Nova::Flavor")).toHaveLength(17);

    const hv = await show("OS::Compute::Hypervisor");
    expect(hv).toMatchObject({
      display_name: "Hypervisor Selection",
      visibility: "public",
      protected: true,
      owner: "admin",
      resource_type_associations: [{ name: "OS::Glance::Image" }],
      properties: { hypervisor_type: { type: "string", title: "Hypervisor Type", enum: expect.arrayContaining(["kvm", "qemu"]) } },
    });
    expect(hv).not.toHaveProperty("updated_at");
    expect(hv.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const pinning = await show("OS::Compute::CPUPinning");
    expect(pinning.resource_type_associations).toEqual([
      expect.objectContaining({ name: "OS::Glance::Image", prefix: "hw_" }),
      expect.objectContaining({ name: "OS::Cinder::Volume", prefix: "hw_", properties_target: "image" }),
      expect.objectContaining({ name: "OS::Nova::Flavor", prefix: "hw:" }),
    ]);
    const flavor = await json(await call("GET", "/v2/metadefs/namespaces/OS::Compute::CPUPinning?resource_type=OS::Nova::Flavor", { token: ADMIN }));
    expect(Object.keys(flavor.properties).sort()).toEqual(["hw:cpu_policy", "hw:cpu_thread_policy"]);
    const sigs = await show("OS::Glance::Signatures");
    expect(Object.keys(sigs.properties).sort()).toEqual(["img_signature", "img_signature_certificate_uuid", "img_signature_hash_method", "img_signature_key_type"]);
    const objects = (await show("OS::Software::WebServers")).objects.map((o: any) => o.name);
    expect(objects).toContain("Apache HTTP Server");
    // The resource types are created protected ("system" types), as glance-manage creates them.
    const marks = RESOURCE_TYPES.map((n) => `'${n}'`).join(", ");
    const rt = await env.DB.prepare(`SELECT count(*) AS n FROM metadef_resource_types WHERE protected = 1 AND name IN (${marks})`).first<{ n: number }>();
    expect(rt?.n).toBe(6);
  });

  it("is loaded once: an operator's edits and deletions survive a restart; a rerun skips existing namespaces", async () => {
    const name = "OS::Compute::AggregateNumInstancesFilter"; // not protected in Glance's file
    const saved = await show(name);
    const before = await dump();
    const edited = await call("PUT", "/v2/metadefs/namespaces/OS::Software::DBMS", {
      token: ADMIN,
      body: { namespace: "OS::Software::DBMS", display_name: "Our databases", visibility: "public", protected: true },
    });
    expect(edited.status).toBe(200);
    expect((await call("DELETE", `/v2/metadefs/namespaces/${name}`, { token: ADMIN })).status).toBe(204);

    // What `npm start` / `npm run deploy` do on every run: the applied migration is not run again.
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    expect(await listNames()).toEqual(CATALOG.filter((n) => n !== name));
    expect((await show("OS::Software::DBMS")).display_name).toBe("Our databases");

    // Its statements run again (a database that had the catalog loaded before, e.g. with
    // scripts/load-metadefs.sh) skip every existing namespace with its content, as glance-manage
    // does, and only bring back the missing one.
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith("0007_"));
    expect(migration).toBeDefined();
    await env.DB.batch(migration!.queries.map((q) => env.DB.prepare(q)));
    expect(await listNames()).toEqual(CATALOG);
    expect((await show("OS::Software::DBMS")).display_name).toBe("Our databases");
    const restored = await show(name);
    expect(undated(restored)).toEqual(undated(saved));

    // Put the edited namespace back as it was and everything is as before.
    const dbms = before.find((n) => n.namespace === "OS::Software::DBMS");
    const back = await call("PUT", "/v2/metadefs/namespaces/OS::Software::DBMS", {
      token: ADMIN,
      body: { namespace: dbms.namespace, display_name: dbms.display_name, description: dbms.description, visibility: "public", protected: true },
    });
    expect(back.status).toBe(200);
    expect(undated(await dump())).toEqual(undated(before));
  });

  it("an unauthorised caller cannot change the catalog", async () => {
    const r = await call("DELETE", "/v2/metadefs/namespaces/OS::Compute::Hypervisor", { token: OTHER });
    expect(r.status).toBe(403);
    expect((await call("DELETE", "/v2/metadefs/namespaces/OS::Compute::Hypervisor", { token: ADMIN })).status).toBe(403); // protected
    expect(await listNames()).toEqual(CATALOG);
  });
});
