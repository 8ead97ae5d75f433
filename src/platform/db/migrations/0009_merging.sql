CREATE TABLE "duplicate_values" (
	"workspace_id" uuid NOT NULL,
	"field" text NOT NULL,
	"value" text NOT NULL,
	"contacts" integer NOT NULL,
	CONSTRAINT "duplicate_values_workspace_id_field_value_pk" PRIMARY KEY("workspace_id","field","value")
);
--> statement-breakpoint
CREATE TABLE "merge_dismissals" (
	"workspace_id" uuid NOT NULL,
	"contact_a" uuid NOT NULL,
	"contact_b" uuid NOT NULL,
	"values" text[] NOT NULL,
	"dismissed_by" uuid,
	"dismissed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "merge_dismissals_workspace_id_contact_a_contact_b_pk" PRIMARY KEY("workspace_id","contact_a","contact_b")
);
--> statement-breakpoint
CREATE TABLE "merge_messages" (
	"merge_id" uuid PRIMARY KEY NOT NULL,
	"message_ids" uuid[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merge_snapshots" (
	"merge_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"holder_id" uuid NOT NULL,
	"snapshot" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"primary_id" uuid NOT NULL,
	"secondary_id" uuid NOT NULL,
	"fields" jsonb NOT NULL,
	"merged_by" uuid,
	"merged_at" timestamp with time zone NOT NULL,
	"undone_by" uuid,
	"undone_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "merge_dismissals" ADD CONSTRAINT "merge_dismissals_contact_a_contacts_id_fk" FOREIGN KEY ("contact_a") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_dismissals" ADD CONSTRAINT "merge_dismissals_contact_b_contacts_id_fk" FOREIGN KEY ("contact_b") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_dismissals" ADD CONSTRAINT "merge_dismissals_dismissed_by_users_id_fk" FOREIGN KEY ("dismissed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_messages" ADD CONSTRAINT "merge_messages_merge_id_merge_snapshots_merge_id_fk" FOREIGN KEY ("merge_id") REFERENCES "public"."merge_snapshots"("merge_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_snapshots" ADD CONSTRAINT "merge_snapshots_merge_id_merges_id_fk" FOREIGN KEY ("merge_id") REFERENCES "public"."merges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_snapshots" ADD CONSTRAINT "merge_snapshots_holder_id_contacts_id_fk" FOREIGN KEY ("holder_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merges" ADD CONSTRAINT "merges_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merges" ADD CONSTRAINT "merges_merged_by_users_id_fk" FOREIGN KEY ("merged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merges" ADD CONSTRAINT "merges_undone_by_users_id_fk" FOREIGN KEY ("undone_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "duplicate_values_groups_idx" ON "duplicate_values" USING btree ("workspace_id","contacts" DESC NULLS LAST,"field","value") WHERE contacts > 1;--> statement-breakpoint
CREATE INDEX "duplicate_values_unused_idx" ON "duplicate_values" USING btree ("workspace_id") WHERE contacts <= 0;--> statement-breakpoint
CREATE INDEX "merge_dismissals_b_idx" ON "merge_dismissals" USING btree ("workspace_id","contact_b");--> statement-breakpoint
CREATE INDEX "merge_dismissals_a_fk_idx" ON "merge_dismissals" USING btree ("contact_a");--> statement-breakpoint
CREATE INDEX "merge_dismissals_b_fk_idx" ON "merge_dismissals" USING btree ("contact_b");--> statement-breakpoint
CREATE INDEX "merge_snapshots_holder_idx" ON "merge_snapshots" USING btree ("holder_id");--> statement-breakpoint
CREATE INDEX "merges_workspace_idx" ON "merges" USING btree ("workspace_id","merged_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "merges_primary_idx" ON "merges" USING btree ("workspace_id","primary_id");--> statement-breakpoint
CREATE INDEX "merges_secondary_idx" ON "merges" USING btree ("workspace_id","secondary_id");--> statement-breakpoint
-- Hand-written: duplicate_values follows contacts in the writing statement's transaction. Counts
-- change by deltas (insert … on conflict, in key order so concurrent writers lock alike), which
-- concurrent writers cannot lose. Inserts and deletes are counted per statement (an import batch
-- is one upsert); updates per row, and only those that change a phone, an email or whether the
-- contact is blocked. Each is that one upsert: rows down to zero are deleted by a recurring sweep
-- (a delete joined to the transition table here was planned as a nested loop over it once the
-- just-zeroed rows outnumbered what the statistics said: quadratic, minutes for 60k contacts).
CREATE FUNCTION duplicate_values_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duplicate_values AS d (workspace_id, field, value, contacts)
  SELECT v.workspace_id, v.field, v.value, count(*)::int FROM (
    SELECT workspace_id, 'phone'::text AS field, phone AS value FROM inserted WHERE phone IS NOT NULL AND blocked_at IS NULL
    UNION ALL
    SELECT workspace_id, 'email'::text, email FROM inserted WHERE email IS NOT NULL AND blocked_at IS NULL
  ) v
  GROUP BY v.workspace_id, v.field, v.value
  ORDER BY v.workspace_id, v.field, v.value
  ON CONFLICT (workspace_id, field, value) DO UPDATE SET contacts = d.contacts + excluded.contacts;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION duplicate_values_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duplicate_values AS d (workspace_id, field, value, contacts)
  SELECT v.workspace_id, v.field, v.value, -count(*)::int FROM (
    SELECT workspace_id, 'phone'::text AS field, phone AS value FROM deleted WHERE phone IS NOT NULL AND blocked_at IS NULL
    UNION ALL
    SELECT workspace_id, 'email'::text, email FROM deleted WHERE email IS NOT NULL AND blocked_at IS NULL
  ) v
  GROUP BY v.workspace_id, v.field, v.value
  ORDER BY v.workspace_id, v.field, v.value
  ON CONFLICT (workspace_id, field, value) DO UPDATE SET contacts = d.contacts + excluded.contacts;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION duplicate_values_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO duplicate_values AS d (workspace_id, field, value, contacts)
  SELECT v.workspace_id, v.field, v.value, sum(v.delta)::int FROM (
    SELECT OLD.workspace_id AS workspace_id, 'phone'::text AS field, OLD.phone AS value, -1 AS delta WHERE OLD.phone IS NOT NULL AND OLD.blocked_at IS NULL
    UNION ALL SELECT OLD.workspace_id, 'email'::text, OLD.email, -1 WHERE OLD.email IS NOT NULL AND OLD.blocked_at IS NULL
    UNION ALL SELECT NEW.workspace_id, 'phone'::text, NEW.phone, 1 WHERE NEW.phone IS NOT NULL AND NEW.blocked_at IS NULL
    UNION ALL SELECT NEW.workspace_id, 'email'::text, NEW.email, 1 WHERE NEW.email IS NOT NULL AND NEW.blocked_at IS NULL
  ) v
  GROUP BY v.workspace_id, v.field, v.value
  HAVING sum(v.delta) <> 0
  ORDER BY v.workspace_id, v.field, v.value
  ON CONFLICT (workspace_id, field, value) DO UPDATE SET contacts = d.contacts + excluded.contacts;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER contacts_duplicate_values_insert AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION duplicate_values_after_insert();
--> statement-breakpoint
CREATE TRIGGER contacts_duplicate_values_delete AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION duplicate_values_after_delete();
--> statement-breakpoint
CREATE TRIGGER contacts_duplicate_values_update AFTER UPDATE OF phone, email, blocked_at ON contacts FOR EACH ROW
  WHEN (OLD.phone IS DISTINCT FROM NEW.phone OR OLD.email IS DISTINCT FROM NEW.email OR (OLD.blocked_at IS NULL) <> (NEW.blocked_at IS NULL))
  EXECUTE FUNCTION duplicate_values_after_update();
--> statement-breakpoint
INSERT INTO duplicate_values (workspace_id, field, value, contacts)
SELECT workspace_id, 'phone', phone, count(*)::int FROM contacts WHERE phone IS NOT NULL AND blocked_at IS NULL GROUP BY workspace_id, phone
UNION ALL
SELECT workspace_id, 'email', email, count(*)::int FROM contacts WHERE email IS NOT NULL AND blocked_at IS NULL GROUP BY workspace_id, email;
