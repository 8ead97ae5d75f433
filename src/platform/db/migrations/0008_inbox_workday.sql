CREATE TABLE "invitations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "last_channel_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "notification_settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_token_key" ON "invitations" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "invitations_workspace_idx" ON "invitations" USING btree ("workspace_id","email");--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_last_channel_id_channels_id_fk" FOREIGN KEY ("last_channel_id") REFERENCES "public"."channels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_open_assignee_idx" ON "conversations" USING btree ("workspace_id","assignee_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "conversations_open_team_idx" ON "conversations" USING btree ("workspace_id","team_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "conversations_workspace_closed_idx" ON "conversations" USING btree ("workspace_id","closed_at") WHERE closed_at is not null;--> statement-breakpoint
-- Conversations kept before: the channel of the contact's newest message.
UPDATE "conversations" c SET "last_channel_id" = (
  SELECT m."channel_id" FROM "messages" m
  WHERE m."workspace_id" = c."workspace_id" AND m."conversation_id" = c."id" AND m."direction" = 'in' AND m."channel_id" IS NOT NULL
  ORDER BY m."created_at" DESC LIMIT 1
);--> statement-breakpoint
-- A one-word search also matches the start of an email's domain (contact-search.sql.ts); drizzle cannot express this index.
CREATE INDEX "contacts_workspace_email_domain_idx" ON "contacts" USING btree ("workspace_id", split_part("email", '@', 2) text_pattern_ops);
--> statement-breakpoint
-- Conversations kept before: opened when made, closed (if closed) when last changed.
UPDATE "conversations" SET "opened_at" = "created_at", "closed_at" = CASE WHEN "status" = 'closed' THEN "updated_at" END;--> statement-breakpoint
-- The dashboard counts messages of a period from this index alone (INCLUDE: drizzle cannot express it).
CREATE INDEX "messages_workspace_created_idx" ON "messages" USING btree ("workspace_id", "created_at") INCLUDE ("channel_id", "direction", "type", "hidden");
