/**
 * Migration statements that carry a new partition's rows out of the default
 * partition. PostgreSQL refuses to create a partition while the default partition
 * holds rows of its range ("updated partition constraint for default partition
 * would be violated"), so a migration that declares one moves them itself, in its
 * own transaction:
 *
 * 1. {@link takeRowsFromDefaultSql}: lock the parent and the default partition,
 *    check that no foreign key would act on the move ({@link moveGuardSql}), delete
 *    the range's rows from the default into a temporary table (one scan of the
 *    default partition, user triggers off), and say how many (a NOTICE);
 * 2. the partition's usual `CREATE TABLE ... PARTITION OF` (it scans the default,
 *    now free of those rows);
 * 3. {@link putRowsIntoPartitionSql}: insert them into the new partition (user
 *    triggers off) and drop the temporary table.
 *
 * The maintenance runtime's move uses {@link moveGuardSql} and
 * {@link triggersBackOnSql} around its own copy and delete.
 *
 * The columns copied are read from the catalog when the migration runs (every
 * column but the generated ones, which are computed again; identity values kept),
 * so the statements hold for whatever columns the table has by then.
 */
import { dollarQuote, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { lockExclusiveSql } from './maintenance-sql.js';

/** The temporary table the rows wait in, between the two statements. */
const MOVING: QualifiedName = { schema: 'pg_temp', name: 'drizzle_partitions_moving' };

/** `SELECT string_agg(...) INTO cols` over the copyable columns of `relation` (a regclass literal). */
function columnsInto(relation: string): string {
  return `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_catalog.pg_attribute WHERE attrelid = ${relation}::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`;
}

/** Where the triggers switched off for a move are remembered until they are switched back on (a setting local to the transaction). */
const TRIGGERS_OFF_SETTING = 'drizzle_partitions.triggers_off';

/** plpgsql that switches off the enabled user triggers of `relation` (a regclass literal) and remembers them, with how each was on. */
function triggersOffPlpgsql(relation: string): string {
  return `SELECT coalesce(json_agg(json_build_array(tgname, tgenabled::text) ORDER BY tgname), '[]') INTO triggers
    FROM pg_catalog.pg_trigger WHERE tgrelid = ${relation}::regclass AND NOT tgisinternal AND tgenabled <> 'D';
  FOR t IN SELECT value FROM json_array_elements(triggers) LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', ${relation}, t.value ->> 0);
  END LOOP;
  PERFORM set_config(${quoteLiteral(TRIGGERS_OFF_SETTING)}, triggers::text, true);`;
}

/**
 * A `DO` block that stops a move of the rows matching `predicate` out of
 * `defaultPartition` before any row moves, when a foreign key into the table would
 * act on them (ON DELETE CASCADE, SET NULL, SET DEFAULT: SQLSTATE 23503, a sentence
 * naming the key), and otherwise switches off the default partition's user triggers
 * for the move ({@link triggersBackOnSql} switches them back on as they were): moving
 * a row is not the application deleting it, so no trigger sees it. Foreign-key
 * triggers are internal and stay: one that forbids the delete of a referenced row
 * (NO ACTION, RESTRICT) fails the move with 23503.
 *
 * @example
 * ```ts
 * [moveGuardSql({ defaultPartition: { name: 'events_default' }, partition: { name: 'events_p20260201' }, predicate }), '...the move...', triggersBackOnSql({ name: 'events_default' })];
 * ```
 */
export function moveGuardSql(args: { defaultPartition: QualifiedName; partition: QualifiedName; predicate: string }): string {
  const def = quoteQualified(args.defaultPartition);
  const body = `
DECLARE
  fk text;
  triggers json;
  t record;
BEGIN
  SELECT format('%s of table %s (ON DELETE %s)', c.conname, c.conrelid::regclass, CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END) INTO fk
    FROM pg_catalog.pg_constraint c
    WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd') AND c.confrelid IN (SELECT relid FROM pg_catalog.pg_partition_ancestors(${quoteLiteral(def)}::regclass))
    LIMIT 1;
  IF fk IS NOT NULL AND EXISTS (SELECT 1 FROM ${def} WHERE ${args.predicate}) THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition %, and foreign key % would act on the rows that reference them if they were moved', ${quoteLiteral(def)}, ${quoteLiteral(quoteQualified(args.partition))}, fk
      USING ERRCODE = 'foreign_key_violation', HINT = 'move those rows (and what references them) yourself first';
  END IF;
  ${triggersOffPlpgsql(quoteLiteral(def))}
END
`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * A `DO` block that switches off the user triggers of `relation` for a move, as
 * {@link moveGuardSql} does without its foreign-key check (for the table rows move into).
 *
 * @example
 * ```ts
 * triggersOffSql({ name: 'events_p20260201' });
 * ```
 */
export function triggersOffSql(relation: QualifiedName): string {
  const body = `
DECLARE
  triggers json;
  t record;
BEGIN
  ${triggersOffPlpgsql(quoteLiteral(quoteQualified(relation)))}
END
`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * The `DO` block that switches back on, as they were (ENABLE, ENABLE ALWAYS, ENABLE
 * REPLICA), the triggers of `relation` that {@link moveGuardSql} or
 * {@link triggersOffSql} switched off in this transaction.
 *
 * @example
 * ```ts
 * triggersBackOnSql({ name: 'events_default' });
 * ```
 */
export function triggersBackOnSql(relation: QualifiedName): string {
  const rel = quoteLiteral(quoteQualified(relation));
  const body = `
DECLARE
  t record;
BEGIN
  FOR t IN SELECT value FROM json_array_elements(coalesce(nullif(current_setting(${quoteLiteral(TRIGGERS_OFF_SETTING)}, true), ''), '[]')::json) LOOP
    EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', ${rel}, CASE t.value ->> 1 WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, t.value ->> 0);
  END LOOP;
  PERFORM set_config(${quoteLiteral(TRIGGERS_OFF_SETTING)}, '[]', true);
END
`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * The statements that take the rows matching `predicate` out of `defaultPartition`
 * into a temporary table, holding `parent` and the default partition until the
 * migration commits (so no row of the range arrives in between), guarded by
 * {@link moveGuardSql}; a NOTICE says how many moved.
 *
 * @example
 * ```ts
 * takeRowsFromDefaultSql({ parent: { name: 'events' }, defaultPartition: { name: 'events_default' }, partition: { name: 'events_p2026_02' }, predicate: `"at" IS NOT NULL AND "at" >= '2026-02-01' AND "at" < '2026-03-01'` });
 * ```
 */
export function takeRowsFromDefaultSql(args: { parent: QualifiedName; defaultPartition: QualifiedName; partition: QualifiedName; predicate: string }): string[] {
  const def = quoteQualified(args.defaultPartition);
  const partition = quoteLiteral(quoteQualified(args.partition));
  const body = `
DECLARE
  cols text;
  moved bigint;
BEGIN
  ${columnsInto(quoteLiteral(def))};
  EXECUTE format('CREATE TEMP TABLE ${quoteQualified(MOVING)} AS SELECT %s FROM %s WITH NO DATA', cols, ${quoteLiteral(def)});
  BEGIN
    EXECUTE format('WITH taken AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO ${quoteQualified(MOVING)} SELECT * FROM taken', ${quoteLiteral(def)}, ${quoteLiteral(args.predicate)}, cols);
  EXCEPTION WHEN foreign_key_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition % that a foreign key references, so they cannot move: %', ${quoteLiteral(def)}, ${partition}, SQLERRM
      USING HINT = 'move those rows (and what references them) yourself before this migration';
  END;
  GET DIAGNOSTICS moved = ROW_COUNT;
  RAISE NOTICE 'drizzle-partitions: % row(s) of partition % move out of default partition %', moved, ${partition}, ${quoteLiteral(def)};
END
`;
  return [
    lockExclusiveSql(args.parent),
    lockExclusiveSql(args.defaultPartition),
    moveGuardSql(args),
    `DO ${dollarQuote(body)};`,
    triggersBackOnSql(args.defaultPartition),
  ];
}

/**
 * The statements that insert the rows {@link takeRowsFromDefaultSql} took into
 * `partition` (created in between; its user triggers do not fire) and drop the
 * temporary table.
 *
 * @example
 * ```ts
 * putRowsIntoPartitionSql({ name: 'events_p2026_02' });
 * ```
 */
export function putRowsIntoPartitionSql(partition: QualifiedName): string[] {
  const moving = quoteQualified(MOVING);
  const target = quoteLiteral(quoteQualified(partition));
  const body = `
DECLARE
  cols text;
BEGIN
  ${columnsInto(quoteLiteral(moving))};
  BEGIN
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', ${target}, cols, cols, ${quoteLiteral(moving)});
  EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: rows taken out of the default partition for new partition % fit none of its partitions: %', ${target}, SQLERRM
      USING HINT = 'give the new partition a default partition of its own, or partitions for those rows';
  END;
  DROP TABLE ${moving};
END
`;
  return [triggersOffSql(partition), `DO ${dollarQuote(body)};`, triggersBackOnSql(partition)];
}
