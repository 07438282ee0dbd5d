CREATE TABLE `outbox_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`webhook_id` text NOT NULL,
	`subject` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer DEFAULT 0 NOT NULL,
	`claim_token` text,
	`first_attempt_at` integer,
	`last_attempt_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	`dead_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_webhook_id` ON `outbox_deliveries` (`webhook_id`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox_deliveries` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_subject` ON `outbox_deliveries` (`subject`,`state`,`id`);--> statement-breakpoint
CREATE TABLE `report_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text,
	`visible_to_reporter` integer DEFAULT true NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `report_events_report` ON `report_events` (`report_id`,`at`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket` text NOT NULL,
	`tracking_key_hash` text NOT NULL,
	`tracking_key_sealed` text NOT NULL,
	`fold_key` text NOT NULL,
	`client_hash` text,
	`subject_kind` text,
	`subject_hash` text,
	`short_code` text,
	`verdict` text,
	`credential_id` text,
	`officer_employee_no` text,
	`unverified_claims` text,
	`category` text,
	`note` text,
	`phone` text,
	`location` text,
	`latitude` real,
	`longitude` real,
	`status` text DEFAULT 'new' NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reports_ticket` ON `reports` (`ticket`);--> statement-breakpoint
CREATE INDEX `reports_fold` ON `reports` (`fold_key`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_time` ON `reports` (`created_at`);