CREATE TABLE `image_locations` (
	`image_id` text NOT NULL,
	`store` text NOT NULL,
	`key` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ux_image_locations` ON `image_locations` (`image_id`,`store`);--> statement-breakpoint
CREATE INDEX `ix_image_locations_status` ON `image_locations` (`status`);--> statement-breakpoint
CREATE TABLE `image_members` (
	`image_id` text NOT NULL,
	`member` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`can_share` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ux_image_members` ON `image_members` (`image_id`,`member`);--> statement-breakpoint
CREATE INDEX `ix_image_members_member` ON `image_members` (`member`,`status`,`image_id`);--> statement-breakpoint
CREATE TABLE `image_properties` (
	`image_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ux_image_properties` ON `image_properties` (`image_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_image_properties_name_value` ON `image_properties` (`name`,`value`,`image_id`);--> statement-breakpoint
CREATE TABLE `image_tags` (
	`image_id` text NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ux_image_tags` ON `image_tags` (`image_id`,`value`);--> statement-breakpoint
CREATE INDEX `ix_image_tags_value` ON `image_tags` (`value`,`image_id`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`disk_format` text,
	`container_format` text,
	`size` integer,
	`virtual_size` integer,
	`status` text NOT NULL,
	`visibility` text NOT NULL,
	`checksum` text,
	`os_hash_algo` text,
	`os_hash_value` text,
	`min_disk` integer DEFAULT 0 NOT NULL,
	`min_ram` integer DEFAULT 0 NOT NULL,
	`owner` text,
	`protected` integer DEFAULT false NOT NULL,
	`os_hidden` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`deleted_at` text,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ix_images_live_created` ON `images` (`deleted`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ix_images_owner_created` ON `images` (`owner`,`deleted`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ix_images_visibility` ON `images` (`visibility`,`deleted`,`created_at`);--> statement-breakpoint
CREATE INDEX `ix_images_status` ON `images` (`status`);--> statement-breakpoint
CREATE INDEX `ix_images_name` ON `images` (`name`);--> statement-breakpoint
CREATE INDEX `ix_images_checksum` ON `images` (`checksum`);--> statement-breakpoint
CREATE INDEX `ix_images_os_hash_value` ON `images` (`os_hash_value`);--> statement-breakpoint
CREATE INDEX `ix_images_updated` ON `images` (`updated_at`);--> statement-breakpoint
CREATE TABLE `notification_sink` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ux_notification_sink_message` ON `notification_sink` (`message_id`);