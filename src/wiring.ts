// The composition root: the only module that constructs adapters. It builds the domain's ports
// (src/domain/services.ts) once per request, per queue batch and per Durable Object instance, and
// hands them to the HTTP app (src/api), the queue consumer (src/queues) and the image's Durable
// Object (src/durable-objects). Nothing else imports an adapter's class.
import { createApp } from "./api/app";
import { settingsFor } from "./config";
import { createDb } from "./db/client";
import { D1ImageRepository } from "./db/images-repo";
import { D1ImageStateRepository } from "./db/image-state-repo";
import { D1MemberRepository } from "./db/members-repo";
import { D1MetadefRepository } from "./db/metadefs";
import { D1NotificationSink } from "./db/notification-sink-repo";
import { D1TaskRepository } from "./db/tasks-repo";
import { D1QuotaUsageRepository } from "./db/usage-repo";
import { verifyUploadSession } from "./domain/images/upload-sessions";
import { runImport } from "./domain/imports/run";
import type { Services } from "./domain/services";
import { ImageObject as ImageObjectRpc } from "./durable-objects/image-object";
import { ImageObjectCoordinator, ImageObjectImports, ImageObjectSessions } from "./durable-objects/image-object-client";
import type { AppEnv } from "./env";
import { FetchImportSources } from "./import-sources";
import { keystoneClientFor } from "./keystone";
import { checkProtectionPolicies, policyFor } from "./policy-config";
import { type JobHandlers, consumeBatch } from "./queues/consumer";
import { QueueJobs } from "./queues/jobs";
import { QueueNotifier } from "./queues/notifier";
import { R2ObjectStores, storesFor } from "./store";

type Bindings = AppEnv["Bindings"];

/**
 * Every port, for one unit of work. `waitUntil` keeps best-effort work (notifications, cache
 * fills) alive past the response; `requestId` tags the notifications. `edgeCache`: downloads of
 * public data go through the Cache API (requests only).
 */
export function servicesForEnv(env: Bindings, waitUntil: (p: Promise<unknown>) => void, requestId: string | null, edgeCache = false): Services {
  const settings = settingsFor(env);
  const policy = policyFor(env.POLICY);
  checkProtectionPolicies(settings.propertyProtections, policy);
  const db = createDb(env.DB);
  return {
    settings,
    policy,
    images: new D1ImageRepository(db),
    imageState: new D1ImageStateRepository(db),
    metadefs: new D1MetadefRepository(db),
    members: new D1MemberRepository(db),
    tasks: new D1TaskRepository(db),
    quotaUsage: new D1QuotaUsageRepository(db),
    notifier: new QueueNotifier(env.EVENTS, waitUntil, settings.publisherId, requestId),
    jobs: new QueueJobs(env.EVENTS),
    sources: new FetchImportSources(settings.importFilter),
    coordinator: new ImageObjectCoordinator(env.IMAGE_DO),
    imports: new ImageObjectImports(env.IMAGE_DO),
    uploadSessions: new ImageObjectSessions(env.IMAGE_DO),
    stores: edgeCache ? storesFor(settings, env, waitUntil) : new R2ObjectStores(settings, env),
    tokens: settings.keystone ? keystoneClientFor(settings.keystone) : null,
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };
}

/** The HTTP API (Hono), its ports built per request. */
export const app = createApp((env, waitUntil, requestId) => servicesForEnv(env, waitUntil, requestId, true));

/**
 * The queue consumer: each message's work runs with its own ports, and the best-effort sends it
 * started (notifications) are awaited before the message is acknowledged.
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const settings = settingsFor(env);
  const sink = new D1NotificationSink(createDb(env.DB));
  const withServices = async (requestId: string | null, work: (s: Services) => Promise<unknown>) => {
    const pending: Promise<unknown>[] = [];
    try {
      await work(servicesForEnv(env, (p) => pending.push(p), requestId));
    } finally {
      await Promise.allSettled(pending);
    }
  };
  const handlers: JobHandlers = {
    async notification(m) {
      console.log(`notification ${m.priority} ${m.event_type} ${m.message_id}`);
      if (settings.notificationSink) await sink.record({ messageId: m.message_id, eventType: m.event_type, body: m });
    },
    scrub: (imageId) => withServices(null, (s) => s.coordinator.scrub(imageId)),
    verifyUpload: (imageId, sessionId) =>
      withServices(null, async (s) => {
        const started = Date.now();
        const bytes = await verifyUploadSession(s, imageId, sessionId);
        if (bytes === null) return;
        const secs = Math.max((Date.now() - started) / 1000, 0.001);
        console.log(`image ${imageId}: hashed ${bytes} bytes of upload session ${sessionId} in ${secs.toFixed(1)} s (${(bytes / 1048576 / secs).toFixed(1)} MiB/s)`);
      }),
    importImage: (job) => withServices(job.requestId, (s) => runImport(s, job)),
  };
  await consumeBatch(batch, handlers);
}

/** The image's Durable Object with its ports (the class wrangler.toml names). */
export class ImageObject extends ImageObjectRpc {
  protected buildServices(): Services {
    return servicesForEnv(this.env as Bindings, (p) => this.ctx.waitUntil(p), null);
  }
}
