/**
 * Migration statements that carry a new partition's rows out of the default
 * partition. PostgreSQL refuses to create a partition while the default partition
 * holds rows of its range ("updated partition constraint for default partition
 * would be violated"), so a migration that declares one moves them itself, in its
 * own transaction:
 *
 * 1. {@link takeRowsFromDefaultSql}: lock the parent and the default partition,
 *    delete the range's rows from the default into a temporary table (one scan of
 *    the default partition), and say how many (a NOTICE);
 * 2. the partition's usual `CREATE TABLE ... PARTITION OF` (it scans the default,
 *    now free of those rows);
 * 3. {@link putRowsIntoPartitionSql}: insert them into the new partition and drop
 *    the temporary table.
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

/**
 * Statements that switch off the enabled user triggers of `relation` (a regclass
 * literal) for the move, and the ones that switch exactly those back on as they were
 * (ENABLE, ENABLE ALWAYS, ENABLE REPLICA): moving a row is not the application
 * deleting and inserting it, so no audit row is written and no trigger changes it.
 * Foreign-key triggers are internal and stay.
 */
function userTriggersOff(relation: string): { off: string; on: string } {
  const off = `SELECT coalesce(array_agg(tgname ORDER BY tgname), '{}'), coalesce(array_agg(tgenabled::text ORDER BY tgname), '{}') INTO trigger_names, trigger_modes
    FROM pg_catalog.pg_trigger WHERE tgrelid = ${relation}::regclass AND NOT tgisinternal AND tgenabled <> 'D';
  FOR i IN 1 .. coalesce(array_length(trigger_names, 1), 0) LOOP
    EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', ${relation}, trigger_names[i]);
  END LOOP;`;
  const on = `FOR i IN 1 .. coalesce(array_length(trigger_names, 1), 0) LOOP
    EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I', ${relation}, CASE trigger_modes[i] WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END, trigger_names[i]);
  END LOOP;`;
  return { off, on };
}

const TRIGGER_VARIABLES = `trigger_names name[];
  trigger_modes text[];
  i int;`;

/**
 * The `DO` block that takes the rows matching `predicate` out of `defaultPartition`
 * into a temporary table, holding `parent` and the default partition until the
 * migration commits (so no row of the range arrives in between). A foreign key whose
 * `ON DELETE` changes other tables' rows (CASCADE, SET NULL, SET DEFAULT) stops it
 * before any row moves, when rows would: deleting them from the default partition
 * would fire it. A foreign key that forbids the delete (NO ACTION, RESTRICT) fails
 * the migration if a moved row is referenced, said plainly. User triggers do not fire.
 *
 * @example
 * ```ts
 * takeRowsFromDefaultSql({ parent: { name: 'events' }, defaultPartition: { name: 'events_default' }, partition: { name: 'events_p2026_02' }, predicate: `"at" IS NOT NULL AND "at" >= '2026-02-01' AND "at" < '2026-03-01'` });
 * ```
 */
export function takeRowsFromDefaultSql(args: { parent: QualifiedName; defaultPartition: QualifiedName; partition: QualifiedName; predicate: string }): string {
  const def = quoteQualified(args.defaultPartition);
  const partition = quoteLiteral(quoteQualified(args.partition));
  const triggers = userTriggersOff(quoteLiteral(def));
  const body = `
DECLARE
  cols text;
  moved bigint;
  fk text;
  ${TRIGGER_VARIABLES}
BEGIN
  ${lockExclusiveSql(args.parent)}
  ${lockExclusiveSql(args.defaultPartition)}
  SELECT format('%s of table %s (ON DELETE %s)', c.conname, c.conrelid::regclass, CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END) INTO fk
    FROM pg_catalog.pg_constraint c
    WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd') AND c.confrelid IN (SELECT relid FROM pg_catalog.pg_partition_ancestors(${quoteLiteral(def)}::regclass))
    LIMIT 1;
  IF fk IS NOT NULL AND EXISTS (SELECT 1 FROM ${def} WHERE ${args.predicate}) THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition %, and foreign key % would act on the rows that reference them if they were moved', ${quoteLiteral(def)}, ${partition}, fk
      USING HINT = 'move those rows (and what references them) yourself before this migration, or declare the partition in another range';
  END IF;
  ${columnsInto(quoteLiteral(def))};
  EXECUTE format('CREATE TEMP TABLE ${quoteQualified(MOVING)} AS SELECT %s FROM %s WITH NO DATA', cols, ${quoteLiteral(def)});
  ${triggers.off}
  BEGIN
    EXECUTE format('WITH taken AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO ${quoteQualified(MOVING)} SELECT * FROM taken', ${quoteLiteral(def)}, ${quoteLiteral(args.predicate)}, cols);
  EXCEPTION WHEN foreign_key_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: default partition % holds rows of new partition % that a foreign key references, so they cannot move: %', ${quoteLiteral(def)}, ${partition}, SQLERRM
      USING HINT = 'move those rows (and what references them) yourself before this migration';
  END;
  GET DIAGNOSTICS moved = ROW_COUNT;
  ${triggers.on}
  RAISE NOTICE 'drizzle-partitions: % row(s) of partition % move out of default partition %', moved, ${partition}, ${quoteLiteral(def)};
END
`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * The `DO` block that inserts the rows {@link takeRowsFromDefaultSql} took into
 * `partition` (created in between; its user triggers do not fire) and drops the
 * temporary table.
 *
 * @example
 * ```ts
 * putRowsIntoPartitionSql({ name: 'events_p2026_02' });
 * ```
 */
export function putRowsIntoPartitionSql(partition: QualifiedName): string {
  const moving = quoteQualified(MOVING);
  const target = quoteLiteral(quoteQualified(partition));
  const triggers = userTriggersOff(target);
  const body = `
DECLARE
  cols text;
  ${TRIGGER_VARIABLES}
BEGIN
  ${columnsInto(quoteLiteral(moving))};
  ${triggers.off}
  BEGIN
    EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', ${target}, cols, cols, ${quoteLiteral(moving)});
  EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'drizzle-partitions: rows taken out of the default partition for new partition % fit none of its partitions: %', ${target}, SQLERRM
      USING HINT = 'give the new partition a default partition of its own, or partitions for those rows';
  END;
  ${triggers.on}
  DROP TABLE ${moving};
END
`;
  return `DO ${dollarQuote(body)};`;
}
