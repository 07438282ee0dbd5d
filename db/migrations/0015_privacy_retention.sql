ALTER TABLE `outbox_deliveries` ADD `payload_purged_at` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `closed_at` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `restricted_at` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `details_erased_at` integer;