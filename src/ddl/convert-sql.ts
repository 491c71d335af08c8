/**
 * SQL of the online conversion of a plain table into a partitioned one: its record
 * (`drizzle_partitions.conversions`), the change-capture function and trigger that
 * keep a copy in step with its original, the batch copy and the checksum. Rendered
 * here, through the quoting module.
 */
import { createSchemaSql } from './maintenance-sql.js';
import { dollarQuote, quoteIdent, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { RUNS_TABLE } from './runs-record-sql.js';

/**
 * Where conversions are recorded: one row per table, beside the runner's record.
 *
 * @example
 * ```ts
 * const rows = await sql.unsafe(`select * from ${quoteQualified(CONVERSIONS_TABLE)}`);
 * ```
 */
export const CONVERSIONS_TABLE: QualifiedName = { schema: RUNS_TABLE.schema, name: 'conversions' };

/** The phases of a conversion, in order (`undone`: swapped back; the copy is kept in step). */
export const CONVERSION_PHASES = ['shadow-created', 'copying', 'copied', 'verified', 'swapped', 'undone'] as const;
export type ConversionPhase = (typeof CONVERSION_PHASES)[number];

/**
 * The statements that make the record's schema and table when they are missing.
 *
 * @example
 * ```ts
 * for (const s of createConversionsTableSql()) await ex.query(s);
 * ```
 */
export function createConversionsTableSql(): string[] {
  return [
    createSchemaSql(CONVERSIONS_TABLE.schema!),
    `CREATE TABLE IF NOT EXISTS ${quoteQualified(CONVERSIONS_TABLE)} (
  "table_schema" text NOT NULL,
  "table_name" text NOT NULL,
  "shadow_name" text NOT NULL,
  "old_name" text NOT NULL,
  "phase" text NOT NULL CHECK ("phase" IN (${CONVERSION_PHASES.map(quoteLiteral).join(', ')})),
  "last_key" text[],
  "rows_copied" bigint NOT NULL DEFAULT 0,
  "source_rows" bigint,
  "foreign_keys" text,
  "started_at" timestamptz NOT NULL DEFAULT pg_catalog.now(),
  "updated_at" timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY ("table_schema", "table_name")
);`,
  ];
}

/** A column of the copied table: its name and SQL type (`format_type`). */
export interface TypedColumn {
  name: string;
  type: string;
}

/**
 * The change-capture function: an AFTER ROW trigger function that applies each
 * INSERT, UPDATE and DELETE of the table it is on to `target`, in the writer's own
 * transaction (and, run by the statement trigger of {@link createTruncateTriggerSql},
 * each TRUNCATE). An insert or update upserts the new row by primary key (an update
 * that changes the key first deletes the old one); a delete deletes by key (at
 * REPEATABLE READ or SERIALIZABLE, a delete that misses a row copied after the
 * writer's snapshot fails the writer with a serialization failure, as an upsert
 * meeting that row does). Identity
 * columns take the row's value (`OVERRIDING SYSTEM VALUE`).
 *
 * @example
 * ```ts
 * syncFunctionSql({ schema: 'drizzle_partitions', name: 'sync_1234' }, { name: 'events_dp_new' }, ['id', 'at', 'payload'], ['id', 'at']);
 * ```
 */
export function syncFunctionSql(fn: QualifiedName, target: QualifiedName, columns: readonly string[], key: readonly string[]): string {
  const t = quoteQualified(target);
  const cols = columns.map(quoteIdent);
  const keyMatch = (rec: string) => key.map((k) => `${quoteIdent(k)} = ${rec}.${quoteIdent(k)}`).join(' AND ');
  const keyRow = (rec: string) => `(${key.map((k) => `${rec}.${quoteIdent(k)}`).join(', ')})`;
  const nonKey = columns.filter((c) => !key.includes(c));
  const onConflict = nonKey.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${nonKey.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`;
  const body = `
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE ${t};
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ${keyRow('OLD')} IS DISTINCT FROM ${keyRow('NEW')}) THEN
    DELETE FROM ${t} WHERE ${keyMatch('OLD')};
    IF NOT FOUND AND pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
      -- A row a copy batch wrote after this transaction's snapshot is invisible to it,
      -- so the delete above missed it. Probing the key fails such a transaction with a
      -- serialization failure (40001, to retry) instead of leaving the row behind; a
      -- row not copied yet is inserted and deleted again.
      INSERT INTO ${t} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((c) => `OLD.${c}`).join(', ')}) ON CONFLICT (${key.map(quoteIdent).join(', ')}) DO NOTHING;
      DELETE FROM ${t} WHERE ${keyMatch('OLD')};
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ${t} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((c) => `NEW.${c}`).join(', ')})
      ON CONFLICT (${key.map(quoteIdent).join(', ')}) ${onConflict};
  END IF;
  RETURN NULL;
