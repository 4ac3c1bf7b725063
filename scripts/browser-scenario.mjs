#!/usr/bin/env node
// The catalog in a real browser (README "Catalog"): Debian's chromium driven by playwright-core,
// which downloads nothing (the system browser, a new empty profile). Against a running service in
// development auth mode (scripts/ci-clients.sh starts one):
//   node scripts/browser-scenario.mjs http://127.0.0.1:9292 [SCREENSHOT_DIR]
// Seeds images through the API, then: browse, search without JavaScript, open an image, copy a
// command, download through the link and compare bytes (SHA-512), keyboard and labels, sign in with
// a token, accept then reject a shared image, upload a file in parts with the progress bar showing,
// reload mid-upload and resume. Prints PASS/FAIL per step with its time, then "N passed, N failed".
// Env: CHROMIUM=/usr/bin/chromium  UPLOAD_MIB=48  UPLOAD_KBPS (upload throttle, KiB/s; default 4096)
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { seedCatalog } from "./lib/catalog-seed.mjs";

const BASE = (process.argv[2] ?? "http://127.0.0.1:9292").replace(/\/+$/, "");
const SHOTS = process.argv[3] ?? null;
const RUN = randomBytes(3).toString("hex");
const TAG = `scn-${RUN}`;
const PROJ_A = `cat${RUN}a`;
const PROJ_B = `cat${RUN}b`;
const TOKEN_A = `${PROJ_A}:member,reader`;
const TOKEN_B = `${PROJ_B}:member,reader`;
const WORK = mkdtempSync(join(tmpdir(), "browser-scenario-"));
const sha512 = (buf) => createHash("sha512").update(buf).digest("hex");

const results = [];
const pageErrors = [];
async function step(name, fn) {
  const t = performance.now();
  try {
    const note = await fn();
    const ms = Math.round(performance.now() - t);
    results.push({ name, ok: true, ms });
    console.log(`PASS ${name} (${ms} ms)${note ? `: ${note}` : ""}`);
  } catch (e) {
    const ms = Math.round(performance.now() - t);
    results.push({ name, ok: false, ms });
    console.log(`FAIL ${name} (${ms} ms): ${String(e?.message ?? e).split("\n")[0]}`);
  }
}
const check = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
async function api(method, path, token, body, headers = {}) {
  const h = { Accept: "application/json", "X-Auth-Token": token, ...headers };
  if (body !== undefined && !(body instanceof Uint8Array)) h["Content-Type"] = "application/json";
  const r = await fetch(`${BASE}${path}`, { method, headers: h, body: body instanceof Uint8Array || body === undefined ? body : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}
async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

let seeded;
await step("seed images through the API", async () => {
  seeded = await seedCatalog(api, { tag: TAG, projA: PROJ_A, projB: PROJ_B, tokenB: TOKEN_B });
  return `${seeded.listed.length} public/community, 1 private, 1 shared with ${PROJ_A}`;
});

const profile = join(WORK, "profile");
mkdirSync(profile);
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 860 },
  acceptDownloads: true,
  baseURL: BASE,
});
context.setDefaultTimeout(30_000);
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
const page = context.pages()[0] ?? (await context.newPage());
page.on("pageerror", (e) => pageErrors.push(String(e)));
const rowNames = (p) => p.locator("table.images tbody th a").allTextContents();

