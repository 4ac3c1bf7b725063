import { RpcTarget } from "cloudflare:workers";
import type { DeliveredNotification, NotificationSink } from "../domain/jobs";
import type { Db } from "./client";
import { notificationSink } from "./schema";

/** notification_sink: the consumer records delivered events (tests and operators read them back). */
export class D1NotificationSink extends RpcTarget implements NotificationSink {
  constructor(private readonly db: Db) {
    super();
  }

  async record(n: DeliveredNotification): Promise<void> {
    await this.db
      .insert(notificationSink)
      .values({ messageId: n.messageId, eventType: n.eventType, payload: JSON.stringify(n.body) })
      .onConflictDoNothing();
  }
}
