import type { TokenValidator } from "./identity";
import type { PolicyEngine } from "./policy/engine";
import type { ImageCoordinator, ImageRepository, MemberRepository, Notifier, ObjectStores } from "./ports";
import type { MetadefRepository } from "./ports";
import type { QuotaUsageRepository, TaskRepository } from "./ports";
import type { ImageStateRepository, ImportCoordinator, ImportSources, JobQueue, NotificationSink, UploadSessionCoordinator } from "./ports";
import type { Settings } from "./settings";
import type { WebhookDispatch, WebhookRepository, WebhookSender } from "./webhooks/ports";
import type { ImageCacheRepository } from "./ports";

/** Everything a verb may touch: built by src/wiring.ts for a request, a queue batch or an image's Durable Object. */
export interface Services {
  settings: Settings;
  policy: PolicyEngine;
  images: ImageRepository;
  metadefs: MetadefRepository;
  members: MemberRepository;
  tasks: TaskRepository;
  /** Per-project usage for the unified limits (src/domain/quotas.ts). */
  quotaUsage: QuotaUsageRepository;
  /** The writes of the image's coordinator (status, data fields, locations): used inside the image's Durable Object. */
  imageState: ImageStateRepository;
  notifier: Notifier;
  /** Background work on the queue (scrubbing, upload-session checksums, imports). */
  jobs: JobQueue;
  /** Where imports read remote data (web-download, glance-download) and the byte work on the way. */
  sources: ImportSources;
  coordinator: ImageCoordinator;
  /** Staging, the import lock and import steps, per image (the image's Durable Object). */
  imports: ImportCoordinator;
  /** Resumable multi-part upload sessions (the image's coordinator keeps them). */
  uploadSessions: UploadSessionCoordinator;
  /** Image data stores by id (settings.stores). */
  stores: ObjectStores;
  /** The edge cache's bookkeeping (the cache management API, /v2/cache). */
  imageCache: ImageCacheRepository;
  /** Webhook subscriptions and their delivery logs; the queue deliveries go on; the signed POST. */
  webhooks: WebhookRepository;
  webhookDispatch: WebhookDispatch;
  webhookSender: WebhookSender;
  /** Keystone mode: validates X-Auth-Token (null in the other auth modes). */
  tokens: TokenValidator | null;
  now(): Date;
  newId(): string;
}

/**
 * The data access layer: every repository over the catalog database. D1 directly, or the registry
 * Worker over a Service Binding (README "The registry layer"); the domain cannot tell them apart.
 */
export type DataRepositories = Pick<Services, "images" | "imageState" | "metadefs" | "members" | "tasks" | "quotaUsage" | "imageCache" | "webhooks"> & {
  /** notification_sink: where the queue consumer records delivered events. */
  notificationSink: NotificationSink;
};
