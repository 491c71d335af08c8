/**
 * SQL of the record of conversions (`drizzle_partitions.conversions`): one row per
 * table, its phase, where the copy stands, the foreign keys the swap re-made. Rendered
 * here, through the quoting module; runtime/convert/record.ts reads and writes it.
 */
import { createSchemaSql } from './maintenance-sql.js';
import { inlineParameters, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';
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

const T = () => quoteQualified(CONVERSIONS_TABLE);

/**
 * Whether the record's table exists (`ok`).
 *
 * @example
 * ```ts
 * const [{ ok }] = await ex.query(recordTableExistsSql());
 * ```
 */
export function recordTableExistsSql(): string {
  return `select pg_catalog.to_regclass(${quoteLiteral(T())}) is not null as ok`;
}

/**
 * The record of one table: $1 schema, $2 table (phase, shadow, old, last, copied,
 * source, fks, started, updated; times as UTC ISO text).
 *
 * @example
 * ```ts
 * const [r] = await ex.query(readRecordSql(), ['public', 'events']);
 * ```
 */
export function readRecordSql(): string {
  return `select phase, shadow_name as shadow, old_name as old, last_key as last, rows_copied::text as copied, source_rows::text as source, foreign_keys as fks,
       pg_catalog.to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started, pg_catalog.to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as updated
     from ${T()} where table_schema = $1::text and table_name = $2::text`;
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
