import type { PolicyEngine } from "./policy/engine";
import type { ImageCoordinator, ImageRepository, MemberRepository, Notifier, ObjectStores } from "./ports";
import type { MetadefRepository } from "./ports";
import type { QuotaUsageRepository, TaskRepository } from "./ports";
import type { ImportCoordinator, UploadSessionCoordinator } from "./ports";
import type { Settings } from "./settings";

/** Everything a verb may touch, assembled per request by the API layer. */
export interface Services {
  settings: Settings;
  policy: PolicyEngine;
  images: ImageRepository;
  metadefs: MetadefRepository;
  members: MemberRepository;
  tasks: TaskRepository;
  /** Per-project usage for the unified limits (src/domain/quotas.ts). */
  quotaUsage: QuotaUsageRepository;
  notifier: Notifier;
  coordinator: ImageCoordinator;
  /** Staging, the import lock and import steps, per image (the image's Durable Object). */
  imports: ImportCoordinator;
  /** Resumable multi-part upload sessions (the image's coordinator keeps them). */
  uploadSessions: UploadSessionCoordinator;
  /** Image data stores by id (settings.stores). */
  stores: ObjectStores;
  now(): Date;
  newId(): string;
}
