// The composition root: the only module that constructs adapters. It builds the domain's ports
// (src/domain/services.ts) once per request, per queue batch and per Durable Object instance, and
// hands them to the HTTP app (src/api), the queue consumer (src/queues) and the image's Durable
// Object (src/durable-objects). Nothing else imports an adapter's class.
import { createApp } from "./api/app";
import { settingsFor } from "./config";
import { ConfigError } from "./config";
import { d1Repositories } from "./db";
import { BOOKMARK, RequestSession } from "./db/request-session";
import { prefetchImage } from "./domain/cache/queue";
import { verifyUploadSession } from "./domain/images/upload-sessions";
import { runImport } from "./domain/imports/run";
import { deliverWebhook } from "./domain/webhooks/deliver";
import { fanOutWebhooks } from "./domain/webhooks/fan-out";
import type { WebhookOutcome } from "./domain/webhooks/webhook";
import type { DataRepositories, Services } from "./domain/services";
import { ImageObject as ImageObjectRpc } from "./durable-objects/image-object";
import { ImageObjectCoordinator, ImageObjectImports, ImageObjectSessions } from "./durable-objects/image-object-client";
import { ProjectBookmarkClient } from "./durable-objects/project-bookmark";
import { projectConstraint, readYourWritesOf, recordOwnerWrite, recordWrite, writersOf } from "./wiring/read-your-writes";
import type { AppEnv } from "./env";
import { FetchImportSources } from "./import-sources";
import { keystoneClientFor } from "./keystone";
import { checkProtectionPolicies, policyFor } from "./policy-config";
import { type JobHandlers, consumeBatch } from "./queues/consumer";
import { QueueJobs } from "./queues/jobs";
import { QueueNotifier } from "./queues/notifier";
import { type CallContext, type RegistryService, registryRepositories } from "./registry-client";
import { QueueWebhookDispatch } from "./queues/webhooks";
import { R2ObjectStores, storesFor } from "./store";
import { FetchWebhookSender } from "./webhooks-sender";

type Bindings = AppEnv["Bindings"];

/**
 * The data access layer the deployment chose (GLANCE_DATA_API): D1 in this Worker, or the
 * registry Worker over its Service Binding (then this Worker has no D1 binding at all).
 */
export function dataRepositories(env: Bindings, call: CallContext, session?: RequestSession): DataRepositories {
  const mode = env.GLANCE_DATA_API ?? "direct";
  if (mode === "direct") return d1Repositories(session ? session.asDatabase() : env.DB);
  if (mode !== "registry") throw new ConfigError(`invalid GLANCE_DATA_API "${mode}": expected direct or registry`);
  if (!env.REGISTRY) throw new ConfigError("GLANCE_DATA_API registry needs the REGISTRY service binding to the registry Worker");
  return registryRepositories(env.REGISTRY as RegistryService, call);
}

/**
 * Every port, for one unit of work. `waitUntil` keeps best-effort work (notifications, cache
 * fills) alive past the response; `requestId` tags the notifications. `edgeCache`: downloads of
 * public data go through the Cache API (requests only).
 */
export function servicesForEnv(
  env: Bindings,
  waitUntil: (p: Promise<unknown>) => void,
  requestId: string | null,
  origin: CallContext["origin"] = "queue",
  edgeCache = false,
): Services {
  const settings = settingsFor(env);
  const policy = policyFor(env.POLICY);
  checkProtectionPolicies(settings.propertyProtections, policy);
  // Requests read through one D1 session (read replication); the queue and the image's object
  // write, and read the primary.
  const call: CallContext = { origin, requestId };
  const session = origin === "api" && (env.GLANCE_DATA_API ?? "direct") === "direct" ? new RequestSession(env.DB) : undefined;
  const { notificationSink: _, ...repositories } = dataRepositories(env, call, session);
  const services: Services = {
    settings,
    policy,
    ...repositories,
    notifier: new QueueNotifier(env.EVENTS, waitUntil, settings.publisherId, requestId),
    jobs: new QueueJobs(env.EVENTS),
    sources: new FetchImportSources(settings.importFilter),
    coordinator: new ImageObjectCoordinator(env.IMAGE_DO),
    imports: new ImageObjectImports(env.IMAGE_DO),
    uploadSessions: new ImageObjectSessions(env.IMAGE_DO),
    stores: edgeCache ? storesFor(settings, env, waitUntil) : new R2ObjectStores(settings, env),
    webhookDispatch: new QueueWebhookDispatch(env.WEBHOOKS),
    webhookSender: new FetchWebhookSender(),
    tokens: settings.keystone ? keystoneClientFor(settings.keystone) : null,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };
  if (origin === "api") sessions.set(services, { call, session, env });
  return services;
}

/**
 * D1 read replication per request (README "Read replicas"): a bookmark the client sent back is
 * honoured (its reads see at least that point); anonymous readers go to the nearest replica; every
 * other caller reads the primary, so a client that carries no bookmark (glance, openstack) never
 * misses its own writes; with read_your_writes "project", it reads at its project's newest write
 * instead (src/wiring/read-your-writes.ts). The response carries the bookmark of what the request
 * saw or wrote.
 */
function consistencyOf(services: Services) {
  return sessions.get(services);
}
const sessions = new WeakMap<Services, { call: CallContext; session?: RequestSession; env: Bindings; writers?: string[] }>();

