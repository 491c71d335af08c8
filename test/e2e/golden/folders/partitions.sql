-- drizzle-partitions: partitioned DDL added
ALTER TABLE "events" DETACH PARTITION "events_p20260201";--> statement-breakpoint
CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');