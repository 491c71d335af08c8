/**
 * SQL of the online conversion of a table (plain to partitioned, or back): the
 * change-capture function and triggers that keep a copy in step with its original,
 * the tombstones, the batch copy and its clean-up, and the checksum. The record of
 * conversions has its own file (conversions-record-sql.ts). Rendered here, through the
 * quoting module.
 */
import { dollarQuote, inlineParameters, quoteIdent, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { setTriggerEnabledSql } from './swap-sql.js';

/** A column of the copied table: its name and SQL type (`format_type`). */
export interface TypedColumn {
  name: string;
  type: string;
}

/**
 * The change-capture function: an AFTER ROW trigger function that applies each
 * INSERT, UPDATE and DELETE of the table it is on to `target`, in the writer's own
 * transaction (and, run by the statement trigger of {@link createTruncateTriggerSql},
 * each TRUNCATE). An insert or update upserts the new row by primary key; a delete (or
 * an update that changes the key) deletes the old key. A delete that finds no row
 * probes the key with an insert that does nothing on conflict, then deletes again: the
 * probe waits for a copy batch that has written the row and not committed yet, and
 * otherwise leaves a dead row version that makes a later copy of that key wait for
 * this transaction; at REPEATABLE READ or SERIALIZABLE, it fails the writer with a
 * serialization failure (40001, to retry) when a batch committed the row after the
 * writer's snapshot. The probe and the tombstones serve the copy only (`copying`
 * given: before the swap); each deleted key is then also recorded in the tombstones,
 * so the copy batch that read the row before the delete removes it again
 * ({@link clearTombstonedSql}). With `copying.foreignKeys` (the copy has foreign keys
 * of its own), a probe that fails one is skipped. Identity columns take the row's
 * value (`OVERRIDING SYSTEM VALUE`).
 *
 * @example
 * ```ts
 * syncFunctionSql({ schema: 'drizzle_partitions', name: 'fwd_public_events' }, { name: 'events_dp_new' }, ['id', 'at', 'payload'], ['id', 'at'], { tombstones: { schema: 'drizzle_partitions', name: 'del_public_events' }, foreignKeys: false });
 * ```
 */
export function syncFunctionSql(fn: QualifiedName, target: QualifiedName, columns: readonly string[], key: readonly string[], copying?: { tombstones: QualifiedName; foreignKeys: boolean }): string {
  const tombstones = copying?.tombstones;
  const t = quoteQualified(target);
  const cols = columns.map(quoteIdent);
  const keyCols = key.map(quoteIdent).join(', ');
  const keyMatch = (rec: string) => key.map((k) => `${quoteIdent(k)} = ${rec}.${quoteIdent(k)}`).join(' AND ');
  const keyRow = (rec: string) => `(${key.map((k) => `${rec}.${quoteIdent(k)}`).join(', ')})`;
  const nonKey = columns.filter((c) => !key.includes(c));
  const onConflict = nonKey.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${nonKey.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(', ')}`;
  const tomb = tombstones ? `
    INSERT INTO ${quoteQualified(tombstones)} (${keyCols}) VALUES ${keyRow('OLD')} ON CONFLICT DO NOTHING;` : '';
  const probeInsert = `INSERT INTO ${t} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((c) => `OLD.${c}`).join(', ')}) ON CONFLICT (${keyCols}) DO NOTHING;`;
  // A row deleted by a cascade from the table it points at: the probe would fail the
  // copy's foreign key (the parent is gone). Skipped then: the copy's own insert of
  // that row fails the same check and its batch is run again.
  const probe = copying?.foreignKeys ? `BEGIN
        ${probeInsert}
      EXCEPTION WHEN foreign_key_violation THEN NULL;
      END;` : probeInsert;
  const body = `
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE ${t};
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ${keyRow('OLD')} IS DISTINCT FROM ${keyRow('NEW')}) THEN${tomb}
    DELETE FROM ${t} WHERE ${keyMatch('OLD')};${
      tombstones
        ? `
    IF NOT FOUND THEN
      -- Not there, or written by a copy batch this statement cannot see: the probe waits
      -- for that batch (READ COMMITTED: the delete after it sees the row), fails a
      -- REPEATABLE READ writer whose snapshot predates it (40001), or else leaves a dead
      -- version that a later copy of this key waits on until this transaction ends.
      ${probe}
      DELETE FROM ${t} WHERE ${keyMatch('OLD')};
    END IF;`
        : ''
    }
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO ${t} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((c) => `NEW.${c}`).join(', ')})
      ON CONFLICT (${keyCols}) ${onConflict};
  END IF;
  RETURN NULL;
