-- Webhook subscriptions (README "Webhooks") and their delivery logs (the newest 50 attempts per
-- subscription). Written by hand to match src/db/schema/webhooks.ts.
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`target_url` text NOT NULL,
	`events` text NOT NULL,
	`secret` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`failure_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ix_webhooks_owner_created` ON `webhooks` (`owner`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `ix_webhooks_created` ON `webhooks` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`redelivery_of` text,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`attempt` integer NOT NULL,
	`outcome` text NOT NULL,
	`status_code` integer,
	`latency_ms` integer,
	`error` text,
	`body` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ix_webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ix_webhook_deliveries_delivery` ON `webhook_deliveries` (`webhook_id`,`delivery_id`,`seq`);
