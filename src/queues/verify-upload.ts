import { settingsFor } from "../config";
import { verifyUploadSession } from "../domain/images/upload-sessions";
import { DurableObjectSessions } from "../durable-objects/session-coordinator";
import { R2ObjectStores } from "../store";
import type { VerifyUploadMessage } from "./messages";
import { QueueNotifier } from "./notifier";

/**
 * The checksum job of an upload session (verify_upload): hashes the assembled object and settles
 * the session. A failure throws, so the consumer retries the message; the image's alarm queues
 * it again if it is lost.
 */
export async function handleVerifyUpload(env: Env, body: VerifyUploadMessage): Promise<void> {
  const settings = settingsFor(env);
  const sends: Promise<unknown>[] = [];
  const notifier = new QueueNotifier(env.EVENTS, (p) => sends.push(p), settings.publisherId, null);
  const started = Date.now();
  const bytes = await verifyUploadSession(
    { settings, notifier, stores: new R2ObjectStores(settings, env), uploadSessions: new DurableObjectSessions(env.IMAGE_DO) },
    body.image_id,
    body.session_id,
  );
  await Promise.all(sends);
  if (bytes !== null) {
    const secs = (Date.now() - started) / 1000;
    console.log(`image ${body.image_id}: hashed ${bytes} bytes of upload session ${body.session_id} in ${secs.toFixed(1)} s (${(bytes / 1048576 / Math.max(secs, 0.001)).toFixed(1)} MiB/s)`);
  }
}