END`;
  return `CREATE OR REPLACE FUNCTION ${quoteQualified(fn)}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${dollarQuote(body)};`;
}

/**
 * `DROP FUNCTION IF EXISTS fn();` (a change-capture function).
 *
 * @example
 * ```ts
 * dropSyncFunctionSql({ schema: 'drizzle_partitions', name: 'fwd_public_events' }); // 'DROP FUNCTION IF EXISTS "drizzle_partitions"."fwd_public_events"();'
 * ```
 */
export function dropSyncFunctionSql(fn: QualifiedName): string {
  return `DROP FUNCTION IF EXISTS ${quoteQualified(fn)}();`;
}

/**
 * The table of keys deleted while a conversion copies rows (the key's columns, its
 * primary key), filled by the change capture, read by {@link clearTombstonedSql}.
 *
 * @example
 * ```ts
 * createTombstonesSql({ schema: 'drizzle_partitions', name: 'del_public_events' }, [{ name: 'id', type: 'bigint' }]);
 * ```
 */
export function createTombstonesSql(tombstones: QualifiedName, key: readonly TypedColumn[]): string {
  const cols = key.map((k) => `${quoteIdent(k.name)} ${k.type} NOT NULL`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${quoteQualified(tombstones)} (${cols}, PRIMARY KEY (${key.map((k) => quoteIdent(k.name)).join(', ')}));`;
}

/**
 * `CREATE TRIGGER ... AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW` running `fn` on
 * `table`, then `ENABLE ALWAYS`: the change capture fires under
 * `session_replication_role = replica` too (a subscription's apply worker,
 * `pg_restore --disable-triggers`), whose writes would be lost otherwise.
 *
 * @example
 * ```ts
 * createSyncTriggerSql({ name: 'events' }, 'drizzle_partitions_sync', { schema: 'drizzle_partitions', name: 'sync_1234' }); // [CREATE TRIGGER ..., ALTER TABLE ... ENABLE ALWAYS TRIGGER ...]
 * ```
 */
