// Glance's notification vocabulary (glance/notifier.py): event names, payloads, and the
// `disabled_notifications` filter (an exact event type, or its group such as "image").
import type { Image } from "./images/image";
import type { Services } from "./services";

export type ImageEvent =
  | "image.create"
  | "image.update"
  | "image.delete"
  | "image.prepare"
  | "image.upload"
  | "image.activate"
  | "image.send";

export function isNotificationEnabled(eventType: string, disabled: readonly string[]): boolean {
  if (disabled.length === 0) return true;
  const group = eventType.split(".")[0];
  return !disabled.includes(eventType) && !disabled.includes(group);
}

/** glance/notifier.py format_image_notification: no locations (they may carry credentials). */
export function imagePayload(image: Image) {
  const properties: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(image.properties)) properties[k] = v;
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
    min_disk: image.minDisk,
    min_ram: image.minRam,
    protected: image.protected,
    checksum: image.checksum,
    owner: image.owner,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    size: image.size,
    virtual_size: image.virtualSize,
    is_public: image.visibility === "public",
    visibility: image.visibility,
    properties,
    tags: [...image.tags],
    deleted: image.deleted,
    deleted_at: image.deletedAt,
  };
}

/** Publish after the write succeeded; best-effort like oslo.messaging. */
export function notify(services: Pick<Services, "settings" | "notifier">, eventType: string, payload: unknown, priority: "INFO" | "ERROR" | "WARN" = "INFO"): void {
  if (!isNotificationEnabled(eventType, services.settings.disabledNotifications)) return;
  services.notifier.publish(eventType, payload, priority);
}

export const notifyImage = (services: Pick<Services, "settings" | "notifier">, eventType: ImageEvent, image: Image) =>
  notify(services, eventType, imagePayload(image));
