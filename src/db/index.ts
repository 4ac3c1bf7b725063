// Every D1 repository over one database: what the API Worker uses in direct mode and what the
// registry Worker (src/registry/) serves over RPC. The classes extend RpcTarget so that the
// registry can hand them to its callers as typed RPC stubs; used directly they are plain objects.
import type { DataRepositories } from "../domain/services";
import { createDb } from "./client";
import { D1ImageCacheRepository } from "./image-cache-repo";
import { D1ImageStateRepository } from "./image-state-repo";
import { D1ImageRepository } from "./images-repo";
import { D1MemberRepository } from "./members-repo";
import { D1MetadefRepository } from "./metadefs";
import { D1NotificationSink } from "./notification-sink-repo";
import { D1TaskRepository } from "./tasks-repo";
import { D1QuotaUsageRepository } from "./usage-repo";
import { D1WebhookRepository } from "./webhooks-repo";

export function d1Repositories(d1: D1Database): DataRepositories {
  const db = createDb(d1);
  return {
    images: new D1ImageRepository(db),
    imageState: new D1ImageStateRepository(db),
    metadefs: new D1MetadefRepository(db),
    members: new D1MemberRepository(db),
    tasks: new D1TaskRepository(db),
    quotaUsage: new D1QuotaUsageRepository(db),
    notificationSink: new D1NotificationSink(db),
    webhooks: new D1WebhookRepository(db),
    imageCache: new D1ImageCacheRepository(db),
  };
}
