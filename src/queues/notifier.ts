import type { Notifier } from "../domain/ports";
import type { NotificationMessage } from "./messages";

/**
 * Notifier port over the events Queue. Sends run in waitUntil after the D1 write succeeded:
 * best-effort, the same guarantee oslo.messaging gives Glance (a lost send is logged, not retried).
 */
export class QueueNotifier implements Notifier {
  constructor(
    private readonly queue: Queue,
    private readonly waitUntil: (p: Promise<unknown>) => void,
    private readonly publisherId: string,
    private readonly requestId: string | null,
  ) {}

  publish(eventType: string, payload: unknown, priority: "INFO" | "ERROR" | "WARN" = "INFO"): void {
    const msg: NotificationMessage = {
      type: "notification",
      message_id: crypto.randomUUID(),
      event_type: eventType,
      priority,
      publisher_id: this.publisherId,
      timestamp: new Date().toISOString().replace("T", " ").replace("Z", ""),
      request_id: this.requestId,
      payload,
    };
    this.waitUntil(
      this.queue.send(msg, { contentType: "json" }).catch((e) => console.error(`notification ${eventType} not sent: ${String(e)}`)),
    );
  }
}