export function createSyncTriggerSql(table: QualifiedName, trigger: string, fn: QualifiedName): string[] {
  return [
    `CREATE TRIGGER ${quoteIdent(trigger)} AFTER INSERT OR UPDATE OR DELETE ON ${quoteQualified(table)} FOR EACH ROW EXECUTE FUNCTION ${quoteQualified(fn)}();`,
    setTriggerEnabledSql(table, trigger, 'A'),
  ];
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
 * TRUNCATE fires no row trigger. Then `ENABLE ALWAYS`, as {@link createSyncTriggerSql}.
 *
 * @example
 * ```ts
 * createTruncateTriggerSql({ name: 'events' }, 'drizzle_partitions_convert', { schema: 'drizzle_partitions', name: 'sync_1234' });
 * ```
 */
export function createTruncateTriggerSql(table: QualifiedName, trigger: string, fn: QualifiedName): string[] {
  const name = truncateTriggerName(trigger);
  return [`CREATE TRIGGER ${quoteIdent(name)} AFTER TRUNCATE ON ${quoteQualified(table)} FOR EACH STATEMENT EXECUTE FUNCTION ${quoteQualified(fn)}();`, setTriggerEnabledSql(table, name, 'A')];
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

/** The batch's range on `alias`: after `$1..$k` (unless `fromStart`), at most the next `k` parameters (unless `toEnd`). */
function batchRange(key: readonly TypedColumn[], alias: string, range: BatchRange): string[] {
  const where: string[] = [];
  if (!range.fromStart) where.push(keyAfter(key, 1, alias));
  if (!range.toEnd) {
    const first = range.fromStart ? 1 : key.length + 1;
    where.push(`(${key.map((k) => `${alias}.${quoteIdent(k.name)}`).join(', ')}) <= (${key.map((k, i) => `$${first + i}::${k.type}`).join(', ')})`);
  }
  return where;
}

/** Where a copy batch starts and ends (see {@link copyBatchSql}). */
export interface BatchRange {
  fromStart: boolean;
  toEnd: boolean;
}

/**
 * How a copy batch skips keys the change capture wrote already: `plain` does not (a
 * plain INSERT, failing with a unique violation when it meets one: the fast way while
 * nobody writes the batch's keys), `anti` leaves out the keys its snapshot finds in
 * the copy (a writer's key written after that snapshot still fails it), `conflict`
 * adds ON CONFLICT DO NOTHING (never fails on a key).
 */
export type CopyMode = 'plain' | 'anti' | 'conflict';

/**
 * Copies one batch: the rows of `source` whose key is after `$1..$k` (unless
 * `fromStart`) and at most `$k+1..$2k` (unless `toEnd`) into `target`, skipping keys as
 * `mode` says. The insert waits for a writer that has written (or probed, see
 * {@link syncFunctionSql}) a key of the batch and not committed. `alsoCtes` run in the
 * same statement and may read `n`, the rows inserted, which the statement returns.
 *
 * @example
 * ```ts
 * copyBatchSql({ name: 'events' }, { name: 'events_dp_new' }, ['id', 'at', 'payload'], key, { fromStart: false, toEnd: false }, 'plain');
 * ```
 */
export function copyBatchSql(source: QualifiedName, target: QualifiedName, columns: readonly string[], key: readonly TypedColumn[], range: BatchRange, mode: CopyMode, alsoCtes: readonly string[] = []): string {
  const where = batchRange(key, 's', range);
  if (mode === 'anti') {
    const same = key.map((k) => `d.${quoteIdent(k.name)} = s.${quoteIdent(k.name)}`).join(' AND ');
    where.push(`NOT EXISTS (SELECT 1 FROM ${quoteQualified(target)} d WHERE ${[same, ...batchRange(key, 'd', range)].join(' AND ')})`);
  }
  const cols = columns.map(quoteIdent);
  return `WITH ins AS (INSERT INTO ${quoteQualified(target)} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
  SELECT ${cols.map((c) => `s.${c}`).join(', ')} FROM ${quoteQualified(source)} s${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${mode === 'conflict' ? '\n  ON CONFLICT DO NOTHING' : ''} RETURNING 1),
  n AS (SELECT count(*)::int AS n FROM ins)${alsoCtes.map((c) => `,\n  ${c}`).join('')}
SELECT n FROM n`;
}

/**
 * After a batch's insert, in the same READ COMMITTED transaction (a newer snapshot):
 * a DO block that deletes from `target` the batch's keys recorded in `tombstones`
 * that `source` no longer holds, i.e. rows the batch read before a writer deleted
 * them (the insert waited for any such writer still running, so its tombstone is
 * visible here), then runs `after` (which may read `n`, the rows deleted). Looks at the
 * tombstones first: with none in the range, nothing else is planned. `params` as
 * {@link copyBatchSql}'s, written in.
 *
 * @example
 * ```ts
 * clearTombstonedSql({ name: 'events' }, { name: 'events_dp_new' }, { schema: 'drizzle_partitions', name: 'del_public_events' }, key, { fromStart: false, toEnd: false }, ['41', '42'], 'NULL');
 * ```
 */
export function clearTombstonedSql(source: QualifiedName, target: QualifiedName, tombstones: QualifiedName, key: readonly TypedColumn[], range: BatchRange, params: readonly unknown[], after: string): string {
  const match = (a: string, b: string) => key.map((k) => `${a}.${quoteIdent(k.name)} = ${b}.${quoteIdent(k.name)}`).join(' AND ');
  const inRange = batchRange(key, 'x', range);
  const where = [match('d', 'x'), ...inRange, `NOT EXISTS (SELECT 1 FROM ${quoteQualified(source)} s WHERE ${match('s', 'x')})`];
  const body = `DECLARE n bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM ${quoteQualified(tombstones)} x${inRange.length ? ` WHERE ${inRange.join(' AND ')}` : ''}) THEN
    WITH del AS (DELETE FROM ${quoteQualified(target)} d USING ${quoteQualified(tombstones)} x WHERE ${where.join(' AND ')} RETURNING 1)
    SELECT count(*) INTO n FROM del;
    ${after};
  END IF;
END`;
  return `DO ${dollarQuote(inlineParameters(body, params))};`;
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
