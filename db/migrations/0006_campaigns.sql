CREATE TABLE `campaign_exclusions` (
	`report_id` integer PRIMARY KEY NOT NULL,
	`actor` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `campaign_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer NOT NULL,
	`other_report_id` integer NOT NULL,
	`actor` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`other_report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaign_links_report` ON `campaign_links` (`report_id`);--> statement-breakpoint
CREATE INDEX `campaign_links_other` ON `campaign_links` (`other_report_id`);--> statement-breakpoint
CREATE INDEX `reports_status_time` ON `reports` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_verdict_time` ON `reports` (`verdict`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_category_time` ON `reports` (`category`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_officer_time` ON `reports` (`officer_employee_no`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_claimed_unit` ON `reports` ("unverified_claims" ->> '$.unt');--> statement-breakpoint
CREATE INDEX `scans_time_verdict` ON `scans` (`scanned_at`,`verdict`);