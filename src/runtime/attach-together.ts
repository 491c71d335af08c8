/**
 * Several new partitions attached in one transaction, on a table without a default
 * partition. There ATTACH PARTITION takes the parent in SHARE UPDATE EXCLUSIVE mode
 * only: the application's reads and writes go on while it runs, and the tables
 * being attached are new, made by this run, and nobody else's until the commit.
 * One transaction per attach costs PostgreSQL a rebuild of the parent's partition
 * list (every bound parsed again) at the start of each transaction, about three times
 * the attach itself at 1,000 partitions (bench/README.md); several per transaction
 * share it.
 *
 * The transaction takes the parent first, waiting at most lock_timeout, then runs
 * under the short lock_timeout of a step that holds its table (lock.ts); its length
 * is kept near {@link ATTACH_TOGETHER_BUDGET_MS} by sizing each batch from the time
 * per attach of the one before ({@link attachBatchSize}).
 *
 * Not for a table with a default partition (a step there holds the parent in ACCESS
 * EXCLUSIVE mode and goes one partition at a time), a table resumed from an earlier
 * run (its CHECK to drop), a family's new table with foreign keys, or a parent with
 * foreign keys to or from it (ATTACH then takes the other table in SHARE ROW
 * EXCLUSIVE mode, which stops its writes): those attach one per transaction.
 */
import { attachPartitionSql } from '../ddl/partition-ddl.js';
import { localDefaultTablespaceSql, NO_FLUSH_WAIT_SQL } from '../ddl/maintenance-sql.js';
import type { Executor } from './executor.js';
import { withLockRetryScript, type LockOptions } from './lock.js';
import type { CreateOp } from './plan.js';
import { ATTACH_TOGETHER_BUDGET_MS } from './step-limits.js';

/**
 * Whether `op`'s table may be attached in a transaction with others (see the module
 * comment; the parent's own foreign keys are checked once per table by the caller).
 *
 * @example
 * ```ts
 * const together = ops.filter(attachableTogether);
 * ```
 */
export function attachableTogether(op: CreateOp): boolean {
  return op.default === null && !op.resume && !op.foreignKeys?.length;
}

/**
 * How many tables the next transaction attaches: 1 while nothing is measured, then
 * as many as fit {@link ATTACH_TOGETHER_BUDGET_MS} at the last time per attach, at
 * most `max`.
 *
 * @example
 * ```ts
 * attachBatchSize(undefined, 50); // 1
 * attachBatchSize(2.5, 50); // 10
 * ```
 */
export function attachBatchSize(msPerAttach: number | undefined, max: number): number {
  if (msPerAttach === undefined) return 1;
  return Math.max(1, Math.min(max, Math.floor(ATTACH_TOGETHER_BUDGET_MS / Math.max(msPerAttach, 0.001))));
}

/**
 * Attaches the tables of `ops` (all of one parent, {@link attachableTogether}, with one
 * tablespace) in one transaction sent in one round trip, retried whole on a lock
 * timeout. Throws as the transaction failed: then none of them is attached.
 *
 * @example
 * ```ts
 * const { attempts } = await attachTogether(ex, ops.slice(0, 10), { lockTimeoutMs: 1000 });
 * ```
 */
export async function attachTogether(ex: Executor, ops: readonly CreateOp[], opts: LockOptions): Promise<{ attempts: number }> {
  const first = ops[0]!;
  const statements = [
    NO_FLUSH_WAIT_SQL,
    ...(first.tablespace ? [localDefaultTablespaceSql(first.tablespace)] : []),
    ...ops.map((op) => attachPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound })),
  ];
  const what = `attach ${first.partition.name}${ops.length > 1 ? ` and ${ops.length - 1} more table(s)` : ''}`;
  const r = await withLockRetryScript(ex, { what, relation: first.table, holdFirst: first.table, holdMode: 'SHARE UPDATE EXCLUSIVE' }, opts, statements);
  return { attempts: r.attempts };
}
