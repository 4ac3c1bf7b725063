import { Hono } from "hono";
import type { Services } from "../domain/services";
import { errorResponse, handleError, HttpError } from "./errors";
import { authenticate } from "./middleware/auth";
import { imageMembersRoutes } from "./v2/image-members";
import { imageDataRoutes } from "./v2/image-data";
import { imageImportRoutes } from "./v2/image-import";
import { uploadSessionRoutes } from "./v2/upload-sessions";
import { imagesRoutes } from "./v2/images";
import { metadefsRoutes } from "./v2/metadefs";
import { schemasRoutes } from "./v2/schemas";
import { storesRoutes } from "./v2/stores";
import { discoveryRoutes } from "./v2/discovery";
import { imageTasksRoutes, tasksRoutes } from "./v2/tasks";
import { webhooksRoutes } from "./v2/webhooks";
import { acceptedVersionPrefixes, versionsDocument } from "./versions";
import { type RawConfig, settingsFor } from "../config";
import { imageLocationsRoutes } from "./v2/image-locations";
import { cacheRoutes } from "./v2/cache";
import type { AppEnv } from "../env";
import { catalogRoutes } from "./catalog/routes";

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]);
const BODYLESS = new Set(["GET", "HEAD", "DELETE"]);

/** Builds the ports for one request (src/wiring.ts): the API never constructs an adapter itself. */
export type RequestServices = (env: AppEnv["Bindings"], waitUntil: (p: Promise<unknown>) => void, requestId: string | null) => Services;

/** How a request reads the database (D1 read replication), decided once the caller is known. */
export interface Consistency {
  /**
   * `bookmark`: what the client sent back (X-Glance-Bookmark); anonymous: no identity; mutating: not
   * GET/HEAD; data: an image data download (its access check must see the latest rights).
   */
  choose(
    services: Services,
    request: { bookmark: string | null; anonymous: boolean; mutating: boolean; data: boolean; project: string | null; path: string },
  ): void | Promise<void>;
  /** The bookmark the response carries (null: none). */
  bookmark(services: Services, mutating: boolean): Promise<string | null>;
}

