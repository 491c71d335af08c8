/**
 * The record of conversions (`drizzle_partitions.conversions`, its SQL in
 * ddl/conversions-record-sql.ts): one row per table, its phase, where the copy stands
 * and the foreign keys the swap re-made. Each phase is written in the transaction that
 * reaches it, so a conversion killed anywhere resumes from the record.
 */
import { createConversionsTableSql, readRecordSql, recordTableExistsSql, type ConversionPhase } from '../../ddl/conversions-record-sql.js';
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


/**
 * Makes the record's table when it is missing.
 *
 * @example
 * ```ts
 * await ensureRecordTable(ex);
 * ```
 */
export async function ensureRecordTable(ex: Executor): Promise<void> {
  const [row] = await ex.query<{ ok: boolean }>(recordTableExistsSql());
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
  const [exists] = await ex.query<{ ok: boolean }>(recordTableExistsSql());
  if (!exists?.ok) return undefined;
  const [r] = await ex.query<{ phase: ConversionPhase; shadow: string; old: string; last: string[] | null; copied: string; source: string | null; fks: string | null; started: string; updated: string }>(
    readRecordSql(),
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