END`;
  return `CREATE OR REPLACE FUNCTION ${quoteQualified(fn)}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${dollarQuote(body)};`;
}

/**
 * `CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW` running `fn` on `table`.
 *
 * @example
 * ```ts
 * createSyncTriggerSql({ name: 'events' }, 'drizzle_partitions_sync', { schema: 'drizzle_partitions', name: 'sync_1234' });
 * ```
 */
export function createSyncTriggerSql(table: QualifiedName, trigger: string, fn: QualifiedName): string {
  return `CREATE TRIGGER ${quoteIdent(trigger)} AFTER INSERT OR UPDATE OR DELETE ON ${quoteQualified(table)} FOR EACH ROW EXECUTE FUNCTION ${quoteQualified(fn)}();`;
}

/**
 * The name of the statement trigger that carries a TRUNCATE of the table to the
 * other one, beside the row trigger `trigger`.
 *
 * @example
 * ```ts
 * truncateTriggerName('drizzle_partitions_convert'); // 'drizzle_partitions_convert_truncate'
 * ```
 */
export function truncateTriggerName(trigger: string): string {
  return `${trigger}_truncate`;
}

/**
 * `CREATE TRIGGER <trigger>_truncate AFTER TRUNCATE ... FOR EACH STATEMENT` running
 * `fn` (the change-capture function, which truncates its target) on `table`: a
 * TRUNCATE fires no row trigger.
 *
 * @example
 * ```ts
 * createTruncateTriggerSql({ name: 'events' }, 'drizzle_partitions_convert', { schema: 'drizzle_partitions', name: 'sync_1234' });
 * ```
 */
export function createTruncateTriggerSql(table: QualifiedName, trigger: string, fn: QualifiedName): string {
  return `CREATE TRIGGER ${quoteIdent(truncateTriggerName(trigger))} AFTER TRUNCATE ON ${quoteQualified(table)} FOR EACH STATEMENT EXECUTE FUNCTION ${quoteQualified(fn)}();`;
}

/**
 * `DROP TRIGGER IF EXISTS trigger ON table;`
 *
 * @example
 * ```ts
 * dropTriggerSql({ name: 'events' }, 'drizzle_partitions_sync'); // 'DROP TRIGGER IF EXISTS "drizzle_partitions_sync" ON "events";'
 * ```
 */
export function dropTriggerSql(table: QualifiedName, trigger: string): string {
  return `DROP TRIGGER IF EXISTS ${quoteIdent(trigger)} ON ${quoteQualified(table)};`;
}

/** `(k1, k2) > ($1::t1, $2::t2)`, or nothing to compare before the first batch. */
function keyAfter(key: readonly TypedColumn[], first: number, alias: string): string {
  return `(${key.map((k) => `${alias}.${quoteIdent(k.name)}`).join(', ')}) > (${key.map((k, i) => `$${first + i}::${k.type}`).join(', ')})`;
}

/**
 * The key that ends the next batch: the `limit`-th key after `$1..$k` (or from the
 * start when `fromStart`), as text, or no row when fewer remain. Reads without locks.
 *
 * @example
 * ```ts
 * batchEndSql({ name: 'events' }, [{ name: 'id', type: 'bigint' }], 10000, false); // with [lastId]
 * ```
 */
export function batchEndSql(source: QualifiedName, key: readonly TypedColumn[], limit: number, fromStart: boolean): string {
  const cols = key.map((k) => `s.${quoteIdent(k.name)}`);
  return `SELECT ARRAY[${cols.map((c) => `${c}::text`).join(', ')}] AS k FROM ${quoteQualified(source)} s${fromStart ? '' : ` WHERE ${keyAfter(key, 1, 's')}`} ORDER BY ${cols.join(', ')} OFFSET ${Math.max(0, Math.floor(limit) - 1)} LIMIT 1`;
}

/**
 * Copies one batch: the rows of `source` whose key is after `$1..$k` (unless
 * `fromStart`) and at most `$k+1..$2k` (unless `toEnd`), row-locked FOR KEY SHARE, into
 * `target`, skipping rows the change capture wrote already. A row deleted, or whose
 * key changed, while the batch waited for it is re-read at READ COMMITTED and skipped
 * when it no longer falls in the range. Returns `n`, the rows inserted.
 *
 * @example
 * ```ts
 * copyBatchSql({ name: 'events' }, { name: 'events_dp_new' }, ['id', 'at', 'payload'], key, { fromStart: false, toEnd: false });
 * ```
 */
export function copyBatchSql(source: QualifiedName, target: QualifiedName, columns: readonly string[], key: readonly TypedColumn[], range: { fromStart: boolean; toEnd: boolean }): string {
  const where: string[] = [];
  if (!range.fromStart) where.push(keyAfter(key, 1, 's'));
  if (!range.toEnd) {
    const first = range.fromStart ? 1 : key.length + 1;
    where.push(`(${key.map((k) => `s.${quoteIdent(k.name)}`).join(', ')}) <= (${key.map((k, i) => `$${first + i}::${k.type}`).join(', ')})`);
  }
  const cols = columns.map(quoteIdent);
  return `WITH ins AS (INSERT INTO ${quoteQualified(target)} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
  SELECT ${cols.map((c) => `s.${c}`).join(', ')} FROM ${quoteQualified(source)} s${where.length ? ` WHERE ${where.join(' AND ')}` : ''} FOR KEY SHARE OF s
  ON CONFLICT DO NOTHING RETURNING 1)
SELECT count(*)::int AS n FROM ins`;
}

/**
 * Row count and checksum of `table` (`sum(hashtext(row text))`), grouped by partition
 * when `byPartition` (`part` is the partition's name), for comparing a copy with its
 * original inside one REPEATABLE READ transaction.
 *
 * @example
 * ```ts
 * checksumSql({ name: 'events' }, ['id', 'at', 'payload'], false);
 * ```
 */
export function checksumSql(table: QualifiedName, columns: readonly string[], byPartition: boolean): string {
  const row = `ROW(${columns.map((c) => `t.${quoteIdent(c)}`).join(', ')})::text`;
  const part = byPartition ? `t.tableoid::regclass::text` : `''`;
  return `SELECT ${part} AS part, count(*)::text AS n, coalesce(sum(pg_catalog.hashtext(${row})::bigint), 0)::text AS sum FROM ${quoteQualified(table)} t${byPartition ? ' GROUP BY 1' : ''}`;
}
