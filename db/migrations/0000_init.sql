CREATE TABLE `credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`officer_id` integer NOT NULL,
	`short_code` text NOT NULL,
	`kid` text NOT NULL,
	`purpose` text,
	`ktp_policy` text,
	`customer_hash` text,
	`customer_last4` text,
	`work_order` text,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`issued_by` text NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text,
	FOREIGN KEY (`officer_id`) REFERENCES `officers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credentials_short_code` ON `credentials` (`short_code`);--> statement-breakpoint
CREATE INDEX `credentials_officer_window` ON `credentials` (`officer_id`,`window_end`);--> statement-breakpoint
CREATE INDEX `credentials_customer` ON `credentials` (`customer_hash`);--> statement-breakpoint
CREATE TABLE `declared_campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`purpose` text NOT NULL,
	`name` text NOT NULL,
	`unit_code` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `officer_photos` (
	`id` text PRIMARY KEY NOT NULL,
	`officer_id` integer NOT NULL,
	`content_type` text NOT NULL,
	`bytes` blob NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`officer_id`) REFERENCES `officers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `officers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`employee_no` text NOT NULL,
	`name` text NOT NULL,
	`role_title` text NOT NULL,
	`employer` text DEFAULT 'PLN' NOT NULL,
	`unit_code` text,
	`photo_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`status_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`unit_code`) REFERENCES `units`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `officers_employee_no` ON `officers` (`employee_no`);--> statement-breakpoint
CREATE TABLE `scan_places` (
	`credential_id` text NOT NULL,
	`client_hash` text NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`credential_id`, `client_hash`)
);
--> statement-breakpoint
CREATE TABLE `scans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`credential_id` text,
	`verdict` text NOT NULL,
	`via` text NOT NULL,
	`client_hash` text,
	`scanned_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scans_credential_time` ON `scans` (`credential_id`,`scanned_at`);--> statement-breakpoint
CREATE INDEX `scans_time` ON `scans` (`scanned_at`);--> statement-breakpoint
CREATE TABLE `signing_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`public_jwk` text NOT NULL,
	`encrypted_private_jwk` text NOT NULL,
	`created_at` integer NOT NULL,
	`state_changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `units` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`level` text NOT NULL,
	`parent_code` text,
	`time_zone` text DEFAULT 'Asia/Jakarta' NOT NULL
);
