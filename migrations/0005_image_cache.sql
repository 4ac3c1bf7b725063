-- The edge cache's bookkeeping for the cache management API (/v2/cache): one entry per image
-- (hits, sizes and times from real fills and hits; the generation that is part of the edge cache
-- key) and the locations that stored a copy. Times are milliseconds since the epoch.
CREATE TABLE `image_cache` (
	`image_id` text PRIMARY KEY NOT NULL,
	`generation` text NOT NULL,
	`size` integer,
	`hits` integer DEFAULT 0 NOT NULL,
	`last_accessed` integer,
	`last_modified` integer,
	`queued_at` integer
);
--> statement-breakpoint
CREATE INDEX `ix_image_cache_accessed` ON `image_cache` (`last_accessed`);--> statement-breakpoint
CREATE TABLE `image_cache_nodes` (
	`image_id` text NOT NULL,
	`node` text NOT NULL,
	`generation` text NOT NULL,
	`filled_at` integer NOT NULL,
	PRIMARY KEY(`image_id`, `node`)
);
