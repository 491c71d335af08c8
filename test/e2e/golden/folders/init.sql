-- drizzle-partitions: partitioned DDL added
CREATE SCHEMA "app";
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint,
	"createdAt" timestamp with time zone,
	"userId" integer,
	"kind" text NOT NULL,
	CONSTRAINT "events_pkey" PRIMARY KEY("id","createdAt")
) PARTITION BY RANGE ("createdAt");
--> statement-breakpoint
CREATE TABLE "events_old" PARTITION OF "events" FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_p20260101" PARTITION OF "events" FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_p20260201" PARTITION OF "events" FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00');--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;--> statement-breakpoint
CREATE TABLE "metrics" (
	"tenant_id" integer,
	"day" date,
	"value" integer,
	CONSTRAINT "metrics_pkey" PRIMARY KEY("tenant_id","day")
) PARTITION BY RANGE ("day");
--> statement-breakpoint
CREATE TABLE "metrics_q1" PARTITION OF "metrics" FOR VALUES FROM ('2026-01-01') TO ('2026-04-01') PARTITION BY HASH ("tenant_id");--> statement-breakpoint
CREATE TABLE "metrics_q1_h2_0" PARTITION OF "metrics_q1" FOR VALUES WITH (MODULUS 2, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "metrics_q1_h2_1" PARTITION OF "metrics_q1" FOR VALUES WITH (MODULUS 2, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "metrics_default" PARTITION OF "metrics" DEFAULT;--> statement-breakpoint
CREATE TABLE "sessions" (
	"userId" integer NOT NULL,
	"token" text NOT NULL
) PARTITION BY HASH ("userId");
--> statement-breakpoint
CREATE TABLE "sessions_h4_0" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "sessions_h4_1" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "sessions_h4_2" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "sessions_h4_3" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 4, REMAINDER 3);--> statement-breakpoint
CREATE TABLE "app"."tenants" (
	"id" integer,
	"region_code" text,
	"name" text,
	CONSTRAINT "tenants_pkey" PRIMARY KEY("id","region_code")
) PARTITION BY LIST ("region_code");
--> statement-breakpoint
CREATE TABLE "app"."tenants_europe" PARTITION OF "app"."tenants" FOR VALUES IN ('eu', 'uk');--> statement-breakpoint
CREATE TABLE "app"."tenants_us" PARTITION OF "app"."tenants" FOR VALUES IN ('us');--> statement-breakpoint
CREATE TABLE "app"."tenants_default" PARTITION OF "app"."tenants" DEFAULT;--> statement-breakpoint
CREATE TABLE "users" (
	"id" integer PRIMARY KEY,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "events_kind_idx" ON "events" ("kind");--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_userId_users_id_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id");