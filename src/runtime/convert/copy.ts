/**
 * The batch copy: rows of the original in primary-key order, a batch per READ
 * COMMITTED transaction sent in one round trip, each recording the last key it
 * reached in the same transaction. No row of the original is locked: the change
 * capture has written every change made since it was installed, a batch skips the keys
 * it finds in the copy (see {@link CopyMode}: plain inserts until a writer's key is
 * met, then leaving out the keys found, then ON CONFLICT DO NOTHING for a batch that
 * still meets one), and then removes the rows it read just before a writer deleted
 * them (their keys are in the tombstones, see syncFunctionSql). A writer touching a
 * row of the batch waits at most for the rest of that batch.
 */
import { batchEndSql, clearTombstonedSql, copyBatchSql, type BatchRange, type CopyMode } from '../../ddl/convert-sql.js';
import { inlineParameters } from '../../sql/quote.js';
import { sqlState, type Executor } from '../executor.js';
import { PG_ERRORS } from '../pg-errors.js';
import { withLockRetryScript, type LockOptions } from '../lock.js';
import type { ConversionNames } from './names.js';
import { batchRecordCte, rowsCopiedSql, rowsRemovedSql } from '../../ddl/conversions-record-sql.js';
import type { ConversionRecord } from './record.js';
import type { SourceFacts } from './source.js';

/** Progress of the copy, after each batch. */
export interface CopyProgress {
  rowsCopied: number;
  lastKey: string[] | null;
}

/**
 * Copies from where the record stands to the end; returns the rows it copied.
 *
 * @example
 * ```ts
 * await copyRows(ex, names, facts, record, { batchRows: 10000, lockTimeoutMs: 1000 }, (p) => console.error(p.rowsCopied));
 * ```
 */
export async function copyRows(ex: Executor, names: ConversionNames, facts: SourceFacts, record: ConversionRecord, opts: LockOptions & { batchRows: number }, progress?: (p: CopyProgress) => void): Promise<number> {
  let last = record.lastKey;
  let total = record.rowsCopied;
  const start = total;
  let mode: CopyMode = 'plain';
  const lock = await copyLockOptions(ex, opts);
  for (;;) {
    const fromStart = last === null;
    // Values written in (no parameters): each batch is planned for its own range. A
    // prepared statement would switch to a generic plan after five runs, which cannot
    // know the range is narrow and scans the whole table instead. Read outside the
    // batch's transaction: it only places the batch's end.
    const [end] = await ex.query<{ k: string[] }>(inlineParameters(batchEndSql(names.table, facts.key, opts.batchRows, fromStart), fromStart ? [] : last!));
    const range: BatchRange = { fromStart, toEnd: end === undefined };
    const reached = range.toEnd ? last : end!.k;
    for (let parentGone = 0; ; ) {
      try {
        total = await copyBatch(ex, names, facts, range, [...(fromStart ? [] : last!), ...(range.toEnd ? [] : end!.k)], reached, mode, lock);
        break;
      } catch (e) {
        const state = sqlState(e);
        // a row the batch read was deleted since by a cascade from the table its foreign
        // key points at: again, with a snapshot that no longer has it
        if (state === PG_ERRORS.foreignKeyViolation && ++parentGone < FOREIGN_KEY_RETRIES) continue;
        if (state !== PG_ERRORS.uniqueViolation || mode === 'conflict') throw e;
        // a writer wrote a key of the batch: from now on, leave out the keys found
        // (and this batch, having met one after its snapshot, skips conflicts)
        mode = mode === 'plain' ? 'anti' : 'conflict';
      }
    }
    if (mode === 'conflict') mode = 'anti';
    last = reached;
    progress?.({ rowsCopied: total, lastKey: last });
    if (range.toEnd) return total - start;
  }
}

/** Times a batch is run again after meeting a row whose parent a cascade deleted meanwhile. */
const FOREIGN_KEY_RETRIES = 5;

/**
 * The lock options of the batches: a lock_timeout below a fifth of deadlock_timeout
 * (and at most the step's), more attempts. A batch waiting for a writer holds the
 * rows it has inserted; a writer waiting for one of those while the batch waits for it
 * is a deadlock, and the batch must be the one to give up (its lock_timeout runs out
 * before the writer's deadlock check), not the application's statement.
 */
async function copyLockOptions(ex: Executor, opts: LockOptions): Promise<LockOptions> {
  const [row] = await ex.query<{ ms: string }>(`select setting as ms from pg_catalog.pg_settings where name = 'deadlock_timeout'`);
  const deadlockMs = Number(row?.ms ?? 1000);
  const lockTimeoutMs = Math.max(10, Math.min(opts.lockTimeoutMs ?? 1000, Math.floor(deadlockMs / 5)));
  return { ...opts, lockTimeoutMs, attempts: Math.max(opts.attempts ?? 6, 20) };
}

/** One batch, one transaction, one round trip; returns the rows copied so far. */
async function copyBatch(ex: Executor, names: ConversionNames, facts: SourceFacts, range: BatchRange, params: readonly string[], reached: string[] | null, mode: CopyMode, opts: LockOptions): Promise<number> {
  const { table } = names;
  const shadow = { schema: table.schema, name: names.shadow };
  const rows = await withLockRetryScript<{ total?: string }>(ex, { what: `copy rows of ${table.schema}.${table.name}`, relation: table }, opts, [
    // Each statement its own snapshot (the tombstones the insert waited for are seen by
    // the clean-up), whatever the session's default; a batch lost in a crash is lost
    // with its recorded position, so its commit need not wait for the disk.
    'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
    'SET LOCAL synchronous_commit = off',
    // never filtered by row-level security (checked before the first batch): fail instead
    'SET LOCAL row_security = off',
    inlineParameters(copyBatchSql(table, shadow, facts.columns, facts.key, range, mode, [batchRecordCte(table.schema, table.name, reached, range.toEnd ? 'copied' : 'copying')]), params),
    clearTombstonedSql(table, shadow, names.tombstones, facts.key, range, params, rowsRemovedSql(table.schema, table.name, 'n')),
    inlineParameters(rowsCopiedSql(), [table.schema, table.name]),
  ]);
  return Number(rows.value.at(-1)!.total);
}
