// Background work the domain hands to the queue (adapter: src/queues/jobs.ts), and the
// notification sink the consumer may record events in (adapter: src/db/notification-sink-repo.ts).
import type { ImportJob } from "./imports/ports";

export interface JobQueue {
  /** Remove the data of a deleted image, after `delaySeconds` (delayed_delete's scrubber). */
  scrub(imageId: string, delaySeconds: number): Promise<void>;
  /** Hash the object an upload session assembled, then settle the session. */
  verifyUpload(imageId: string, sessionId: string): Promise<void>;
  /** Run a queued interoperable import. */
  importImage(job: ImportJob): Promise<void>;
  /** Prefetch an image's data into the edge cache (PUT /v2/cache/{id}). */
  cacheImage(imageId: string): Promise<void>;
}

/** A delivered notification, as the queue carries it. */
export interface DeliveredNotification {
  messageId: string;
  eventType: string;
  /** The whole message (JSON). */
  body: unknown;
}

export interface NotificationSink {
  /** Records the event once (a redelivered message is a no-op). */
  record(n: DeliveredNotification): Promise<void>;
}
