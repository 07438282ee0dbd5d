CREATE TABLE `door_checks` (
	`id` text PRIMARY KEY NOT NULL,
	`code_hash` text NOT NULL,
	`customer_hash` text,
	`state` text DEFAULT 'waiting' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`confirmed_at` integer,
	`credential_id` text,
	`officer_id` integer,
	FOREIGN KEY (`credential_id`) REFERENCES `credentials`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`officer_id`) REFERENCES `officers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `door_checks_code` ON `door_checks` (`code_hash`,`expires_at`);--> statement-breakpoint
CREATE TABLE `visit_passwords` (
	`customer_hash` text PRIMARY KEY NOT NULL,
	`word_sealed` text NOT NULL,
	`set_at` integer NOT NULL,
	`set_by` text NOT NULL
);
