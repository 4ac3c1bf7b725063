import type { Services } from "../services";
import { type NotificationEvent, type WebhookJob, matchesEvents } from "./webhook";

// Which subscriptions a notification goes to: the enabled ones of the project that owns the
// resource the event is about, whose filter matches. Other projects' subscriptions never see it
// (not even a member project of a shared image), and admin subscriptions are no exception: an
// admin's subscription sees the resources of the admin's project.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const field = (payload: unknown, key: string): unknown =>
  typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>)[key] : undefined;
const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

async function imageOwner(services: Services, imageId: unknown): Promise<string | null> {
  const id = text(imageId);
  return id ? ((await services.images.get(id))?.owner ?? null) : null;
}

/** The project owning the event's resource, or null (then nobody is told). */
export async function eventOwner(services: Services, eventType: string, payload: unknown): Promise<string | null> {
  if (eventType.startsWith("image.member.")) return imageOwner(services, field(payload, "image_id"));
  if (eventType === "image.send") return text(field(payload, "owner_id"));
  if (eventType.startsWith("image.")) {
    // A failed upload's payload is a sentence naming the image.
    if (typeof payload === "string") return imageOwner(services, UUID.exec(payload)?.[0]);
    return text(field(payload, "owner"));
  }
  if (eventType.startsWith("task.") || eventType.startsWith("metadef_namespace.")) return text(field(payload, "owner"));
  if (eventType.startsWith("metadef_")) {
    const ns = text(field(payload, "namespace"));
    return ns ? ((await services.metadefs.getNamespace(ns))?.owner ?? null) : null;
  }
  return null;
}

/**
 * Called by the queue consumer for each notification it takes: one webhook_delivery message per
 * matching subscription, all carrying the notification as it was published. Returns how many.
 */
export async function fanOutWebhooks(services: Services, n: NotificationEvent): Promise<number> {
  const owner = await eventOwner(services, n.event_type, n.payload);
  if (owner === null) return 0;
  const hooks = (await services.webhooks.listEnabled(owner)).filter((h) => matchesEvents(h.events, n.event_type));
  if (hooks.length === 0) return 0;
  const event: NotificationEvent = {
    message_id: n.message_id,
    publisher_id: n.publisher_id,
    event_type: n.event_type,
    priority: n.priority,
    payload: n.payload,
    timestamp: n.timestamp,
    request_id: n.request_id,
  };
  const jobs: WebhookJob[] = hooks.map((h) => ({ webhookId: h.id, deliveryId: services.newId(), redeliveryOf: null, event }));
  await services.webhookDispatch.enqueue(jobs);
  return jobs.length;
}
