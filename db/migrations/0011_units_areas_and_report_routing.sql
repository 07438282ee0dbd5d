CREATE TABLE `report_categories` (
	`report_id` integer NOT NULL,
	`category` text NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_categories_pair` ON `report_categories` (`report_id`,`category`);--> statement-breakpoint
CREATE INDEX `report_categories_category` ON `report_categories` (`category`,`report_id`);--> statement-breakpoint
CREATE TABLE `unit_areas` (
	`kelurahan` text NOT NULL,
	`kecamatan` text NOT NULL,
	`city` text NOT NULL,
	`kelurahan_key` text NOT NULL,
	`kecamatan_key` text NOT NULL,
	`unit_code` text NOT NULL,
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `unit_areas_place` ON `unit_areas` (`kecamatan_key`,`kelurahan_key`);--> statement-breakpoint
CREATE INDEX `unit_areas_kelurahan` ON `unit_areas` (`kelurahan_key`);--> statement-breakpoint
ALTER TABLE `reports` ADD `routed_unit_code` text;--> statement-breakpoint
CREATE INDEX `reports_routed_unit_time` ON `reports` (`routed_unit_code`,`created_at`);--> statement-breakpoint
ALTER TABLE `units` ADD `area_code` text;