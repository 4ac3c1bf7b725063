import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Mirrors glance/db/sqlalchemy/models.py Task + TaskInfo, folded into one table (Glance splits
// input/result/message out only for historical reasons). Timestamps are ISO-8601 UTC strings with
// milliseconds ("2026-01-02T03:04:05.678Z"), so text order is time order. `input` and `result`
// are JSON text. A task whose expires_at has passed is treated as deleted by every read.
export const tasks = sqliteTable(
  "tasks",
  {
    id: text().primaryKey(),
    type: text().notNull(),
    status: text().notNull(),
    owner: text(),
    expiresAt: text(),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
    deleted: integer({ mode: "boolean" }).notNull().default(false),
    deletedAt: text(),
    input: text(),
    result: text(),
    message: text().notNull().default(""),
    imageId: text(),
    requestId: text(),
    userId: text(),
  },
  (t) => [
    // GET /v2/tasks default order (created_at desc, id desc), all owners (admin) or one owner.
    index("ix_tasks_live_created").on(t.deleted, t.createdAt, t.id),
    index("ix_tasks_owner_created").on(t.owner, t.deleted, t.createdAt, t.id),
    // GET /v2/images/{id}/tasks and the import lock's "is the owning task alive" check.
    index("ix_tasks_image").on(t.imageId, t.createdAt),
    index("ix_tasks_status").on(t.status),
    index("ix_tasks_expires").on(t.expiresAt),
  ],
);
