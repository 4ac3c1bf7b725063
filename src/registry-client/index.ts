// The data access layer over the registry Worker (README "The registry layer"): each repository
// method is one RPC through the Service Binding, pipelined (`REGISTRY.images(call).get(id)` is one
// round trip), so the API Worker holds no database binding. Implements the same ports as src/db.
import type { ImageStateRepository } from "../domain/images/state-repository";
import type { NotificationSink } from "../domain/jobs";
import type { MetadefRepository } from "../domain/metadefs/repository";
import type { ImageCacheRepository, ImageRepository, MemberRepository, QuotaUsageRepository, TaskRepository } from "../domain/ports";
import type { DataRepositories } from "../domain/services";
import type { WebhookRepository } from "../domain/webhooks/ports";

/** Who is calling, passed along with every call; the registry refuses a call without it. */
export interface CallContext {
  origin: "api" | "queue" | "object";
  requestId: string | null;
  /** D1 read replication: the session constraint or bookmark this call reads with (default: the primary). */
  constraint?: string;
}

/** The registry Worker's RPC surface (src/registry/index.ts implements it). */
export interface RegistryService {
  /** The primary's latest bookmark (handed back to clients after a write). */
  bookmark(call: CallContext): Promise<string | null>;
  images(call: CallContext): ImageRepository;
  imageState(call: CallContext): ImageStateRepository;
  metadefs(call: CallContext): MetadefRepository;
  members(call: CallContext): MemberRepository;
  tasks(call: CallContext): TaskRepository;
  quotaUsage(call: CallContext): QuotaUsageRepository;
  notificationSink(call: CallContext): NotificationSink;
  webhooks(call: CallContext): WebhookRepository;
  imageCache(call: CallContext): ImageCacheRepository;
}

// The methods of each port, listed once: the client forwards exactly these, and the type check
// below fails to compile when a port gains a method that is not listed.
const METHODS = {
  images: ["get", "exists", "create", "save", "list", "countLive", "getMemberStatus", "locations", "storageUsage"],
  imageState: ["get", "transition", "change", "activateUpload", "softDelete", "locationsIn", "locationKey", "markLocationsDeleted", "finishScrub"],
  members: ["list", "get", "add", "setStatus", "remove"],
  tasks: ["create", "get", "list", "listByImage", "transition", "update"],
  quotaUsage: ["usage"],
  notificationSink: ["record"],
  webhooks: ["create", "get", "list", "countByOwner", "listEnabled", "save", "delete", "logAttempt", "attempts", "lastAttempt", "resetFailures", "countFailure"],
  imageCache: ["get", "list", "queue", "recordHit", "recordFill", "nodes", "remove", "clear"],
  metadefs: [
    "getNamespace", "listNamespaces", "createNamespace", "updateNamespace", "deleteNamespace", "deleteNamespaceContent",
    "listObjects", "getObject", "createObject", "updateObject", "deleteObject",
    "listProperties", "getProperty", "createProperty", "updateProperty", "deleteProperty",
    "listTags", "getTag", "createTag", "createTags", "updateTag", "deleteTag",
    "listResourceTypes", "getResourceType", "listAssociations", "associationsByNamespace", "createAssociation", "deleteAssociation",
  ],
} as const;
type Listed<K extends keyof typeof METHODS> = (typeof METHODS)[K][number];
type Complete<T, L> = Exclude<keyof T, L> extends never ? true : false;
const complete: [
  Complete<ImageRepository, Listed<"images">>,
  Complete<ImageStateRepository, Listed<"imageState">>,
  Complete<MemberRepository, Listed<"members">>,
  Complete<TaskRepository, Listed<"tasks">>,
  Complete<QuotaUsageRepository, Listed<"quotaUsage">>,
  Complete<NotificationSink, Listed<"notificationSink">>,
  Complete<WebhookRepository, Listed<"webhooks">>,
  Complete<ImageCacheRepository, Listed<"imageCache">>,
  Complete<MetadefRepository, Listed<"metadefs">>,
] = [true, true, true, true, true, true, true, true, true];
void complete;

type Target = Record<string, (...args: unknown[]) => Promise<unknown>>;

function forward<T>(open: () => unknown, names: readonly string[]): T {
  return Object.fromEntries(names.map((n) => [n, (...args: unknown[]) => (open() as Target)[n](...args)])) as T;
}

/** The ports over the REGISTRY binding; every call carries `call`. */
export function registryRepositories(registry: RegistryService, call: CallContext): DataRepositories {
  return {
    images: forward(() => registry.images(call), METHODS.images),
    imageState: forward(() => registry.imageState(call), METHODS.imageState),
    members: forward(() => registry.members(call), METHODS.members),
    tasks: forward(() => registry.tasks(call), METHODS.tasks),
    quotaUsage: forward(() => registry.quotaUsage(call), METHODS.quotaUsage),
    notificationSink: forward(() => registry.notificationSink(call), METHODS.notificationSink),
    webhooks: forward(() => registry.webhooks(call), METHODS.webhooks),
    imageCache: forward(() => registry.imageCache(call), METHODS.imageCache),
    metadefs: forward(() => registry.metadefs(call), METHODS.metadefs),
  };
}
