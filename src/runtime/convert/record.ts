/**
 * The record of conversions (`drizzle_partitions.conversions`): one row per table,
 * its phase, where the copy stands and the foreign keys the swap re-made. Each phase
 * is written in the transaction that reaches it, so a conversion killed anywhere
 * resumes from the record.
 */
import { CONVERSIONS_TABLE, createConversionsTableSql, type ConversionPhase } from '../../ddl/convert-sql.js';
import { inlineParameters, quoteLiteral, quoteQualified } from '../../sql/quote.js';
import type { Executor } from '../executor.js';
import type { ForeignKey } from './source.js';

/** One row of the record. */
export interface ConversionRecord {
  phase: ConversionPhase;
  shadow: string;
  old: string;
  /** The primary key of the last row copied, as text; null before the first batch. */
  lastKey: string[] | null;
  rowsCopied: number;
  /** Rows of the original counted at verification. */
  sourceRows: number | null;
  /** Foreign keys the last swap re-made. */
  foreignKeys: ForeignKey[];
  startedAt: string;
  updatedAt: string;
}

const T = () => quoteQualified(CONVERSIONS_TABLE);

/**
 * Makes the record's table when it is missing.
 *
 * @example
 * ```ts
 * await ensureRecordTable(ex);
 * ```
 */
export async function ensureRecordTable(ex: Executor): Promise<void> {
  const [row] = await ex.query<{ ok: boolean }>(`select pg_catalog.to_regclass(${quoteLiteral(T())}) is not null as ok`);
  if (row?.ok) return;
  for (const s of createConversionsTableSql()) await ex.query(s);
}

/**
 * The record of the conversion of `schema.name`, or undefined.
 *
 * @example
 * ```ts
 * const rec = await readRecord(ex, 'public', 'events');
 * ```
 */
export async function readRecord(ex: Executor, schema: string, name: string): Promise<ConversionRecord | undefined> {
  const [exists] = await ex.query<{ ok: boolean }>(`select pg_catalog.to_regclass(${quoteLiteral(T())}) is not null as ok`);
  if (!exists?.ok) return undefined;
  const [r] = await ex.query<{ phase: ConversionPhase; shadow: string; old: string; last: string[] | null; copied: string; source: string | null; fks: string | null; started: string; updated: string }>(
    `select phase, shadow_name as shadow, old_name as old, last_key as last, rows_copied::text as copied, source_rows::text as source, foreign_keys as fks,
       pg_catalog.to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started, pg_catalog.to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated
     from ${T()} where table_schema = $1::text and table_name = $2::text`,
    [schema, name],
  );
  if (!r) return undefined;
  return {
    phase: r.phase,
    shadow: r.shadow,
    old: r.old,
    lastKey: r.last,
    rowsCopied: Number(r.copied),
    sourceRows: r.source === null ? null : Number(r.source),
    foreignKeys: r.fks ? (JSON.parse(r.fks) as ForeignKey[]) : [],
    startedAt: r.started,
    updatedAt: r.updated,
  };
}

/**
 * Starts the record of a conversion: $1 schema, $2 table, $3 copy's name, $4 old name.
 *
 * @example
 * ```ts
 * await tx.query(startRecordSql(), ['public', 'events', 'events_dp_new', 'events_dp_old']);
 * ```
 */
export function startRecordSql(): string {
  return `INSERT INTO ${T()} (table_schema, table_name, shadow_name, old_name, phase) VALUES ($1::text, $2::text, $3::text, $4::text, 'shadow-created')`;
}

/**
 * Records a copied batch in the statement that copies it: a CTE (for
 * `copyBatchSql`'s `alsoCtes`) adding `n` (the rows inserted) to the rows copied and
 * setting the last key reached and the phase.
 *
 * @example
 * ```ts
 * copyBatchSql(source, shadow, columns, key, range, 'plain', [batchRecordCte('public', 'events', ['1000'], 'copying')]);
 * ```
 */
export function batchRecordCte(schema: string, table: string, lastKey: readonly string[] | null, phase: ConversionPhase): string {
  return inlineParameters(
    `rec AS (UPDATE ${T()} SET last_key = $3::text[], rows_copied = rows_copied + (SELECT n FROM n), phase = $4::text, updated_at = pg_catalog.now() WHERE table_schema = $1::text AND table_name = $2::text)`,
    [schema, table, lastKey, phase],
  );
}

/**
 * Takes `count` (an SQL expression) off the rows copied: rows a batch copied and then
 * removed (`clearTombstonedSql`'s `after`).
 *
 * @example
 * ```ts
 * rowsRemovedSql('public', 'events', 'n');
 * ```
 */
export function rowsRemovedSql(schema: string, table: string, count: string): string {
  return inlineParameters(`UPDATE ${T()} SET rows_copied = rows_copied - ${count} WHERE table_schema = $1::text AND table_name = $2::text`, [schema, table]);
}

/**
 * The rows copied so far, as text (`total`): $1 schema, $2 table.
 *
 * @example
 * ```ts
 * const [{ total }] = await ex.query(rowsCopiedSql(), ['public', 'events']);
 * ```
 */
export function rowsCopiedSql(): string {
  return `SELECT rows_copied::text AS total FROM ${T()} WHERE table_schema = $1::text AND table_name = $2::text`;
}

/**
 * Sets the phase: $1 schema, $2 table, $3 phase, $4 foreign keys (JSON text, or null to keep them).
 *
 * @example
 * ```ts
 * await tx.query(setPhaseSql(), ['public', 'events', 'swapped', JSON.stringify(fks)]);
 * ```
 */
export function setPhaseSql(): string {
  return `UPDATE ${T()} SET phase = $3::text, foreign_keys = coalesce($4::text, foreign_keys), updated_at = pg_catalog.now() WHERE table_schema = $1::text AND table_name = $2::text`;
}

/**
 * Records the verification: $1 schema, $2 table, $3 rows counted.
 *
 * @example
 * ```ts
 * await tx.query(verifiedRecordSql(), ['public', 'events', 100000]);
 * ```
 */
export function verifiedRecordSql(): string {
  return `UPDATE ${T()} SET phase = 'verified', source_rows = $3::bigint, updated_at = pg_catalog.now() WHERE table_schema = $1::text AND table_name = $2::text`;
}

/**
 * Deletes the record of a conversion: $1 schema, $2 table.
 *
 * @example
 * ```ts
 * await tx.query(deleteRecordSql(), ['public', 'events']);
 * ```
 */
export function deleteRecordSql(): string {
  return `DELETE FROM ${T()} WHERE table_schema = $1::text AND table_name = $2::text`;
}
