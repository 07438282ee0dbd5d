CREATE TABLE `audit_checkpoints` (
	`tree_size` integer PRIMARY KEY NOT NULL,
	`root_hash` text NOT NULL,
	`frontier` text NOT NULL,
	`note` text NOT NULL,
	`key_id` text NOT NULL,
	`signed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_signing_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`public_key` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `audit_witness_receipts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tree_size` integer NOT NULL,
	`witness` text NOT NULL,
	`cosignature` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_witness_receipts_witness` ON `audit_witness_receipts` (`witness`,`received_at`);