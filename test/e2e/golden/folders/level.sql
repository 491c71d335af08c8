ALTER TABLE "events" ADD COLUMN "level" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "events_level_idx" ON "events" ("level");