-- drizzle-partitions: partitioned DDL added
ALTER TABLE "events" RENAME TO "app_events";--> statement-breakpoint
ALTER INDEX "events_kind_idx" RENAME TO "app_events_kind_idx";--> statement-breakpoint
ALTER INDEX "events_level_idx" RENAME TO "app_events_level_idx";--> statement-breakpoint
ALTER TABLE "events_p20260101" RENAME TO "app_events_p20260101";--> statement-breakpoint
ALTER TABLE "events_p20260301" RENAME TO "app_events_p20260301";--> statement-breakpoint
ALTER TABLE "events_p20260401" RENAME TO "app_events_p20260401";--> statement-breakpoint
ALTER TABLE "events_default" RENAME TO "app_events_default";