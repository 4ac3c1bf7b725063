import { describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config";
import { checkImportUri, isInternalHost } from "../../src/domain/imports/url-filter";
import { createImage, json } from "../helpers/api";
import { show } from "../helpers/image-data";
import { ORIGIN, deployment, importCall, originLog, taskOf, withConfig } from "../helpers/imports";

const filterOf = (opts: Record<string, unknown> = {}) =>
  parseSettings({ AUTH_MODE: "development", STORES: '[{"id":"s","binding":"B"}]', GLANCE_CONFIG: JSON.stringify({ import_filtering_opts: opts }) }).importFilter;
const DEFAULT = filterOf();

const REFUSED = [
  "http://127.0.0.1/x",
  "http://127.1/x",
  "http://2130706433/x",
  "http://0x7f.0.0.1/x",
  "http://0177.0.0.1/x",
  "http://0.0.0.0/",
  "http://10.1.2.3/",
  "http://172.16.0.1/",
  "http://172.31.255.255/",
  "http://192.168.1.1/",
  "http://100.64.0.1/", // CGNAT
  "http://169.254.169.254/latest/meta-data/",
  "http://192.0.0.192/", // Oracle metadata
  "http://224.0.0.1/",
  "http://[::1]/",
  "http://[::]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:a9fe:a9fe]/", // 169.254.169.254, mapped
  "http://[64:ff9b::a9fe:a9fe]/", // NAT64
  "http://[2002:7f00:1::]/", // 6to4 of 127.0.0.1
  "http://[fd00:ec2::254]/", // AWS metadata (unique local)
  "http://[fe80::1]/",
  "http://[ff02::1]/",
  "http://localhost/",
  "http://LOCALHOST./",
  "http://api.localhost/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://metadata/",
  "http://db.internal/",
  "http://printer.local/",
  "http://intranet/",
  "file:///etc/passwd",
  "ftp://images.example.com/x",
  "gopher://images.example.com/x",
  "http://images.example.com:22/x", // port not allowed
  "http://images.example.com:8080/x",
  "not a url",
  "",
];

describe("the web-download URL filter (import_filtering_opts, no DNS)", () => {
  it("refuses loopback, private, CGNAT, link-local, metadata and multicast literals in every spelling, local names, other schemes and ports", () => {
    for (const uri of REFUSED) expect(checkImportUri(uri, DEFAULT), uri).toMatchObject({ ok: false });
  });

  it("accepts public hosts on the default ports", () => {
    for (const uri of ["http://images.example.com/a.img", "https://images.example.com:443/a", "http://93.184.216.34/", "http://[2606:4700::1111]/", "http://images.example.com:80/"]) {
      expect(checkImportUri(uri, DEFAULT), uri).toMatchObject({ ok: true });
    }
    expect(isInternalHost("example.com")).toBe(false);
    expect(isInternalHost("[2001:db8::1]")).toBe(true);
  });

  it("honours allow and deny lists as Glance does (an allow list wins over its deny list, and is trusted as written)", () => {
    const local = filterOf({ allowed_hosts: ["127.0.0.1"], allowed_ports: [] });
    expect(checkImportUri("http://127.0.0.1:8123/x", local).ok).toBe(true);
    expect(checkImportUri("http://127.1:8123/x", local).ok).toBe(true); // same host, other spelling
    expect(checkImportUri("http://localhost:8123/x", local).ok).toBe(false);
    expect(checkImportUri("http://images.example.com/x", local).ok).toBe(false); // only listed hosts
    const deny = filterOf({ disallowed_hosts: ["images.example.com"], disallowed_ports: [443] });
    expect(checkImportUri("http://images.example.com/x", deny).ok).toBe(false);
    expect(checkImportUri("http://other.example.com/x", deny).ok).toBe(true);
    expect(checkImportUri("https://other.example.com:443/x", filterOf({ allowed_ports: [], disallowed_ports: [443] })).ok).toBe(true); // default port: not checked (Glance)
    expect(checkImportUri("https://other.example.com:8443/x", filterOf({ allowed_ports: [], disallowed_ports: [8443] })).ok).toBe(false);
    expect(checkImportUri("https://images.example.com/x", filterOf({ allowed_schemes: ["http"] })).ok).toBe(false);
    expect(checkImportUri("http://images.example.com/x", filterOf({ allowed_schemes: [], disallowed_schemes: ["http"] })).ok).toBe(false);
  });
});

describe("web-download refuses internal addresses, including through redirects", () => {
  it("400 at the request for a refused URI; the image stays queued and no task is made", async () => {
    const img = await createImage();
    for (const uri of ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:80/", "http://localhost/", "file:///etc/passwd", undefined]) {
      const r = await importCall(img.id, { method: { name: "web-download", uri } });
      expect(r.status, String(uri)).toBe(400);
      expect((await json(r)).message).toContain("URI for web-download does not pass filtering");
    }
    expect((await show(img.id)).status).toBe("queued");
    expect(await taskOf(img.id)).toBeUndefined();
  });

  it("a redirect to loopback or to the metadata service fails the task, and the target is never contacted", async () => {
    const d = deployment({});
    const tag = crypto.randomUUID();
    for (const target of [`http://127.0.0.1:9/${tag}`, `http://169.254.169.254/${tag}`, `http://[::1]/${tag}`, `http://localhost/${tag}`]) {
      const img = await createImage();
      const uri = `${ORIGIN}/redirect?to=${encodeURIComponent(target)}&status=307`;
      expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri } } })).status).toBe(202);
      await d.run();
      const task = await taskOf(img.id);
      expect(task.status).toBe("failure");
      expect(task.message).toContain("does not pass filtering");
      expect((await show(img.id)).status).toBe("queued");
    }
    // the origin saw each redirect request, and nothing was ever sent to the internal targets
    const seen = await originLog(tag);
    expect(seen.length).toBe(4);
    expect(seen.every((e) => e.url.startsWith(`${ORIGIN}/redirect`))).toBe(true);
  });

  it("a redirect to another public host is followed; more than 10 redirects is a failure", async () => {
    const d = deployment({});
    const img = await createImage();
    const final = "http://cdn.example.com/bytes/5000/77";
    const uri = `${ORIGIN}/redirect?to=${encodeURIComponent(final)}`;
    expect((await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri } } })).status).toBe(202);
    await d.run();
    expect((await taskOf(img.id)).status).toBe("success");
    expect((await show(img.id)).size).toBe(5000);

    let loop = final;
    for (let i = 0; i < 11; i++) loop = `${ORIGIN}/redirect?to=${encodeURIComponent(loop)}`;
    const other = await createImage();
    expect((await d.fetch("POST", `/v2/images/${other.id}/import`, { body: { method: { name: "web-download", uri: loop } } })).status).toBe(202);
    await d.run();
    expect((await taskOf(other.id)).message).toContain("more than 10 redirects");
  });

  it("an operator allow list lets a local server in (and then only it)", async () => {
    const d = deployment(withConfig({ import_filtering_opts: { allowed_hosts: ["127.0.0.1"], allowed_ports: [] } }));
    const img = await createImage();
    const local = await d.fetch("POST", `/v2/images/${img.id}/import`, { body: { method: { name: "web-download", uri: "http://127.0.0.1:8123/a.img" } } });
    expect(local.status).toBe(202);
    const other = await createImage();
    const outside = await d.fetch("POST", `/v2/images/${other.id}/import`, { body: { method: { name: "web-download", uri: `${ORIGIN}/bytes/10/1` } } });
    expect(outside.status).toBe(400);
  });
});
