/**
 * Several create steps of one table in one short transaction. One transaction per new
 * partition costs PostgreSQL a rebuild of the parent's partition list at the start of
 * each (every bound parsed again, and the backend's memory freed and faulted back in):
 * at 1,000 partitions, ATTACHes one per transaction took 4.5 s against 1.6 s in one
 * (bench/README.md). Several per transaction share that cost; the transaction stays
 * short, sized from the last time per step ({@link batchSize}) to last about
 * {@link CREATE_TOGETHER_BUDGET_MS}, which is what one step may hold the table for
 * anyway (step-limits.ts).
 *
 * - `attach`, on a table without a default partition: the tables made beside the
 *   parent are ATTACHed, which takes the parent in SHARE UPDATE EXCLUSIVE mode only
 *   (the application's reads and writes go on); the tables are nobody else's until the
 *   commit.
 * - `in-place`, beside a default partition, for partitions with no rows to move: the
 *   step that holds the parent in ACCESS EXCLUSIVE mode (and the default partition)
 *   makes several with CREATE TABLE ... PARTITION OF, as it makes one (apply.ts).
 *
 * The transaction takes the parent first, waiting at most lock_timeout, then runs under
 * the short lock_timeout of a step that holds its table (lock.ts). Never for a table
 * resumed from an earlier run, a family's table with foreign keys, nor on a parent
 * with foreign keys to or from it (the caller checks): ATTACH and PARTITION OF then
 * take the other table in SHARE ROW EXCLUSIVE mode, which stops its writes.
 */
import { attachPartitionSql, createPartitionSql } from '../ddl/partition-ddl.js';
import { addForeignKeySql, commentOnTableSql, dropConstraintSql, localDefaultTablespaceSql, lockExclusiveSql, NO_FLUSH_WAIT_SQL } from '../ddl/maintenance-sql.js';
import type { QualifiedName } from '../sql/quote.js';
import type { Executor } from './executor.js';
import { FENCE_CONSTRAINT } from './fence.js';
import { withLockRetryScript, type LockOptions } from './lock.js';
import { managedComment } from './marker.js';
import type { CreateOp } from './plan.js';
import { CREATE_TOGETHER_BUDGET_MS } from './step-limits.js';

/** How create steps share a transaction (see the module comment). */
export type TogetherKind = 'attach' | 'in-place';

/**
 * Beside a default partition, a new partition into which no rows are to move is made
 * in place, in the step that holds the parent (which CREATE TABLE ... PARTITION OF
 * takes in ACCESS EXCLUSIVE mode anyway, as the step does first): one step instead of
 * a table made beside the parent and attached, and a shorter hold (ATTACH costs more
 * than PARTITION OF). Not for a table that is sub-partitioned (its sub-partitions
 * would be made while the parent is held) nor without a default partition (there
 * ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent).
 *
 * @example
 * ```ts
 * if (inPlace(op)) console.log(`${op.partition.name}: made in place beside ${op.default.name}`);
 * ```
 */
export function inPlace(op: CreateOp): op is CreateOp & { default: QualifiedName } {
  return op.default !== null && !op.resume && op.defaultRows === 0 && !op.subpartitions;
}

/**
 * How `op`'s step may share a transaction with the next ones', or undefined when it
 * goes alone.
 *
 * @example
 * ```ts
 * togetherKind(op); // 'attach' without a default partition, 'in-place' beside an empty one
 * ```
 */
export function togetherKind(op: CreateOp): TogetherKind | undefined {
  if (op.resume || op.foreignKeys?.length || op.needsWindow) return undefined;
  if (op.default === null) return 'attach';
  return inPlace(op) ? 'in-place' : undefined;
}

/**
 * How many steps the next transaction takes: 1 while nothing is measured, then as many
 * as fit `budgetMs` (default {@link CREATE_TOGETHER_BUDGET_MS}) at the last time per
 * step, at most `max`.
 *
 * @example
 * ```ts
 * batchSize(undefined, 50); // 1
 * batchSize(2.5, 50); // 10
 * ```
 */
export function batchSize(msPerStep: number | undefined, max: number, budgetMs = CREATE_TOGETHER_BUDGET_MS): number {
  if (msPerStep === undefined) return 1;
  return Math.max(1, Math.min(max, Math.floor(budgetMs / Math.max(msPerStep, 0.001))));
}

/**
 * With a tablespace for `op`: the table, its sub-partitions and the indexes made with
 * them (or by ATTACH) go there, for the rest of the transaction.
 *
 * @example
 * ```ts
 * const statements = [...tablespaceFirst(op), createLikeSql(op.partition, op.table)];
 * ```
 */
export function tablespaceFirst(op: CreateOp): string[] {
  return op.tablespace ? [localDefaultTablespaceSql(op.tablespace)] : [];
}

/**
 * A partition family's foreign keys from `op`'s new table to the matching partitions (family-order.ts).
 *
 * @example
 * ```ts
 * const statements = [createLikeSql(op.partition, op.table), ...foreignKeyStatements(op)];
 * ```
 */
export function foreignKeyStatements(op: CreateOp): string[] {
  return (op.foreignKeys ?? []).map((fk) => addForeignKeySql(op.partition, fk.name, fk.columns, fk.references, fk.referencedColumns));
}

/** The statements that make `op`'s partition in place, add its family's foreign keys, and mark it as ours. */
function inPlaceStatements(op: CreateOp, createdAt: Date): string[] {
  return [
    createPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound }),
    ...foreignKeyStatements(op),
    commentOnTableSql(op.partition, managedComment({ createdAt, reason: op.reason })),
  ];
}

/**
 * Carries out the steps of `ops` (one parent, one {@link TogetherKind}, one tablespace;
 * one op alone may be any op made in place) in one transaction sent in one round trip,
 * retried whole on a lock timeout; `fence`:
 * drop the fence an earlier version left on the default partition. Throws as the
 * transaction failed: then none of them is done.
 *
 * @example
 * ```ts
 * const { attempts } = await stepTogether(ex, ops.slice(0, 10), { lockTimeoutMs: 1000 }, new Date(), false);
 * ```
 */
export async function stepTogether(ex: Executor, ops: readonly CreateOp[], opts: LockOptions, createdAt: Date, fence: boolean): Promise<{ attempts: number }> {
  const first = ops[0]!;
  const statements = [NO_FLUSH_WAIT_SQL, ...tablespaceFirst(first)];
  const more = ops.length > 1 ? ` and ${ops.length - 1} more` : '';
  if (first.default) {
    // the default partition, as the attach step takes it (PARTITION OF reads it)
    statements.push(lockExclusiveSql(first.default), ...ops.flatMap((op) => inPlaceStatements(op, createdAt)));
    if (fence) statements.push(dropConstraintSql(first.default, FENCE_CONSTRAINT));
    return withLockRetryScript(ex, { what: `create and attach ${first.partition.name}${more}`, relation: first.table, holdFirst: first.table }, opts, statements);
  }
  statements.push(...ops.map((op) => attachPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound })));
  return withLockRetryScript(ex, { what: `attach ${first.partition.name}${more}`, relation: first.table, holdFirst: first.table, holdMode: 'SHARE UPDATE EXCLUSIVE' }, opts, statements);
}
