CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`owner` text,
	`expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`deleted_at` text,
	`input` text,
	`result` text,
	`message` text DEFAULT '' NOT NULL,
	`image_id` text,
	`request_id` text,
	`user_id` text
);
--> statement-breakpoint
CREATE INDEX `ix_tasks_live_created` ON `tasks` (`deleted`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ix_tasks_owner_created` ON `tasks` (`owner`,`deleted`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ix_tasks_image` ON `tasks` (`image_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `ix_tasks_status` ON `tasks` (`status`);--> statement-breakpoint
CREATE INDEX `ix_tasks_expires` ON `tasks` (`expires_at`);