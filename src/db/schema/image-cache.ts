import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The edge cache's bookkeeping (the cache management API, /v2/cache; glance's cached_images table
// of the centralized_db driver, with node_reference as image_cache_nodes). Times are milliseconds
// since the epoch. `generation` is part of the edge cache key: removing the entry retires it.
export const imageCache = sqliteTable(
  "image_cache",
  {
    imageId: text().primaryKey(),
    generation: text().notNull(),
    // bytes of the cached copy; null while only queued for a prefetch
    size: integer(),
    hits: integer().notNull().default(0),
    lastAccessed: integer(),
    lastModified: integer(),
    queuedAt: integer(),
  },
  (t) => [index("ix_image_cache_accessed").on(t.lastAccessed)],
);

// The locations (edge data centres, or "queue" for prefetches) that stored a copy of a generation.
export const imageCacheNodes = sqliteTable(
  "image_cache_nodes",
  {
    imageId: text().notNull(),
    node: text().notNull(),
    generation: text().notNull(),
    filledAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.imageId, t.node] })],
);
