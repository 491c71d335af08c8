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
 * The `DO` block that takes the rows matching `predicate` out of `defaultPartition`
 * into a temporary table, holding `parent` and the default partition until the
 * migration commits (so no row of the range arrives in between).
 *
 * @example
 * ```ts
 * takeRowsFromDefaultSql({ parent: { name: 'events' }, defaultPartition: { name: 'events_default' }, partition: { name: 'events_p2026_02' }, predicate: `"at" IS NOT NULL AND "at" >= '2026-02-01' AND "at" < '2026-03-01'` });
 * ```
 */
export function takeRowsFromDefaultSql(args: { parent: QualifiedName; defaultPartition: QualifiedName; partition: QualifiedName; predicate: string }): string {
  const def = quoteQualified(args.defaultPartition);
  const body = `
DECLARE
  cols text;
  moved bigint;
BEGIN
  ${lockExclusiveSql(args.parent)}
  ${lockExclusiveSql(args.defaultPartition)}
  ${columnsInto(quoteLiteral(def))};
  EXECUTE format('CREATE TEMP TABLE ${quoteQualified(MOVING)} AS SELECT %s FROM %s WITH NO DATA', cols, ${quoteLiteral(def)});
  EXECUTE format('WITH taken AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO ${quoteQualified(MOVING)} SELECT * FROM taken', ${quoteLiteral(def)}, ${quoteLiteral(args.predicate)}, cols);
  GET DIAGNOSTICS moved = ROW_COUNT;
  RAISE NOTICE 'drizzle-partitions: % row(s) of partition % move out of default partition %', moved, ${quoteLiteral(quoteQualified(args.partition))}, ${quoteLiteral(def)};
END
`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * The `DO` block that inserts the rows {@link takeRowsFromDefaultSql} took into
 * `partition` (created in between) and drops the temporary table.
 *
 * @example
 * ```ts
 * putRowsIntoPartitionSql({ name: 'events_p2026_02' });
 * ```
 */
export function putRowsIntoPartitionSql(partition: QualifiedName): string {
  const moving = quoteQualified(MOVING);
  const body = `
DECLARE
  cols text;
BEGIN
  ${columnsInto(quoteLiteral(moving))};
  EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s', ${quoteLiteral(quoteQualified(partition))}, cols, cols, ${quoteLiteral(moving)});
  DROP TABLE ${moving};
END
`;
  return `DO ${dollarQuote(body)};`;
}
