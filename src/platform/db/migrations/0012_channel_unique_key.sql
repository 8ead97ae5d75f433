ALTER TABLE "channels" ADD COLUMN "unique_key" text;--> statement-breakpoint
-- Email is the one type with a unique setting (its address): of two channels claiming one, the oldest keeps it, as mail found it.
UPDATE "channels" c SET "unique_key" = 'email:' || (c."settings" ->> 'address')
  WHERE c."type" = 'email' AND c."settings" ? 'address'
    AND NOT EXISTS (SELECT 1 FROM "channels" o WHERE o."type" = 'email' AND o."settings" ->> 'address' = c."settings" ->> 'address' AND (o."created_at", o."id") < (c."created_at", c."id"));--> statement-breakpoint
CREATE UNIQUE INDEX "channels_unique_key_idx" ON "channels" USING btree ("unique_key");