/** Per-project bookmarks (read_your_writes "project", README "Read replicas"), when the deployment binds them. */
const writeBookmarks = (env: Bindings) => (env.PROJECT_BOOKMARKS ? new ProjectBookmarkClient(env.PROJECT_BOOKMARKS) : null);
/** The primary's latest bookmark (after a write made elsewhere: the queue, the image's object). */
const primaryBookmark = (env: Bindings, call: CallContext) =>
  (env.GLANCE_DATA_API ?? "direct") === "direct" ? new RequestSession(env.DB).bookmark(true) : (env.REGISTRY as RegistryService).bookmark(call);

/** The HTTP API (Hono), its ports built per request. */
export const app = createApp(
  (env, waitUntil, requestId) => servicesForEnv(env, waitUntil, requestId, "api", true),
  {
    async choose(services, r) {
      const c = consistencyOf(services);
      if (!c) return;
      // Downloads check access on the primary (or the client's bookmark): revoked data is never served.
      let constraint = r.bookmark && BOOKMARK.test(r.bookmark) ? r.bookmark : r.anonymous && !r.mutating && !r.data ? "first-unconstrained" : "first-primary";
      const bookmarks = r.project && readYourWritesOf(c.env.GLANCE_CONFIG) === "project" ? writeBookmarks(c.env) : null;
      if (bookmarks && r.project) {
        if (r.mutating) c.writers = writersOf(r.project, r.path);
        else if (constraint === "first-primary" && !r.anonymous && !r.data) constraint = await projectConstraint(bookmarks, r.project);
      }
      c.call.constraint = constraint;
      if (c.session) c.session.constraint = constraint;
    },
    async bookmark(services, mutating) {
      const c = consistencyOf(services);
      if (!c) return null;
      const bookmark = c.session ? await c.session.bookmark(mutating) : mutating ? await (c.env.REGISTRY as RegistryService).bookmark(c.call) : null;
      const bookmarks = mutating && c.writers ? writeBookmarks(c.env) : null;
      if (bookmarks && c.writers) await recordWrite(bookmarks, c.writers, bookmark);
      return bookmark;
    },
  },
);

/**
 * The queue consumer: each message's work runs with its own ports, and the best-effort sends it
 * started (notifications) are awaited before the message is acknowledged.
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const settings = settingsFor(env);
  const sink = dataRepositories(env, { origin: "queue", requestId: null }).notificationSink;
  const withServices = async (requestId: string | null, work: (s: Services) => Promise<unknown>, edgeCache = false) => {
    const pending: Promise<unknown>[] = [];
    try {
      await work(servicesForEnv(env, (p) => pending.push(p), requestId, "queue", edgeCache));
    } finally {
      await Promise.allSettled(pending);
    }
  };
  // Read-your-writes (README "Read replicas"): the owner's bookmark-less reads include what the job wrote.
  const bookmarks = writeBookmarks(env);
  const ownerSees = async (s: Services, imageId: string) => {
    if (bookmarks) await recordOwnerWrite(bookmarks, async () => (await s.images.get(imageId))?.owner ?? null, () => primaryBookmark(env, { origin: "queue", requestId: null }));
  };
  const handlers: JobHandlers = {
    async notification(m) {
      console.log(`notification ${m.priority} ${m.event_type} ${m.message_id}`);
      if (settings.notificationSink) await sink.record({ messageId: m.message_id, eventType: m.event_type, body: m });
      // One webhook_delivery message per matching subscription.
      await withServices(m.request_id, (s) => fanOutWebhooks(s, m));
    },
    deliverWebhook: async (job, attempt) => {
      let outcome: WebhookOutcome = { kind: "done" };
      await withServices(null, async (s) => (outcome = await deliverWebhook(s, job, attempt)));
      return outcome;
    },
    scrub: (imageId) => withServices(null, (s) => s.coordinator.scrub(imageId)),
    verifyUpload: (imageId, sessionId) =>
      withServices(null, async (s) => {
        const started = Date.now();
        const bytes = await verifyUploadSession(s, imageId, sessionId);
        if (bytes === null) return;
        await ownerSees(s, imageId);
        const secs = Math.max((Date.now() - started) / 1000, 0.001);
        console.log(`image ${imageId}: hashed ${bytes} bytes of upload session ${sessionId} in ${secs.toFixed(1)} s (${(bytes / 1048576 / secs).toFixed(1)} MiB/s)`);
      }),
    importImage: (job) =>
      withServices(job.requestId, async (s) => {
        try {
          await runImport(s, job);
        } finally {
          await ownerSees(s, job.imageId);
        }
      }),
    // The prefetch reads through this location's edge cache, which the read fills.
    cacheImage: (imageId) => withServices(null, (s) => prefetchImage(s, imageId), true),
  };
  await consumeBatch(batch, handlers);
}

/** The per-project bookmarks' Durable Object (read_your_writes "project"; the class wrangler.toml names). */
export { ProjectBookmarks } from "./durable-objects/project-bookmark";

/** The image's Durable Object with its ports (the class wrangler.toml names). */
export class ImageObject extends ImageObjectRpc {
  protected buildServices(): Services {
    return servicesForEnv(this.env as Bindings, (p) => this.ctx.waitUntil(p), null, "object");
  }
}
