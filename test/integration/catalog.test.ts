import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { negotiateVersion } from "../../src/api/app";
import { app } from "../../src/wiring";
import { ADMIN, OWNER, call, createImage, json } from "../helpers/api";
import { fetchWith } from "../helpers/app-with";
import { countingD1, ids, page, seed, walk } from "../helpers/catalog";

// The public catalog (README "Catalog"): HTML outside /v2, anonymous, cacheable, one list query per
// page. Every test uses its own tag or name prefix, so other tests' images never reach its lists.
const uniq = (p: string) => `${p}${crypto.randomUUID().slice(0, 8)}`;

describe("catalog pages", () => {
  it("lists active public and community images only: never private, shared, another status or a deleted one", async () => {
    const tag = uniq("vis");
    const [pub, com, priv, shared, queued, deleted] = await seed([
      { name: `${tag}-public`, visibility: "public", tags: [tag] },
      { name: `${tag}-community`, visibility: "community", tags: [tag] },
      { name: `${tag}-private`, visibility: "private", owner: "projA", tags: [tag] },
      { name: `${tag}-shared`, visibility: "shared", owner: "projA", tags: [tag] },
      { name: `${tag}-queued`, visibility: "public", status: "queued", size: null, tags: [tag] },
      { name: `${tag}-deleted`, visibility: "public", deleted: true, tags: [tag] },
    ]);
    // A token changes nothing: the HTML never depends on who asks (projA owns the private ones).
    for (const token of [null, OWNER, ADMIN]) {
      const r = await page(`/catalog?tag=${tag}`, token);
      expect(r.status).toBe(200);
      expect(r.ids.sort()).toEqual([pub, com].sort());
      expect(r.html).not.toContain(`${tag}-private`);
      expect(r.html).not.toContain(`${tag}-shared`);
    }
    expect(await ids(`/catalog?tag=${tag}&visibility=public`)).toEqual([pub]);
    expect(await ids(`/catalog?tag=${tag}&visibility=community`)).toEqual([com]);
    // The image page: public/community (any live status) yes; private, shared and deleted ones are 404, like unknown ids.
    for (const id of [pub, com, queued]) expect((await call("GET", `/catalog/images/${id}`, { token: null })).status).toBe(200);
    for (const id of [priv, shared, deleted, crypto.randomUUID(), "not%20an%20id"]) {
      const r = await call("GET", `/catalog/images/${id}`, { token: OWNER, headers: { Accept: "text/html" } });
      expect(r.status).toBe(404);
      expect(r.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await r.text()).not.toContain(`${tag}-`);
    }
  });

  it("answers cacheable HTML with no cookie, a CSP, and served CSS/JS that are immutable", async () => {
    const r = await call("GET", "/catalog", { token: null, headers: { Accept: "text/html" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("Cache-Control")).toBe("public, max-age=60");
    expect(r.headers.get("Set-Cookie")).toBeNull();
    expect(r.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    const html = await r.text();
    expect(html.startsWith("<!DOCTYPE html><html lang=\"en\">")).toBe(true);
    // Landmarks and labels: a search form whose fields all have labels.
    expect(html).toMatch(/<main id="main"/);
    expect(html).toContain('role="search"');
    for (const [, id] of html.matchAll(/<(?:input|select) id="([^"]+)"/g)) expect(html).toContain(`<label for="${id}">`);
    const assets = [...html.matchAll(/(?:href|src)="(\/catalog\/static\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(2);
    for (const path of assets) {
      const a = await call("GET", path, { token: null });
      expect(a.status).toBe(200);
      expect(a.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
      expect(a.headers.get("Content-Type")).toMatch(path.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect((await a.text()).length).toBeGreaterThan(1000);
    }
    expect((await call("GET", "/catalog/static/catalog.00000000.js", { token: null })).status).toBe(404);
    for (const path of ["/catalog/account", `/catalog/images/${(await seed([{ visibility: "public" }]))[0]}`]) {
      const p = await call("GET", path, { token: OWNER });
      expect(p.status).toBe(200);
      expect(p.headers.get("Cache-Control")).toBe("public, max-age=60");
      expect(p.headers.get("Set-Cookie")).toBeNull();
    }
  });

  it("searches names by substring (case-insensitive; % and _ are plain characters) and filters by tag, formats and OS properties", async () => {
    const p = uniq("srch");
    const [a, b, c, d, e] = await seed([
      { name: `${p} Ubuntu 24.04`, visibility: "public", disk_format: "qcow2", props: { os_distro: "ubuntu", os_version: "24.04", architecture: "x86_64" } },
      { name: `${p} ubuntu 22.04`, visibility: "community", disk_format: "raw", props: { os_distro: "ubuntu", os_version: "22.04", architecture: "aarch64" } },
      { name: `${p} Debian 12`, visibility: "public", disk_format: "qcow2", container_format: "ovf", props: { os_distro: "debian" }, tags: [`${p}-lts`] },
      { name: `${p} 100% fast_boot`, visibility: "public", tags: [`${p}-lts`] },
      { name: `${p} 1000 fastXboot`, visibility: "public", tags: [`${p}-lts`] },
    ]);
    const q = (s: string) => ids(`/catalog?sort=name&${s}`);
    // Case-insensitive match; the order is the names' binary order ("U" before "u").
    expect(await q(`q=${encodeURIComponent(`${p} UBUNTU`)}`)).toEqual([a, b]);
    expect(await q(`q=${encodeURIComponent(`${p} 100%`)}`)).toEqual([d]);
    expect(await q(`q=${encodeURIComponent(`fast_boot`)}&tag=${p}-lts`)).toEqual([d]);
    expect(await q(`q=${encodeURIComponent(p)}&tag=${p}-lts`)).toEqual([d, e, c]);
    expect(await q(`q=${encodeURIComponent(p)}&disk_format=qcow2`)).toEqual([c, a]);
    expect(await q(`q=${encodeURIComponent(p)}&disk_format=qcow2&container_format=ovf`)).toEqual([c]);
    expect(await q(`q=${encodeURIComponent(p)}&os_distro=ubuntu&architecture=aarch64`)).toEqual([b]);
    expect(await q(`q=${encodeURIComponent(p)}&os_distro=ubuntu&os_version=24.04`)).toEqual([a]);
    expect(await ids(`/catalog?sort=name-desc&q=${encodeURIComponent(p)}`)).toEqual([b, a, c, e, d]);
    // The form shows what was asked, and the page says so.
    const r = await page(`/catalog?q=${encodeURIComponent(`${p} Debian`)}&disk_format=qcow2`);
    expect(r.html).toContain(`value="${p} Debian"`);
    expect(r.html).toMatch(/<option value="qcow2" selected="">/);
    expect(r.html).toContain("disk format qcow2");
  });

  it("pages with keyset cursors: next, previous and first links cover every image once, in order", async () => {
    const tag = uniq("page");
    const rows = Array.from({ length: 30 }, (_, n) => ({
      name: `${tag}-${String(n).padStart(2, "0")}`,
      visibility: n % 3 === 0 ? ("community" as const) : ("public" as const),
      tags: [tag],
      created_at: `2024-05-01T10:00:${String(n % 7).padStart(2, "0")}Z`, // ties broken by id
      size: (n % 4) * 1000,
    }));
    const all = await seed(rows);
    const byName = all.map((id, n) => ({ id, name: rows[n].name })).sort((x, y) => (x.name < y.name ? -1 : 1)).map((x) => x.id);
    const forward = await walk(`/catalog?tag=${tag}&sort=name&limit=12`);
    expect(forward.pages.map((p) => p.length)).toEqual([12, 12, 6]);
    expect(forward.pages.flat()).toEqual(byName);
    // Back from the last page: the previous links give the same pages, in reverse, then stop.
    const back = await walk(forward.last.links.prev!, "prev");
    expect(back.pages).toEqual([byName.slice(12, 24), byName.slice(0, 12)]);
    expect(back.last.links.next).toBeDefined();
    expect(back.last.links.first).toBeDefined();
    // Every sort pages completely, without repeats (ties on created_at and size included).
    for (const sort of ["newest", "oldest", "largest", "smallest", "updated", "name-desc"]) {
      const w = await walk(`/catalog?tag=${tag}&sort=${sort}&limit=12`);
      expect(w.pages.flat().sort(), sort).toEqual([...all].sort());
    }
    const first = await page(`/catalog?tag=${tag}&sort=name&limit=12`);
    expect(first.links).toEqual({ next: expect.stringContaining("after=") });
  });

  it("makes one database round trip for the list (plus one batch for the rows' properties and tags) and no marker lookup", async () => {
    const tag = uniq("cnt");
    await seed(Array.from({ length: 15 }, (_, n) => ({ name: `${tag}-${String(n).padStart(2, "0")}`, visibility: "public" as const, tags: [tag] })));
    const { db, trips } = countingD1(env.DB);
    const get = async (path: string) => {
      const ctx = createExecutionContext();
      const r = await app.fetch(negotiateVersion(new Request(`http://localhost${path}`)), { ...env, GLANCE_DATA_API: "direct", DB: db }, ctx);
      await waitOnExecutionContext(ctx);
      return r.text();
    };
    const html = await get(`/catalog?tag=${tag}&limit=12&sort=name`);
    expect(trips.map((t) => t.kind)).toEqual(["all", "batch"]);
    expect(trips[0].sql).toMatch(/^SELECT images\.\* FROM images/);
    const next = /<a href="([^"]+)" rel="next">/.exec(html)![1].replace(/&amp;/g, "&");
    trips.length = 0;
    // The next page: still one list query; the cursor carries the marker's sort values.
    const second = await get(next);
    expect(trips.map((t) => t.kind)).toEqual(["all", "batch"]);
    expect(second).toContain(`${tag}-14`);
    // The image page: one read of the image (its row, then one batch for properties, tags, locations).
    const id = /<a href="\/catalog\/images\/([^"]+)">/.exec(html)![1];
    trips.length = 0;
    expect(await get(`/catalog/images/${id}`)).toContain(`${tag}-00`);
    expect(trips.length).toBeLessThanOrEqual(2);
  });
});

/** A catalog request to a differently configured deployment (auth mode, POLICY, protections). */
const getWith = (vars: Record<string, string>, path: string, headers: Record<string, string> = {}) =>
  fetchWith(vars, new Request(`http://localhost${path}`, { headers: { Accept: "text/html", ...headers } }));

describe("the image page", () => {
  it("shows details, checksums, properties, the download link and copyable commands; the link serves the bytes", async () => {
    const name = uniq("Fedora 41 Cloud");
    const img = await createImage({ name, visibility: "public", disk_format: "raw", container_format: "bare", os_distro: "fedora", os_version: "41", architecture: "x86_64", tags: ["cloud", "lts"] }, ADMIN);
    const bytes = crypto.getRandomValues(new Uint8Array(4096));
    expect((await call("PUT", `/v2/images/${img.id}/file`, { token: ADMIN, raw: bytes, headers: { "Content-Type": "application/octet-stream" } })).status).toBe(204);
    const shown = await json(await call("GET", `/v2/images/${img.id}`, { token: ADMIN }));
    const p = await page(`/catalog/images/${img.id}`);
    expect(p.status).toBe(200);
    expect(p.html).toContain(`<h1>${name}</h1>`);
    expect(p.html).toContain(`<code id="checksum">${shown.checksum}</code>`);
    expect(p.html).toContain(`<code id="os-hash-value">${shown.os_hash_value}</code>`);
    expect(p.html).toContain("4.0 KiB (4,096 bytes)");
    for (const [k, v] of [["os_distro", "fedora"], ["os_version", "41"], ["architecture", "x86_64"]]) expect(p.html).toContain(`<code>${k}</code></th><td>${v}</td>`);
    const file = `${name.replace(/ /g, "-")}.img`;
    expect(p.html).toContain(`<a class="button" id="download" href="/v2/images/${img.id}/file" download="${file}">`);
    expect(p.html).toContain(`openstack image save --file ${file} ${img.id}`);
    expect(p.html).toContain(`glance image-download --file ${file} ${img.id}`);
    expect(p.html).toContain(`curl -fL -o ${file} http://localhost/v2/images/${img.id}/file`);
    // The link, followed as the browser does (no token: the development mode's default identity).
    const dl = await call("GET", `/v2/images/${img.id}/file`, { token: null });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(bytes);
  });

  it("shows only the properties an anonymous reader may read, refuses to filter on the others, and lists hidden images by link only", async () => {
    const tag = uniq("prot");
    const [id, hidden] = await seed([
      { name: `${tag}-img`, visibility: "public", tags: [tag], props: { os_distro: "secretos", x_note: "visible" } },
      { name: `${tag}-hidden`, visibility: "public", tags: [tag], os_hidden: true },
    ]);
    const vars = { PROPERTY_PROTECTIONS: "[^os_distro$]\ncreate = admin\nread = admin\nupdate = admin\ndelete = admin\n[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n" };
    const r = await getWith(vars, `/catalog/images/${id}`);
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(html).toContain("x_note");
    expect(html).not.toContain("secretos");
    const filtered = await getWith(vars, `/catalog?tag=${tag}&os_distro=secretos`);
    expect(filtered.status).toBe(400);
    expect(await filtered.text()).toContain("The catalog cannot filter on os_distro.");
    expect(await ids(`/catalog?tag=${tag}`)).toEqual([id]);
    expect((await page(`/catalog/images/${hidden}`)).status).toBe(200);
  });
});

describe("catalog errors and the API beside it", () => {
  it("answers bad input with a 400 page that says why, unknown pages with a 404 page, other methods with 405", async () => {
    const bad: [string, string][] = [
      ["/catalog?limit=7", "Invalid limit: 7"],
      ["/catalog?sort=random", "Invalid sort: random"],
      ["/catalog?disk_format=exe", "Invalid disk_format: exe"],
      ["/catalog?visibility=private", "Invalid visibility: private"],
      ["/catalog?after=not-a-cursor", "Invalid page cursor"],
      [`/catalog?after=${btoa('["x",null,null,"now","now"]')}`, "Invalid page cursor"],
      ["/catalog?after=abc&before=abc", "Use either after or before"],
      [`/catalog?q=${"x".repeat(256)}`, "q is longer than 255 characters"],
    ];
    for (const [path, message] of bad) {
      const r = await page(path);
      expect(r.status, path).toBe(400);
      expect(r.html, path).toContain(message);
    }
    for (const path of ["/catalog/nothing", "/catalog/images", "/catalog/images/a/b"]) {
      const r = await call("GET", path, { token: null, headers: { Accept: "application/json" } });
      expect(r.status, path).toBe(404);
      expect(r.headers.get("Content-Type")).toMatch(/^text\/html/);
    }
    const slash = await getWith({}, "/catalog/?q=x"); // the app itself: a binding's fetch would follow the redirect
    expect([slash.status, slash.headers.get("Location")]).toEqual([301, "/catalog?q=x"]);
    for (const method of ["POST", "PUT", "DELETE"]) {
      const r = await call(method, "/catalog", { token: null });
      expect(r.status).toBe(405);
      expect(r.headers.get("Allow")).toBe("GET, HEAD");
    }
  });

  it("a POLICY can close the catalog (browse_catalog)", async () => {
    const [id] = await seed([{ visibility: "public" }]);
    const vars = { POLICY: JSON.stringify({ browse_catalog: "!" }) };
    expect((await getWith(vars, "/catalog")).status).toBe(403);
    expect((await getWith(vars, `/catalog/images/${id}`)).status).toBe(404);
  });

  it("/catalog/session says whose token it is (never cached) and refuses a bad one like /v2", async () => {
    const r = await call("GET", "/catalog/session", { token: OWNER });
    expect(r.status).toBe(200);
    expect(r.headers.get("Cache-Control")).toBe("no-store");
    expect(await json(r)).toEqual({ project_id: "projA", user_id: "user-projA", roles: ["member", "reader"], is_admin: false });
    const strict = { AUTH_MODE: "strict", STATIC_TOKENS: JSON.stringify({ good: "projB:member,reader:bob" }) };
    const ok = await getWith(strict, "/catalog/session", { "X-Auth-Token": "good", Accept: "application/json" });
    expect(await json(ok)).toMatchObject({ project_id: "projB", user_id: "bob" });
    const refused = await getWith(strict, "/catalog/session", { "X-Auth-Token": "bad", Accept: "application/json" });
    expect(refused.status).toBe(401);
    expect((await json(refused)).title).toBe("Unauthorized");
    // Pages need no token even where the API needs one.
    expect((await getWith(strict, "/catalog")).status).toBe(200);
    expect((await getWith(strict, "/v2/images")).status).toBe(401);
  });

  it("leaves the API as it was: /v2 JSON and its errors, HEAD 405, the version document's 300 for other paths", async () => {
    const list = await call("GET", "/v2/images?limit=1", { token: OWNER });
    expect(list.status).toBe(200);
    expect(list.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(list.headers.get("Cache-Control")).toBeNull();
    expect((await call("GET", "/v2/catalog", { token: OWNER })).status).toBe(404);
    expect((await call("HEAD", "/v2/images", { token: OWNER })).status).toBe(405);
    for (const path of ["/", "/catalogue", "/v3/catalog"]) {
      const r = await call("GET", path, { token: OWNER });
      expect(r.status, path).toBe(300);
      expect((await json(r)).versions[0].status).toBe("CURRENT");
    }
    expect((await call("GET", "/versions", { token: null })).status).toBe(200);
  });
});