/** The Hono app: middleware order, error mapping, version negotiation, the /v2 mounts. */
export function createApp(buildServices: RequestServices, consistency?: Consistency): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Request id on every response (glance: adopt X-Openstack-Request-ID up to 64 chars, else 431;
  // glance's context middleware answers it with a "req-" prefix when it has none).
  app.use("*", async (c, next) => {
    const incoming = c.req.header("X-Openstack-Request-ID");
    if (incoming && incoming.length > 64) {
      return errorResponse(c.req.header("Accept"), 431, "Request ID is too long.", { "x-openstack-request-id": `req-${crypto.randomUUID()}` });
    }
    const requestId = incoming ? (incoming.startsWith("req-") ? incoming : `req-${incoming}`) : `req-${crypto.randomUUID()}`;
    c.set("requestId", requestId);
    await next();
    c.res.headers.set("x-openstack-request-id", requestId);
  });

  app.use("*", async (c, next) => {
    if (!KNOWN_METHODS.has(c.req.method)) throw new HttpError(501, "The server does not support this method.");
    await next();
  });

  app.get("/healthcheck", (c) => c.text("OK"));
  app.get("/versions", (c) => c.json(versionsDocument(c, settingsFor(c.env)), 200));

  const v2 = new Hono<AppEnv>();
  v2.use("*", async (c, next) => {
    c.set("services", buildServices(c.env, (p) => c.executionCtx.waitUntil(p), c.get("requestId") ?? null));
    // glance body_reject: GET/DELETE routes refuse a body.
    if (BODYLESS.has(c.req.method) && (Number(c.req.header("Content-Length") ?? 0) > 0 || c.req.header("Transfer-Encoding"))) {
      throw new HttpError(400, "A body is not expected with this request.");
    }
    await next();
  });
  v2.use("*", authenticate);
  // Read-your-writes across replicas (README "Read replicas"): the bookmark travels both ways.
  v2.use("*", async (c, next) => {
    if (!consistency) return next();
    const services = c.get("services");
    const mutating = c.req.method !== "GET" && c.req.method !== "HEAD";
    const data = c.req.path.endsWith("/file");
    const { readOnly: anonymous, projectId: project } = c.get("ctx");
    await consistency.choose(services, { bookmark: c.req.header("X-Glance-Bookmark") ?? null, anonymous, mutating, data, project, path: c.req.path });
    await next();
    const bookmark = await consistency.bookmark(services, mutating && c.res.status < 400).catch(() => null);
    if (bookmark) c.res.headers.set("X-Glance-Bookmark", bookmark);
  });
  // Glance routes only the methods it lists: HEAD on an API resource is 405 with Allow (no GET-as-HEAD).
  v2.use("*", async (c, next) => {
    if (c.req.method !== "HEAD") return next();
    const allowed = allowedMethods(new URL(c.req.url).pathname);
    if (allowed.length === 0) throw new HttpError(404, "The resource could not be found.");
    return errorResponse(c.req.header("Accept"), 405, "The method specified is not allowed for this resource.", { Allow: allowed.join(", ") });
  });
  v2.route("/images", imagesRoutes);
  v2.route("/images", imageDataRoutes);
  v2.route("/images", imageImportRoutes);
  v2.route("/images", uploadSessionRoutes);
  v2.route("/images", imageMembersRoutes);
  v2.route("/metadefs", metadefsRoutes);
  v2.route("/schemas", schemasRoutes);
  v2.route("/images", imageTasksRoutes);
  v2.route("/tasks", tasksRoutes);
  v2.route("/info", discoveryRoutes);
  v2.route("/stores", storesRoutes);
  v2.route("/images", imageLocationsRoutes);
  v2.route("/cache", cacheRoutes);
  v2.route("/webhooks", webhooksRoutes);
  app.route("/v2", v2);
  // The public image catalog (HTML, README "Catalog"): outside /v2, answered before the fallback below.
  app.route("/catalog", catalogRoutes(buildServices));

  // Routes known for some method answer 405 with Allow; other /v2 paths 404; anything else is the
  // version document with 300, as Glance's version negotiation does.
  let routeTable: { re: RegExp; methods: Set<string> }[] | null = null;
  const allowedMethods = (path: string): string[] => {
    if (!routeTable) {
      const byPath = new Map<string, Set<string>>();
      for (const r of app.routes) {
        if (r.method === "ALL") continue;
        const set = byPath.get(r.path) ?? new Set<string>();
        set.add(r.method);
        byPath.set(r.path, set);
      }
      routeTable = [...byPath].map(([p, methods]) => ({
        re: new RegExp(
          "^" +
            p
              .replace(/\/+$/, "")
              .replace(/:[A-Za-z_]+\{([^}]+)\}/g, "($1)")
              .replace(/:[A-Za-z_]+/g, "[^/]+") +
            "$",
        ),
        methods,
      }));
    }
    const out = new Set<string>();
    for (const r of routeTable) if (r.re.test(path)) r.methods.forEach((m) => out.add(m));
    return [...out];
  };

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const accept = c.req.header("Accept");
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      return errorResponse(accept, 405, "The method specified is not allowed for this resource.", { Allow: allowed.join(", ") });
    }
    if (path === "/v2" || path.startsWith("/v2/")) return errorResponse(accept, 404, "The resource could not be found.");
    return c.json(versionsDocument(c, settingsFor(c.env)), 300);
  });

  app.onError(handleError);
  return app;
}

/**
 * Version negotiation (glance/api/middleware/version_negotiation.py): /v2.N/... → /v2/... for the
 * versions the configuration offers (`env`; without it, those of a deployment without the cache API).
 */
export function negotiateVersion(request: Request, env?: RawConfig): Request {
  const url = new URL(request.url);
  const m = /^\/(v\d+(?:\.\d+)?)(\/.*)?$/.exec(url.pathname);
  if (!m || m[1] === "v2") return request;
  if (acceptedVersionPrefixes(cacheEnabled(env)).has(m[1])) {
    url.pathname = `/v2${m[2] ?? ""}`;
    return new Request(url, request);
  }
  url.pathname = `/unknown-version${m[2] ?? ""}`;
  return new Request(url, request);
}

/** A configuration that does not parse offers no cache API here (the app answers its 500). */
function cacheEnabled(env: RawConfig | undefined): boolean {
  try {
    return env ? settingsFor(env).imageCache.enabled : false;
  } catch {
    return false;
  }
}
