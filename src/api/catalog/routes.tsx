import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { browseCatalog, parseCatalogQuery, showCatalogImage } from "../../domain/catalog/browse";
import { DomainError } from "../../domain/errors";
import type { AppEnv } from "../../env";
import type { Services } from "../../domain/services";
import { handleError, HttpError } from "../errors";
import { authenticate } from "../middleware/auth";
import { AccountPage } from "./account-page";
import { ASSETS } from "./assets";
import { ImagePage } from "./image-page";
import { ErrorPage } from "./layout";
import { ListPage } from "./list-page";

// The public image catalog (README "Catalog"), outside /v2: server-rendered HTML that works
// without JavaScript, plus one small served script for the signed-in parts. Nothing rendered here
// depends on who asks (a token only ever reaches /v2 from the page's script), so every page is
// cacheable by anyone.
const PAGE_CACHE = "public, max-age=60";
const PAGE_HEADERS: Record<string, string> = {
  "Cache-Control": PAGE_CACHE,
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
};
const ERROR_TITLES: Record<number, string> = { 400: "Bad request", 403: "Not available", 404: "Not found", 405: "Method not allowed", 503: "Unavailable" };
const DOMAIN_STATUS: Partial<Record<DomainError["kind"], number>> = { BadRequest: 400, Forbidden: 403, NotFound: 404, ServiceUnavailable: 503 };

async function render(c: Context<AppEnv>, node: Child, status = 200, cache = PAGE_CACHE): Promise<Response> {
  const html = `<!DOCTYPE html>${await (node as { toString(): string | Promise<string> }).toString()}`;
  return c.body(html, status as 200, { ...PAGE_HEADERS, "Cache-Control": cache, "Content-Type": "text/html; charset=utf-8" });
}

const formatsOf = (c: Context<AppEnv>) => {
  const s = c.get("services").settings;
  return { disk: s.diskFormats, container: s.containerFormats };
};

/** Builds the ports for one request, as for /v2 (app.ts RequestServices; src/wiring.ts). */
type BuildServices = (env: AppEnv["Bindings"], waitUntil: (p: Promise<unknown>) => void, requestId: string | null) => Services;

/** The /catalog routes. */
export function catalogRoutes(buildServices: BuildServices): Hono<AppEnv> {
  const catalog = new Hono<AppEnv>();
  catalog.use("*", async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname === "/catalog/") return c.redirect(`/catalog${url.search}`, 301); // one address per page (one cache entry)
    c.set("services", buildServices(c.env, (p) => c.executionCtx.waitUntil(p), c.get("requestId") ?? null));
    await next();
  });

  catalog.get("/", async (c) => {
    const formats = formatsOf(c);
    const query = parseCatalogQuery((n) => c.req.query(n), { diskFormats: formats.disk, containerFormats: formats.container });
    const page = await browseCatalog(c.get("services"), c.get("requestId"), query);
    return render(c, <ListPage query={query} page={page} formats={formats} />);
  });

  catalog.get("/images/:id", async (c) => {
    const services = c.get("services");
    const image = await showCatalogImage(services, c.get("requestId"), c.req.param("id"));
    const origin = services.settings.publicEndpoint ?? new URL(c.req.url).origin;
    return render(c, <ImagePage image={image} origin={origin} />);
  });

  catalog.get("/account", (c) => render(c, <AccountPage formats={formatsOf(c)} />));

  // Who a token is (the account page shows it and needs the project id for member updates).
  // Authenticated like /v2; never cached, and the token is never logged or echoed.
  catalog.get("/session", authenticate, (c) => {
    const ctx = c.get("ctx");
    c.header("Cache-Control", "no-store");
    return c.json({ project_id: ctx.projectId, user_id: ctx.userId, roles: ctx.roles, is_admin: ctx.isAdmin });
  });

  catalog.get("/static/:name", (c) => {
    const asset = Object.values(ASSETS).find((a) => a.path === `/catalog/static/${c.req.param("name")}`);
    if (!asset) return render(c, <ErrorPage status={404} title="Not found" message="There is no such file." />, 404, "no-store");
    return c.body(asset.body, 200, { "Content-Type": asset.type, "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff" });
  });

  // Anything else under /catalog is the catalog's own 404 (or 405), never the version document.
  catalog.all("*", async (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const r = await render(c, <ErrorPage status={405} title={ERROR_TITLES[405]} message="The catalog is read-only: only GET." />, 405, "no-store");
      r.headers.set("Allow", "GET, HEAD");
      return r;
    }
    return render(c, <ErrorPage status={404} title="Not found" message="There is no such page in the catalog." />, 404, "no-store");
  });

  catalog.onError((err, c) => {
    // The session endpoint is JSON, answered like /v2's errors.
    if (c.req.path === "/catalog/session") return handleError(err, c);
    const status = err instanceof DomainError ? (DOMAIN_STATUS[err.kind] ?? 500) : err instanceof HttpError ? err.status : 500;
    // Unknown errors are logged with the request id, never shown.
    if (status === 500) console.error(`catalog ${c.get("requestId")}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const message = status === 500 ? "Something went wrong on our side." : err.message;
    return render(c, <ErrorPage status={status} title={ERROR_TITLES[status] ?? "Error"} message={message} requestId={c.get("requestId")} />, status, "no-store");
  });
  return catalog;
}
