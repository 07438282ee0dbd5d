CREATE TABLE `status_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`capacity` integer NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `credentials` ADD `status_list_id` text REFERENCES status_lists(id);--> statement-breakpoint
ALTER TABLE `credentials` ADD `status_idx` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `credentials_status_entry` ON `credentials` (`status_list_id`,`status_idx`);