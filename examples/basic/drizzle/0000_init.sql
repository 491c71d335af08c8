-- drizzle-partitions: partitioned DDL added
CREATE SCHEMA "analytics";
--> statement-breakpoint
CREATE TYPE "public"."region" AS ENUM('eu', 'us', 'apac');--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb,
	CONSTRAINT "events_id_created_at_pk" PRIMARY KEY("id","created_at")
) PARTITION BY RANGE ("created_at");
--> statement-breakpoint
CREATE TABLE "events_before_2026" PARTITION OF "events" FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_p20260101" PARTITION OF "events" FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_p20260201" PARTITION OF "events" FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;--> statement-breakpoint
CREATE TABLE "analytics"."metrics" (
	"tenant_id" integer NOT NULL,
	"day" date NOT NULL,
	"value" integer NOT NULL,
	CONSTRAINT "metrics_tenant_id_day_pk" PRIMARY KEY("tenant_id","day")
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE TABLE "analytics"."metrics_2026q1" PARTITION OF "analytics"."metrics" FOR VALUES FROM ('2026-01-01') TO ('2026-04-01') PARTITION BY HASH ("tenant_id");--> statement-breakpoint
CREATE TABLE "analytics"."metrics_2026q1_h2_0" PARTITION OF "analytics"."metrics_2026q1" FOR VALUES WITH (MODULUS 2, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "analytics"."metrics_2026q1_h2_1" PARTITION OF "analytics"."metrics_2026q1" FOR VALUES WITH (MODULUS 2, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "analytics"."metrics_default" PARTITION OF "analytics"."metrics" DEFAULT;--> statement-breakpoint
CREATE TABLE "sessions" (
	"user_id" bigint NOT NULL,
	"token" text NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "sessions_user_id_token_pk" PRIMARY KEY("user_id","token")
) PARTITION BY HASH ("user_id");
--> statement-breakpoint
CREATE TABLE "sessions_h4_0" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "sessions_h4_1" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "sessions_h4_2" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "sessions_h4_3" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 3);--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" integer NOT NULL,
	"region" "region" NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "tenants_id_region_pk" PRIMARY KEY("id","region")
) PARTITION BY LIST ("region");
--> statement-breakpoint
CREATE TABLE "tenants_eu" PARTITION OF "tenants" FOR VALUES IN ('eu');--> statement-breakpoint
CREATE TABLE "tenants_us" PARTITION OF "tenants" FOR VALUES IN ('us');--> statement-breakpoint
CREATE TABLE "tenants_default" PARTITION OF "tenants" DEFAULT;--> statement-breakpoint
CREATE INDEX "events_kind_idx" ON "events" USING btree ("kind");