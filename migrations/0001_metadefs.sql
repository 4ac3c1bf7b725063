CREATE TABLE `metadef_namespace_resource_types` (
	`resource_type_id` integer NOT NULL,
	`namespace_id` integer NOT NULL,
	`properties_target` text,
	`prefix` text,
	`created_at` text NOT NULL,
	`updated_at` text,
	PRIMARY KEY(`resource_type_id`, `namespace_id`),
	FOREIGN KEY (`resource_type_id`) REFERENCES `metadef_resource_types`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`namespace_id`) REFERENCES `metadef_namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ix_metadef_ns_res_types_namespace_id` ON `metadef_namespace_resource_types` (`namespace_id`);--> statement-breakpoint
CREATE TABLE `metadef_namespaces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`namespace` text NOT NULL,
	`display_name` text,
	`description` text,
	`visibility` text,
	`protected` integer,
	`owner` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_metadef_namespaces_namespace` ON `metadef_namespaces` (`namespace`);--> statement-breakpoint
CREATE INDEX `ix_metadef_namespaces_owner` ON `metadef_namespaces` (`owner`);--> statement-breakpoint
CREATE INDEX `ix_metadef_namespaces_created` ON `metadef_namespaces` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `metadef_objects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`namespace_id` integer NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`required` text,
	`json_schema` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`namespace_id`) REFERENCES `metadef_namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_metadef_objects_namespace_id_name` ON `metadef_objects` (`namespace_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_metadef_objects_name` ON `metadef_objects` (`name`);--> statement-breakpoint
CREATE TABLE `metadef_properties` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`namespace_id` integer NOT NULL,
	`name` text NOT NULL,
	`json_schema` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`namespace_id`) REFERENCES `metadef_namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_metadef_properties_namespace_id_name` ON `metadef_properties` (`namespace_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_metadef_properties_name` ON `metadef_properties` (`name`);--> statement-breakpoint
CREATE TABLE `metadef_resource_types` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`protected` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_metadef_resource_types_name` ON `metadef_resource_types` (`name`);--> statement-breakpoint
CREATE TABLE `metadef_tags` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`namespace_id` integer NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`namespace_id`) REFERENCES `metadef_namespaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_metadef_tags_namespace_id_name` ON `metadef_tags` (`namespace_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_metadef_tags_name` ON `metadef_tags` (`name`);