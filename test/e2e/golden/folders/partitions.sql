-- drizzle-partitions: partitioned DDL added
ALTER TABLE "events" DETACH PARTITION "events_p20260201";--> statement-breakpoint
LOCK TABLE ONLY "events" IN ACCESS EXCLUSIVE MODE;--> statement-breakpoint
LOCK TABLE ONLY "events_default" IN ACCESS EXCLUSIVE MODE;--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  fk text;
  triggers json;
  t record;
BEGIN
  SELECT format('%s of table %s (ON DELETE %s)', c.conname, c.conrelid::regclass, CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END) INTO fk
    FROM pg_catalog.pg_constraint c
    WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd') AND c.confrelid IN (SELECT relid FROM pg_catalog.pg_partition_ancestors('"events_default"'::regclass))
    LIMIT 1;
  IF fk IS NOT NULL AND EXISTS (SELECT 1 FROM "events_default" WHERE "createdAt" IS NOT NULL AND "createdAt" >= '2026-03-01 00:00:00+00' AND "createdAt" < '2026-04-01 00:00:00+00') THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition %, and foreign key % would act on the rows that reference them if they were moved', '"events_default"', '"events_p20260301"', fk
      USING ERRCODE = 'foreign_key_violation', HINT = 'move those rows (and what references them) yourself first';
  END IF;
  SELECT coalesce(json_agg(json_build_array(tgname, tgenabled::text) ORDER BY tgname), '[]') INTO triggers
    FROM pg_catalog.pg_trigger WHERE tgrelid = '"events_default"'::regclass AND NOT tgisinternal AND tgenabled <> 'D';
  FOR t IN SELECT value FROM json_array_elements(triggers) LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', '"events_default"', t.value ->> 0);
  END LOOP;
  PERFORM set_config('drizzle_partitions.triggers_off', triggers::text, true);
END
$drizzle_partitions$;--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  cols text;
  moved bigint;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_catalog.pg_attribute WHERE attrelid = '"events_default"'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  EXECUTE format('CREATE TEMP TABLE "pg_temp"."drizzle_partitions_moving" AS SELECT %s FROM %s WITH NO DATA', cols, '"events_default"');
  BEGIN
    EXECUTE format('WITH taken AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO "pg_temp"."drizzle_partitions_moving" SELECT * FROM taken', '"events_default"', '"createdAt" IS NOT NULL AND "createdAt" >= ''2026-03-01 00:00:00+00'' AND "createdAt" < ''2026-04-01 00:00:00+00''', cols);
  EXCEPTION WHEN foreign_key_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition % that a foreign key references, so they cannot move: %', '"events_default"', '"events_p20260301"', SQLERRM
      USING HINT = 'move those rows (and what references them) yourself before this migration';
  END;
  GET DIAGNOSTICS moved = ROW_COUNT;
  RAISE NOTICE 'drizzle-partitions: % row(s) of partition % move out of default partition %', moved, '"events_p20260301"', '"events_default"';
END
$drizzle_partitions$;--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT value FROM json_array_elements(coalesce(nullif(current_setting('drizzle_partitions.triggers_off', true), ''), '[]')::json) LOOP
    EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', '"events_default"', CASE t.value ->> 1 WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, t.value ->> 0);
  END LOOP;
  PERFORM set_config('drizzle_partitions.triggers_off', '[]', true);
END
$drizzle_partitions$;--> statement-breakpoint
CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  triggers json;
  t record;
BEGIN
  SELECT coalesce(json_agg(json_build_array(tgname, tgenabled::text) ORDER BY tgname), '[]') INTO triggers
    FROM pg_catalog.pg_trigger WHERE tgrelid = '"events_p20260301"'::regclass AND NOT tgisinternal AND tgenabled <> 'D';
  FOR t IN SELECT value FROM json_array_elements(triggers) LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', '"events_p20260301"', t.value ->> 0);
  END LOOP;
  PERFORM set_config('drizzle_partitions.triggers_off', triggers::text, true);
END
$drizzle_partitions$;--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  cols text;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_catalog.pg_attribute WHERE attrelid = '"pg_temp"."drizzle_partitions_moving"'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
  BEGIN
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', '"events_p20260301"', cols, cols, '"pg_temp"."drizzle_partitions_moving"');
  EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: rows taken out of the default partition for new partition % fit none of its partitions: %', '"events_p20260301"', SQLERRM
      USING HINT = 'give the new partition a default partition of its own, or partitions for those rows';
  END;
  DROP TABLE "pg_temp"."drizzle_partitions_moving";
END
$drizzle_partitions$;--> statement-breakpoint
DO $drizzle_partitions$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT value FROM json_array_elements(coalesce(nullif(current_setting('drizzle_partitions.triggers_off', true), ''), '[]')::json) LOOP
    EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', '"events_p20260301"', CASE t.value ->> 1 WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, t.value ->> 0);
  END LOOP;
  PERFORM set_config('drizzle_partitions.triggers_off', '[]', true);
END
$drizzle_partitions$;