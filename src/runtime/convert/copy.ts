/**
 * The batch copy: rows of the original in primary-key order, a batch per
 * transaction, each recording the last key it reached in the same transaction. The
 * change capture has written every change made since it was installed; a batch skips
 * the rows it finds there (ON CONFLICT DO NOTHING) and row-locks what it copies FOR
 * KEY SHARE, so a row deleted or re-keyed meanwhile is re-read and skipped, never
 * brought back, and a writer waits at most for one short batch.
 */
import { batchEndSql, copyBatchSql } from '../../ddl/convert-sql.js';
import { inlineParameters } from '../../sql/quote.js';
import type { Executor } from '../executor.js';
import { withLockRetry, type LockOptions } from '../lock.js';
import type { ConversionNames } from './names.js';
import { batchRecordSql, type ConversionRecord } from './record.js';
import type { SourceFacts } from './source.js';

/** Progress of the copy, after each batch. */
export interface CopyProgress {
  rowsCopied: number;
  lastKey: string[] | null;
}

/**
 * Copies from where the record stands to the end; returns the rows it inserted.
 *
 * @example
 * ```ts
 * await copyRows(ex, names, facts, record, { batchRows: 5000, lockTimeoutMs: 1000 }, (p) => console.error(p.rowsCopied));
 * ```
 */
export async function copyRows(ex: Executor, names: ConversionNames, facts: SourceFacts, record: ConversionRecord, opts: LockOptions & { batchRows: number }, progress?: (p: CopyProgress) => void): Promise<number> {
  const table = names.table;
  const shadow = { schema: table.schema, name: names.shadow };
  let last = record.lastKey;
  let total = record.rowsCopied;
  let inserted = 0;
  for (;;) {
    const { value } = await withLockRetry(ex, { what: `copy rows of ${table.schema}.${table.name}`, relation: table }, opts, async (tx) => {
      const fromStart = last === null;
      // Values written in (no parameters): each batch is planned for its own range. A
      // prepared statement would switch to a generic plan after five runs, which cannot
      // know the range is narrow and scans the whole table instead.
      const [end] = await tx.query<{ k: string[] }>(inlineParameters(batchEndSql(table, facts.key, opts.batchRows, fromStart), fromStart ? [] : last!));
      const toEnd = end === undefined;
      const params = [...(fromStart ? [] : last!), ...(toEnd ? [] : end!.k)];
      const [row] = await tx.query<{ n: number }>(inlineParameters(copyBatchSql(table, shadow, facts.columns, facts.key, { fromStart, toEnd }), params));
      const reached = toEnd ? last : end!.k;
      await tx.query(batchRecordSql(), [table.schema, table.name, reached, row!.n, toEnd ? 'copied' : 'copying']);
      return { n: row!.n, reached, toEnd };
    });
    inserted += value.n;
    total += value.n;
    last = value.reached;
    progress?.({ rowsCopied: total, lastKey: last });
    if (value.toEnd) return inserted;
  }
}
