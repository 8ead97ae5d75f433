ALTER TABLE "conversations" ADD COLUMN "last_channel_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "notification_settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_last_channel_id_channels_id_fk" FOREIGN KEY ("last_channel_id") REFERENCES "public"."channels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Conversations kept before: the channel of the contact's newest message.
UPDATE "conversations" c SET "last_channel_id" = (
  SELECT m."channel_id" FROM "messages" m
  WHERE m."workspace_id" = c."workspace_id" AND m."conversation_id" = c."id" AND m."direction" = 'in' AND m."channel_id" IS NOT NULL
  ORDER BY m."created_at" DESC LIMIT 1
);--> statement-breakpoint
-- A one-word search also matches the start of an email's domain (contact-search.sql.ts); drizzle cannot express this index.
CREATE INDEX "contacts_workspace_email_domain_idx" ON "contacts" USING btree ("workspace_id", split_part("email", '@', 2) text_pattern_ops);
