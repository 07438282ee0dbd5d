DROP INDEX `reports_claimed_unit`;--> statement-breakpoint
CREATE INDEX `reports_claimed_unit` ON `reports` ("unverified_claims" ->> 'unt');