import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Mirrors glance/db/sqlalchemy/models.py Image. Rows are soft-deleted (deleted=1) and kept so an
// id is never reused (Glance answers 409 for the id of a deleted image).
export const images = sqliteTable(
  "images",
  {
    id: text().primaryKey(),
    name: text(),
    diskFormat: text(),
    containerFormat: text(),
    size: integer(),
    virtualSize: integer(),
    status: text().notNull(),
    visibility: text().notNull(),
    checksum: text(),
    osHashAlgo: text(),
    osHashValue: text(),
    minDisk: integer().notNull().default(0),
    minRam: integer().notNull().default(0),
    owner: text(),
    protected: integer({ mode: "boolean" }).notNull().default(false),
    osHidden: integer({ mode: "boolean" }).notNull().default(false),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
    deleted: integer({ mode: "boolean" }).notNull().default(false),
    deletedAt: text(),
    // Compare-and-swap guard for metadata writes: every save bumps it.
    version: integer().notNull().default(1),
  },
  (t) => [
    // Default listing order (created_at desc, id desc) served straight from an index.
    index("ix_images_live_created").on(t.deleted, t.createdAt, t.id),
    index("ix_images_owner_created").on(t.owner, t.deleted, t.createdAt, t.id),
    index("ix_images_visibility").on(t.visibility, t.deleted, t.createdAt),
    index("ix_images_status").on(t.status),
    index("ix_images_name").on(t.name),
    index("ix_images_checksum").on(t.checksum),
    index("ix_images_os_hash_value").on(t.osHashValue),
    index("ix_images_updated").on(t.updatedAt),
  ],
);

export const imageProperties = sqliteTable(
  "image_properties",
  {
    imageId: text().notNull(),
    name: text().notNull(),
    value: text(),
  },
  (t) => [
    uniqueIndex("ux_image_properties").on(t.imageId, t.name),
    index("ix_image_properties_name_value").on(t.name, t.value, t.imageId),
  ],
);

export const imageTags = sqliteTable(
  "image_tags",
  {
    imageId: text().notNull(),
    value: text().notNull(),
  },
  (t) => [uniqueIndex("ux_image_tags").on(t.imageId, t.value), index("ix_image_tags_value").on(t.value, t.imageId)],
);

export const imageMembers = sqliteTable(
  "image_members",
  {
    imageId: text().notNull(),
    member: text().notNull(),
    status: text().notNull().default("pending"),
    canShare: integer({ mode: "boolean" }).notNull().default(false),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
  },
  (t) => [uniqueIndex("ux_image_members").on(t.imageId, t.member), index("ix_image_members_member").on(t.member, t.status, t.imageId)],
);

// Where an image's bytes live: one row per (image, store). `key` is the R2 object key, unique
// per upload attempt so a late writer can never overwrite active data.
export const imageLocations = sqliteTable(
  "image_locations",
  {
    imageId: text().notNull(),
    store: text().notNull(),
    key: text().notNull(),
    status: text().notNull().default("active"),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
  },
  (t) => [uniqueIndex("ux_image_locations").on(t.imageId, t.store), index("ix_image_locations_status").on(t.status)],
);

// What the notification consumer received, when the sink is enabled (tests and local runs read it).
export const notificationSink = sqliteTable(
  "notification_sink",
  {
  seq: integer().primaryKey({ autoIncrement: true }),
  messageId: text().notNull(),
  eventType: text().notNull(),
  payload: text().notNull(),
    receivedAt: text().notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%SZ','now'))`),
  },
  (t) => [uniqueIndex("ux_notification_sink_message").on(t.messageId)],
);
