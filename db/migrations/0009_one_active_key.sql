ALTER TABLE `credentials` ADD `printed_token_sealed` text;--> statement-breakpoint
CREATE UNIQUE INDEX `signing_keys_one_active` ON `signing_keys` (`state`) WHERE state = 'active';