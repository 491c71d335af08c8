-- drizzle-partitions: partitioned DDL added
ALTER TABLE "events" DETACH PARTITION "events_p20260201";--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  cols text;
  moved bigint;
BEGIN
  LOCK TABLE ONLY "events" IN ACCESS EXCLUSIVE MODE;
  LOCK TABLE ONLY "events_default" IN ACCESS EXCLUSIVE MODE;
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_catalog.pg_attribute WHERE attrelid = '"events_default"'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('CREATE TEMP TABLE "pg_temp"."drizzle_partitions_moving" AS SELECT %s FROM %s WITH NO DATA', cols, '"events_default"');
  EXECUTE format('WITH taken AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO "pg_temp"."drizzle_partitions_moving" SELECT * FROM taken', '"events_default"', '"createdAt" IS NOT NULL AND "createdAt" >= ''2026-03-01 00:00:00+00'' AND "createdAt" < ''2026-04-01 00:00:00+00''', cols);
  GET DIAGNOSTICS moved = ROW_COUNT;
  RAISE NOTICE 'drizzle-partitions: % row(s) of partition % move out of default partition %', moved, '"events_p20260301"', '"events_default"';
END
$drizzle_partitions$;--> statement-breakpoint
CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  cols text;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_catalog.pg_attribute WHERE attrelid = '"pg_temp"."drizzle_partitions_moving"'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', '"events_p20260301"', cols, cols, '"pg_temp"."drizzle_partitions_moving"');
  DROP TABLE "pg_temp"."drizzle_partitions_moving";
END
$drizzle_partitions$;