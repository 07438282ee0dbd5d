CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	`revoked_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `inbound_events` (
	`webhook_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`ticket` text,
	`outcome` text NOT NULL,
	`http_status` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `report_events` ADD `actor` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `channel` text DEFAULT 'web' NOT NULL;--> statement-breakpoint
ALTER TABLE `reports` ADD `filed_by` text;--> statement-breakpoint
CREATE INDEX `audit_log_actor_action` ON `audit_log` (`actor`,`action`,`at`);