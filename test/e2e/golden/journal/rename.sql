-- drizzle-partitions: partitioned DDL added
ALTER TABLE "events" RENAME TO "app_events";--> statement-breakpoint
ALTER TABLE "app_events" DROP CONSTRAINT "events_user_id_users_id_fk";
--> statement-breakpoint
DROP INDEX "events_kind_idx";--> statement-breakpoint
DROP INDEX "events_level_idx";--> statement-breakpoint
ALTER TABLE "app_events" DROP CONSTRAINT "events_id_created_at_pk";--> statement-breakpoint
ALTER TABLE "app_events" ADD CONSTRAINT "app_events_id_created_at_pk" PRIMARY KEY("id","created_at");--> statement-breakpoint
ALTER TABLE "app_events" ADD CONSTRAINT "app_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_events_kind_idx" ON "app_events" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "app_events_level_idx" ON "app_events" USING btree ("level");--> statement-breakpoint
ALTER TABLE "events_p20260101" RENAME TO "app_events_p20260101";--> statement-breakpoint
ALTER TABLE "events_p20260301" RENAME TO "app_events_p20260301";--> statement-breakpoint
ALTER TABLE "events_p20260401" RENAME TO "app_events_p20260401";--> statement-breakpoint
ALTER TABLE "events_default" RENAME TO "app_events_default";