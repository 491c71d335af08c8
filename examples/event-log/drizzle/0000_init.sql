-- drizzle-partitions: partitioned DDL added
CREATE TABLE "events" (
	"id" bigserial NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb,
	CONSTRAINT "events_id_created_at_pk" PRIMARY KEY("id","created_at")
) PARTITION BY RANGE ("created_at");
--> statement-breakpoint
CREATE TABLE "events_archive" PARTITION OF "events" FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;--> statement-breakpoint
CREATE INDEX "events_kind_idx" ON "events" USING btree ("kind");