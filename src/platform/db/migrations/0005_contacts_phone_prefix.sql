DROP INDEX "contacts_workspace_phone_idx";--> statement-breakpoint
CREATE INDEX "contacts_workspace_phone_idx" ON "contacts" USING btree ("workspace_id","phone" text_pattern_ops);