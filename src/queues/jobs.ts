import type { ImportJob } from "../domain/imports/ports";
import type { JobQueue } from "../domain/jobs";
import type { CacheImageMessage, ImportMessage, ScrubMessage, VerifyUploadMessage } from "./messages";

/** JobQueue port over the events Queue: one typed message per job (src/queues/messages.ts). */
export class QueueJobs implements JobQueue {
  constructor(private readonly queue: Queue) {}

  async scrub(imageId: string, delaySeconds: number): Promise<void> {
    const msg: ScrubMessage = { type: "scrub_image", image_id: imageId };
    await this.queue.send(msg, { contentType: "json", delaySeconds });
  }

  async verifyUpload(imageId: string, sessionId: string): Promise<void> {
    const msg: VerifyUploadMessage = { type: "verify_upload", image_id: imageId, session_id: sessionId };
    await this.queue.send(msg, { contentType: "json" });
  }

  async importImage(job: ImportJob): Promise<void> {
    const msg: ImportMessage = { type: "image_import", task_id: job.taskId, image_id: job.imageId, auth_token: job.authToken, request_id: job.requestId, roles: job.roles };
    await this.queue.send(msg, { contentType: "json" });
  }

  async cacheImage(imageId: string): Promise<void> {
    const msg: CacheImageMessage = { type: "cache_image", image_id: imageId };
    await this.queue.send(msg, { contentType: "json" });
  }
}
