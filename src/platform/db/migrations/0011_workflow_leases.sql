ALTER TABLE "workflow_runs" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD COLUMN "begun_seq" integer DEFAULT -1 NOT NULL;--> statement-breakpoint
-- What the step log knew moves to the run: a step begun and never recorded stays begun.
UPDATE "workflow_runs" r SET "begun_seq" = l."seq" FROM (SELECT "run_id", max("seq") AS "seq" FROM "workflow_step_log" GROUP BY "run_id") l WHERE r."id" = l."run_id";--> statement-breakpoint
DROP TABLE "workflow_step_log" CASCADE;--> statement-breakpoint
-- Runs no longer advance through jobs: the poller claims them from their rows.
DELETE FROM "jobs" WHERE "type" = 'workflow.run' AND "status" IN ('queued', 'running');--> statement-breakpoint
CREATE INDEX "workflow_runs_due_idx" ON "workflow_runs" USING btree ("wait_until") WHERE status = 'waiting';--> statement-breakpoint
CREATE INDEX "workflow_runs_lease_idx" ON "workflow_runs" USING btree ("lease_until") WHERE status = 'running';
