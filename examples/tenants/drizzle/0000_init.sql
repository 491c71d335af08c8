-- drizzle-partitions: partitioned DDL added
CREATE TABLE "orders" (
	"tenant" text NOT NULL,
	"id" bigserial NOT NULL,
	"placed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"total_cents" integer NOT NULL,
	CONSTRAINT "orders_tenant_id_pk" PRIMARY KEY("tenant","id")
) PARTITION BY LIST ("tenant");
--> statement-breakpoint
CREATE TABLE "orders_acme" PARTITION OF "orders" FOR VALUES IN ('acme');--> statement-breakpoint
CREATE TABLE "orders_default" PARTITION OF "orders" DEFAULT;