try {
  await step("browse: public and community images, never the private one", async () => {
    const t = performance.now();
    const r = await page.goto(`/catalog?tag=${TAG}&sort=name`);
    const loadMs = Math.round(performance.now() - t);
    check(r.status() === 200, `status ${r.status()}`);
    check(r.headers()["cache-control"] === "public, max-age=60", `Cache-Control ${r.headers()["cache-control"]}`);
    const names = await rowNames(page);
    check(JSON.stringify(names) === JSON.stringify([...seeded.listed.map((i) => i.name)].sort()), `rows ${JSON.stringify(names)}`);
    check(!names.includes(seeded.private.name), "the private image is listed");
    await shot(page, "catalog-browse");
    return `${names.length} rows, page loaded in ${loadMs} ms`;
  });

  await step("search and filter without JavaScript, then open an image", async () => {
    const nojs = await context.newPage();
    const cdp = await context.newCDPSession(nojs);
    await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
    await nojs.goto(`/catalog?tag=${TAG}`);
    await nojs.getByLabel("Search by name").fill("ubuntu");
    await nojs.getByLabel("Sort").selectOption("name");
    await Promise.all([nojs.waitForURL(/q=ubuntu/), nojs.getByLabel("Search by name").press("Enter")]);
    const ubuntu = await rowNames(nojs);
    check(ubuntu.length === 2 && ubuntu.every((n) => /ubuntu/i.test(n)), `search gave ${JSON.stringify(ubuntu)}`);
    await nojs.getByLabel("Architecture").fill("aarch64");
    await Promise.all([nojs.waitForURL(/architecture=aarch64/), nojs.getByRole("button", { name: "Search" }).click()]);
    const arm = await rowNames(nojs);
    check(arm.length === 1 && /22\.04/.test(arm[0]), `filter gave ${JSON.stringify(arm)}`);
    await shot(nojs, "catalog-search");
    await Promise.all([nojs.waitForURL(/\/catalog\/images\//), nojs.getByRole("link", { name: arm[0] }).click()]);
    check((await nojs.locator("h1").textContent()) === arm[0], "the image page's title");
    check(await nojs.locator("button.copy").first().isHidden(), "copy buttons show without JavaScript");
    await nojs.close();
    return `"ubuntu" → 2, + architecture aarch64 → 1`;
  });

  let shown;
  await step("open an image: details, checksums, copy a command", async () => {
    await page.getByLabel("Search by name").fill("debian");
    await Promise.all([page.waitForURL(/q=debian/), page.getByRole("button", { name: "Search" }).click()]);
    await Promise.all([page.waitForURL(/\/catalog\/images\//), page.getByRole("link", { name: seeded.download.name }).click()]);
    shown = await api("GET", `/v2/images/${seeded.download.id}`, TOKEN_A);
    check((await page.locator("#os-hash-value").textContent()) === shown.os_hash_value, "SHA-512 shown");
    check((await page.locator("#checksum").textContent()) === shown.checksum, "MD5 shown");
    check((await page.getByRole("cell", { name: "debian", exact: true }).count()) === 1, "os_distro property shown");
    await page.locator("button.copy").first().click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(copied === `openstack image save --file ${shown.name.replace(/[^A-Za-z0-9._-]+/g, "-")}.img ${shown.id}`, `clipboard: ${copied}`);
    await shot(page, "catalog-image");
    return "checksums match the API; the openstack command is on the clipboard";
  });

  await step("download through the link and compare bytes (SHA-512)", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download").click()]);
    const file = join(WORK, "downloaded.img");
    await download.saveAs(file);
    const got = readFileSync(file);
    check(got.length === seeded.download.bytes.length, `${got.length} bytes, expected ${seeded.download.bytes.length}`);
    check(sha512(got) === sha512(seeded.download.bytes) && sha512(got) === shown.os_hash_value, "SHA-512 differs");
    return `${got.length} bytes, sha512 ${sha512(got).slice(0, 16)}…, as ${download.suggestedFilename()}`;
  });

  await step("keyboard and labels: skip link first, every field labelled, landmarks", async () => {
    await page.goto("/catalog");
    await page.keyboard.press("Tab");
    check(await page.evaluate(() => document.activeElement?.classList.contains("skip")), "the first Tab does not reach the skip link");
    await page.keyboard.press("Enter");
    check(await page.evaluate(() => document.activeElement?.id === "main"), "the skip link does not move focus to main");
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select")].filter((e) => !e.labels?.length).map((e) => e.name));
    check(unlabelled.length === 0, `unlabelled: ${unlabelled}`);
    for (const role of ["banner", "main", "contentinfo", "search"]) check((await page.getByRole(role).count()) === 1, `landmark ${role}`);
    return "Tab → skip link → main; all fields labelled";
  });

  await step("sign in with a token (kept in sessionStorage only)", async () => {
    await page.goto("/catalog/account");
    await page.getByLabel("Token", { exact: true }).fill(TOKEN_A);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#who-project", { hasText: PROJ_A }).waitFor();
    const store = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.keys(localStorage), cookie: document.cookie }));
    check(store.session.includes(TOKEN_A), "the token is not in sessionStorage");
    check(store.local.length === 0 && store.cookie === "", `token leaked: ${JSON.stringify(store)}`);
    await page.locator("#own-list table").waitFor();
    const own = await page.locator("#own-list tbody th").allTextContents();
    check(own.includes(seeded.ownA.name), `own images ${JSON.stringify(own)}`);
    return `project ${PROJ_A}; ${own.length} own image(s)`;
  });

  await step("accept an image shared with the project", async () => {
    const row = page.locator(`#shared-list tr[data-image-id="${seeded.shared.id}"]`);
    await row.waitFor();
    check((await row.getAttribute("data-member-status")) === "pending", "not pending");
    await row.getByRole("button", { name: `Accept ${seeded.shared.name}` }).click();
    await page.locator(`#shared-list tr[data-image-id="${seeded.shared.id}"][data-member-status="accepted"]`).waitFor();
    const m = await api("GET", `/v2/images/${seeded.shared.id}/members/${PROJ_A}`, TOKEN_B);
    check(m.status === "accepted", `member status ${m.status}`);
    await shot(page, "catalog-account");
    return "pending → accepted (checked through the API)";
  });

  await step("reject the shared image", async () => {
    const row = page.locator(`#shared-list tr[data-image-id="${seeded.shared.id}"]`);
    await row.getByRole("button", { name: `Reject ${seeded.shared.name}` }).click();
    await page.locator(`#shared-list tr[data-image-id="${seeded.shared.id}"][data-member-status="rejected"]`).waitFor();
    check(await page.locator(`#shared-list tr[data-image-id="${seeded.shared.id}"]`).getByRole("button", { name: `Reject ${seeded.shared.name}` }).isDisabled(), "Reject still enabled");
    const m = await api("GET", `/v2/images/${seeded.shared.id}/members/${PROJ_A}`, TOKEN_B);
    check(m.status === "rejected", `member status ${m.status}`);
    return "accepted → rejected (checked through the API)";
  });

  await uploadSteps();

  await step("no script errors on any page", async () => {
    check(pageErrors.length === 0, pageErrors.join("; "));
  });
} finally {
  await context.close().catch(() => {});
  rmSync(WORK, { recursive: true, force: true });
}

async function uploadSteps() {
  const mib = Number(process.env.UPLOAD_MIB ?? 48);
  const file = join(WORK, `disk-${RUN}.raw`);
  const data = randomBytes(mib * 1024 * 1024);
  writeFileSync(file, data);
  const puts = [];
  // How many parts were on their way when the first answer came back (the browser's events arrive in order).
  let sentBeforeFirstAnswer = null;
  const isPart = (r) => r.method() === "PUT" && /\/upload-sessions\/[^/]+\/parts\/\d+$/.test(new URL(r.url()).pathname);
  page.on("request", (r) => isPart(r) && puts.push(Number(new URL(r.url()).pathname.split("/").pop())));
  page.on("response", (r) => isPart(r.request()) && sentBeforeFirstAnswer === null && (sentBeforeFirstAnswer = puts.length));
  // A slow uplink, so that the reload lands mid-upload (Chromium's own throttling, per page).
  const throttle = async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const bps = Number(process.env.UPLOAD_KBPS ?? 4096) * 1024;
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bps });
  };
  let rec;
  let before;
  await step(`upload a ${mib} MiB file in parts with the progress bar`, async () => {
    await throttle();
    await page.getByLabel("Image file", { exact: true }).setInputFiles(file);
    await page.getByLabel("Name", { exact: true }).fill(`uploaded ${RUN}`);
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.locator("#upload-progress-box").waitFor({ state: "visible" });
    // At least two parts stored, and some still missing: then reload.
    for (let i = 0; ; i++) {
      rec = await page.evaluate(() => JSON.parse(localStorage.getItem("glance-catalog.upload") ?? "null"));
      if (rec) {
        const s = await api("GET", `/v2/images/${rec.imageId}/upload-sessions/${rec.sessionId}`, TOKEN_A);
        if (s.parts.length >= 2) {
          before = s.parts.map((p) => p.part_number);
          break;
        }
      }
      check(i < 600, "no part stored after 60 s");
      await page.waitForTimeout(100);
    }
    const value = Number(await page.locator("#upload-progress").evaluate((e) => e.value));
    check(value > 0 && value < 100, `progress ${value}`);
    check(sentBeforeFirstAnswer === 3, `${sentBeforeFirstAnswer} parts in flight before the first answer, expected 3`);
    await page.reload(); // at once, so that it lands mid-upload (the screenshot comes after the resume)
    return `${rec.partCount} parts of ${rec.partSize / 1048576} MiB, 3 in flight; reloaded with ${before.length} stored, the bar at ${value.toFixed(0)} %`;
  });

  await step("reload mid-upload, re-select the file, resume with only the missing parts", async () => {
    check(rec && before, "no upload to resume");
    const stored = (await api("GET", `/v2/images/${rec.imageId}/upload-sessions/${rec.sessionId}`, TOKEN_A)).parts.map((p) => p.part_number);
    check(stored.length < rec.partCount, "every part arrived before the reload");
    await page.locator("#resume", { hasText: `disk-${RUN}.raw` }).waitFor();
    puts.length = 0;
    await page.getByLabel("Choose the same file to resume").setInputFiles(file);
    await page.locator("#upload-text", { hasText: "(resumed)" }).waitFor();
    await shot(page, "catalog-upload");
    await page.locator("#upload-text", { hasText: "Done:" }).waitFor({ timeout: 180_000 });
    const missing = [...Array(rec.partCount).keys()].map((n) => n + 1).filter((n) => !stored.includes(n));
    const resent = [...new Set(puts)].sort((a, b) => a - b);
    check(JSON.stringify(resent) === JSON.stringify(missing), `resent ${resent}, missing were ${missing}`);
    const img = await api("GET", `/v2/images/${rec.imageId}`, TOKEN_A);
    check(img.status === "active" && img.size === data.length && img.os_hash_value === sha512(data), `image ${img.status} ${img.size}`);
    check((await page.evaluate(() => localStorage.getItem("glance-catalog.upload"))) === null, "the resume record is left behind");
    return `${stored.length} parts were stored, ${missing.length} sent after the reload; active, SHA-512 matches`;
  });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`timings: ${results.map((r) => `${r.name.split(":")[0]} ${r.ms} ms`).join("; ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
