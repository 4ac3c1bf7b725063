-- Typed properties that Glance's image schema lets be null (kernel_id, ramdisk_id) are kept as
-- NULL values, as Glance stores and shows them. SQLite cannot drop NOT NULL in place: the table is
-- rebuilt (no foreign key refers to it, so no foreign-key pragma is needed; D1 ignores it anyway).
CREATE TABLE `__new_image_properties` (
	`image_id` text NOT NULL,
	`name` text NOT NULL,
	`value` text
);
--> statement-breakpoint
INSERT INTO `__new_image_properties`("image_id", "name", "value") SELECT "image_id", "name", "value" FROM `image_properties`;--> statement-breakpoint
DROP TABLE `image_properties`;--> statement-breakpoint
ALTER TABLE `__new_image_properties` RENAME TO `image_properties`;--> statement-breakpoint
CREATE UNIQUE INDEX `ux_image_properties` ON `image_properties` (`image_id`,`name`);--> statement-breakpoint
CREATE INDEX `ix_image_properties_name_value` ON `image_properties` (`name`,`value`,`image_id`);
