/**
 * The create steps of apply(): the new tables made beside their parent, 50 to a
 * transaction, then attached (or, beside a default partition and with no rows to
 * move, made in place) in short transactions that hold the parent under
 * lock_timeout — see apply.ts for why the application cannot notice them.
 */
import { attachPartitionSql } from '../ddl/partition-ddl.js';
import { moveGuardSql, triggersBackOnSql } from '../ddl/default-rows-sql.js';
import {
  addCheckSql,
  boundPredicate,
  commentOnTableSql,
  createLikeSql,
  dropConstraintSql,
  copyRowsSql,
  deleteMovedRowsSql,
  lockExclusiveSql,
  NO_FLUSH_WAIT_SQL,
  FLUSH_SQL,
} from '../ddl/maintenance-sql.js';
import { qualifiedLabel as label, type QualifiedName } from '../sql/quote.js';
import { RuntimeError } from '../errors.js';
import { sqlState, type Executor } from './executor.js';
import { hasConstraint, hasForeignKeys, partitionStates, type partitionState } from './introspect.js';
import { batchSize, foreignKeyStatements, inPlace, stepTogether, tablespaceFirst, togetherKind } from './create-together.js';
import { LockTimeoutError, withLockRetryScript } from './lock.js';
import { managedComment } from './marker.js';
import { FENCE_CONSTRAINT } from './fence.js';
import { PG_ERRORS } from './pg-errors.js';
import type { CreateOp } from './plan.js';
import { CREATE_TOGETHER_BUDGET_MS } from './step-limits.js';
import { failed, type ApplyOptions, type OpResult, type Step } from './apply-types.js';

/** The CHECK matching a bound that a table carries until it is attached (see {@link attachTable}). */
export const BOUND_CONSTRAINT = 'drizzle_partitions_bound';

// The create and attach steps commit without waiting for their WAL to reach the disk
// (the wait would also keep the parent held, beside a default partition, for a disk
// flush per partition). A crash of the server can only lose the latest of them whole,
// in commit order — as if the run had stopped before them, which the next plan finds
// and the next apply finishes; a write of the application's that relied on one
// (a row in the new partition) commits after it, and its own flush takes the step's
// along. applyCreates ends with one commit that does wait (FLUSH_SQL).

/** Tables one creation transaction makes at most: each holds its locks until the commit (max_locks_per_transaction). */
const CREATE_BATCH = 50;


/**
 * The bound of `op` as a CHECK on the new table, when rows are to move into it: ATTACH
 * then does not read them again while it holds the parent. A table that stays empty
 * needs none (ATTACH reads an empty table in no time), and then none is dropped after.
 */
function boundCheck(op: CreateOp): string | undefined {
  return op.default && op.defaultRows > 0 ? boundPredicate(op.keyColumn, op.bound) : undefined;
}

/** The statements that make `op`'s table beside its parent: shaped like it, its bound as a CHECK (see {@link boundCheck}), its sub-partitions, marked as ours. */
function createStatements(op: CreateOp, createdAt: Date): string[] {
  const check = boundCheck(op);
  return [
    ...tablespaceFirst(op),
    createLikeSql(op.partition, op.table, op.subpartitions?.partitionBy),
    // on a partitioned table the CHECK reaches every sub-partition created after it
    ...(check ? [addCheckSql(op.partition, BOUND_CONSTRAINT, check)] : []),
    ...(op.subpartitions?.statements ?? []),
    ...foreignKeyStatements(op),
    commentOnTableSql(op.partition, managedComment({ createdAt, reason: op.reason })),
  ];
}

/**
 * Makes the tables of `ops` empty beside their parent (ACCESS SHARE on the parent:
 * nobody waits), all of them in one transaction sent in one round trip. When that
 * fails on something other than a lock (a name taken since the plan, ...), each is
 * made alone, so that each gets its own result. Returns per op its attempts, or the error.
 */
async function createTables(ex: Executor, ops: readonly CreateOp[], opts: ApplyOptions): Promise<Map<CreateOp, { attempts: number; error?: unknown }>> {
  const out = new Map<CreateOp, { attempts: number; error?: unknown }>();
  if (ops.length === 0) return out;
  const createdAt = opts.now ?? new Date();
  const create = (batch: readonly CreateOp[]) =>
    withLockRetryScript(ex, { what: `create ${batch[0]!.partition.name}${batch.length > 1 ? ` and ${batch.length - 1} more table(s)` : ''}`, relation: batch[0]!.table }, opts, [NO_FLUSH_WAIT_SQL, ...batch.flatMap((op) => createStatements(op, createdAt))]);
  for (const op of ops) opts.onProgress?.({ op, phase: 'create' });
  try {
    const r = await create(ops);
    for (const op of ops) out.set(op, { attempts: r.attempts });
  } catch (e) {
    if (ops.length === 1 || e instanceof LockTimeoutError) {
      for (const op of ops) out.set(op, { attempts: (e as { attempts?: number }).attempts ?? 0, error: e });
      return out;
    }
    for (const op of ops) {
      try {
        out.set(op, { attempts: (await create([op])).attempts });
      } catch (e1) {
        out.set(op, { attempts: (e1 as { attempts?: number }).attempts ?? 0, error: e1 });
      }
    }
  }
  return out;
}

/**
 * Attaches `op`'s table: one transaction, sent in one round trip. Beside a default
 * partition it holds the parent first (every statement on the table waits at the
 * parent, before it reads the partition list, until it has committed), moves the
 * rows of the new range out of the default, then attaches. `fence`: drop the fence an
 * earlier version left on the default partition.
 */
export async function attachTable(ex: Executor, op: CreateOp, opts: ApplyOptions, fence: boolean): Promise<Step> {
  opts.onProgress?.({ op, phase: 'attach' });
  const predicate = boundPredicate(op.keyColumn, op.bound);
  const statements: string[] = [NO_FLUSH_WAIT_SQL, ...tablespaceFirst(op)];
  const move = op.default && predicate ? { from: op.default, predicate } : undefined;
  if (move) {
    // Held from here to the commit (ATTACH would take it anyway): nobody, not even a
    // session writing to the default partition by name, changes it between the copy
    // and the delete, so exactly the rows copied are deleted (and none when the copy
    // found none: the delete then does not read the default again).
    // A move, not the application deleting: stopped when a foreign key would act on
    // the rows, the default partition's user triggers off while they leave it.
    statements.push(
      lockExclusiveSql(move.from),
      moveGuardSql({ defaultPartition: move.from, partition: op.partition, predicate: move.predicate }),
      copyRowsSql(move.from, op.partition, move.predicate, op.columns),
      deleteMovedRowsSql(move.from, op.partition, move.predicate),
      triggersBackOnSql(move.from),
    );
  }
  // With the table's CHECK matching the bound, ATTACH does not scan the new table.
  statements.push(attachPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound }));
  // A table made by an earlier run (or version) may carry the CHECK whatever its rows.
  if (op.resume ? predicate : boundCheck(op)) statements.push(dropConstraintSql(op.partition, BOUND_CONSTRAINT));
  // A fence an earlier version left on the default would refuse inserts for good
  // (ATTACH already holds the default partition, so this waits for nothing).
  if (op.default && fence) statements.push(dropConstraintSql(op.default, FENCE_CONSTRAINT));
  // Beside a default partition, every statement on the table waits at the parent,
  // before it reads the partition list, until this transaction has committed.
  const hold = op.default ? { holdFirst: op.table } : {};
  let r: Awaited<ReturnType<typeof withLockRetryScript<{ n: string }>>>;
  try {
    r = await withLockRetryScript<{ n: string }>(ex, { what: `attach ${op.partition.name}`, relation: op.table, ...hold }, opts, statements);
  } catch (e) {
    if (move && sqlState(e) === PG_ERRORS.foreignKeyViolation) {
      throw new RuntimeError('ROWS_REFERENCED', `rows of ${op.partition.name} in default partition ${move.from.name} cannot move: ${(e as Error).message}`, 'move those rows (and what references them) yourself, then apply again');
    }
    throw e;
  }
  const movedRows = move ? Number(r.value[0]?.n ?? 0) : 0;
  opts.onProgress?.({ op, phase: 'attached', movedRows });
  const how = op.default ? `attached in one step holding the table${movedRows > 0 ? `, ${movedRows} row(s) moved out of ${op.default.name}` : ''}` : 'attached';
  return { status: 'done', attempts: r.attempts, movedRows, method: `${op.resume ? 'resumed' : 'created'}, ${how}${op.needsWindow ? ' (window)' : ''}` };
}

/**
 * Makes `op`'s partition in place ({@link inPlace}): one transaction, sent in one round
 * trip, that holds the parent first. When rows of its range reached the default
 * partition since the plan, PostgreSQL refuses it (the step rolls back whole) and the
 * partition is made beside the parent and attached, moving them.
 */
async function createInPlace(ex: Executor, op: CreateOp & { default: QualifiedName }, opts: ApplyOptions, fence: boolean): Promise<Step> {
  opts.onProgress?.({ op, phase: 'create' });
  opts.onProgress?.({ op, phase: 'attach' });
  let attempts = 0;
  try {
    attempts = (await stepTogether(ex, [op], opts, opts.now ?? new Date(), fence)).attempts;
  } catch (e) {
    if (sqlState(e) !== PG_ERRORS.checkViolation) throw e;
    const c = (await createTables(ex, [op], opts)).get(op)!;
    if (c.error !== undefined) throw c.error;
    const r = await attachTable(ex, op, opts, fence);
    return { ...r, attempts: Math.max(c.attempts, r.attempts) };
  }
  opts.onProgress?.({ op, phase: 'attached', movedRows: 0 });
  return { status: 'done', attempts, movedRows: 0, method: `created, attached in one step holding the table${op.needsWindow ? ' (window)' : ''}` };
}


/**
 * The steps of `group` in one transaction ({@link stepTogether}), or the step of its
 * one op alone (made in place, or attached): a result per op, the time per step, and
 * whether the fence on the default partition is gone. A lock that never came fails them all; any other failure, each
 * is tried alone, for its own result.
 */
async function runGroup(
  ex: Executor,
  group: readonly { op: CreateOp }[],
  created: ReadonlyMap<CreateOp, { attempts: number }>,
  opts: ApplyOptions,
  fence: boolean,
  before: number,
): Promise<{ results: OpResult[]; msPerStep?: number; fenceGone: boolean }> {
  const ops = group.map((x) => x.op);
  const madeAttempts = (op: CreateOp) => created.get(op)?.attempts ?? 0;
  let fenceGone = false;
  const alone = async (op: CreateOp, share: number): Promise<OpResult> => {
    const at = Date.now();
    try {
      const r = inPlace(op) ? await createInPlace(ex, op, opts, fence && !fenceGone) : await attachTable(ex, op, opts, fence && !fenceGone);
      if (op.default) fenceGone = true;
      return { op, ...r, attempts: Math.max(madeAttempts(op), r.attempts), ms: Math.round(before + share + Date.now() - at) };
    } catch (e) {
      const f = failed(op, e, Math.round(before + share + Date.now() - at));
      return { ...f, attempts: Math.max(madeAttempts(op), f.attempts) };
    }
  };
  const started = Date.now();
  if (ops.length === 1) {
    const result = await alone(ops[0]!, 0);
    return { results: [result], msPerStep: result.status === 'done' ? Date.now() - started : undefined, fenceGone };
  }
  for (const op of ops) {
    if (op.default) opts.onProgress?.({ op, phase: 'create' });
    opts.onProgress?.({ op, phase: 'attach' });
  }
  try {
    const r = await stepTogether(ex, ops, opts, opts.now ?? new Date(), fence);
    const msPerStep = (Date.now() - started) / ops.length;
    const method = `created, attached${ops[0]!.default ? ' in one step holding the table' : ''} in one transaction with ${ops.length - 1} other(s)`;
    const results = ops.map((op): OpResult => {
      opts.onProgress?.({ op, phase: 'attached', movedRows: 0 });
      return { op, status: 'done', movedRows: 0, method, attempts: Math.max(madeAttempts(op), r.attempts), ms: Math.round(before + msPerStep) };
    });
    return { results, msPerStep, fenceGone: ops[0]!.default !== null };
  } catch (e) {
    const share = (Date.now() - started) / ops.length;
    if (e instanceof LockTimeoutError) return { results: ops.map((op) => ({ ...failed(op, e, Math.round(before + share)), attempts: Math.max(madeAttempts(op), e.attempts) })), fenceGone };
    const results: OpResult[] = [];
    for (const op of ops) results.push(await alone(op, share));
    return { results, fenceGone };
  }
}

/**
 * Carries out consecutive create ops of one table (under its maintainer lock): their
 * state rechecked in one query, then, {@link CREATE_BATCH} at a time, the new tables
 * made in one transaction, then attached (or made in place), several to a short
 * transaction where they can (create-together.ts), else each in a transaction of its
 * own. A result per op, in order; `ms` is the op's attach plus its share of the check
 * and of its batch.
 */
export async function applyCreates(ex: Executor, ops: readonly CreateOp[], opts: ApplyOptions): Promise<OpResult[]> {
  const results: OpResult[] = new Array(ops.length);
  let started = Date.now();
  let fence = false;
  // several steps per transaction (create-together.ts), and the last time per step
  let together = false;
  let msPerStep: number | undefined;
  const budget = opts.createBatchMs ?? CREATE_TOGETHER_BUDGET_MS;
  const toMake: { i: number; op: CreateOp }[] = [];
  try {
    const states = await partitionStates(ex, ops[0]!.table, ops.map((op) => op.partition));
    for (const [i, op] of ops.entries()) {
      const current = recheckCreate(op, states[i]!);
      if (op.blockedBy) results[i] = { op, status: 'skipped', code: 'CREATE_BLOCKED', reason: `${op.partition.name} cannot be created yet: ${op.blockedBy}`, attempts: 0, ms: 0 };
      else if ('skip' in current) results[i] = { op, status: 'skipped', reason: current.skip, attempts: 0, ms: 0 };
      else if (current.needsWindow && !opts.window) {
        results[i] = { op, status: 'skipped', attempts: 0, code: 'NEEDS_WINDOW', ms: 0, reason: `${op.partition.name} needs a maintenance window: ${current.needsWindow}; run apply with window: true (--window) when the application can wait for it` };
      } else toMake.push({ i, op: current });
    }
    // plan() reports a fence left on the default (fence-left); ensurePartitions does not look.
    const dflt = toMake.find((x) => x.op.default)?.op.default;
    if (dflt) fence = await hasConstraint(ex, dflt, FENCE_CONSTRAINT);
    together = budget > 0 && toMake.filter((x) => togetherKind(x.op)).length > 1 && !(await hasForeignKeys(ex, ops[0]!.table));
  } catch (e) {
    return ops.map((op) => failed(op, e, Date.now() - started));
  }
  const shared = (Date.now() - started) / Math.max(1, toMake.length);
  for (let k = 0; k < toMake.length; k += CREATE_BATCH) {
    const chunk = toMake.slice(k, k + CREATE_BATCH);
    const fresh = chunk.filter((x) => !x.op.resume && !inPlace(x.op)).map((x) => x.op);
    started = Date.now();
    const created = await createTables(ex, fresh, opts);
    const createShare = (Date.now() - started) / Math.max(1, fresh.length);
    for (let m = 0; m < chunk.length; m++) {
      const { i, op } = chunk[m]!;
      const c = created.get(op);
      const before = shared + (c ? createShare : 0);
      if (c?.error !== undefined) {
        results[i] = failed(ops[i]!, c.error, Math.round(before));
        continue;
      }
      // this step alone, or with the next ones of its kind, as many as the budget allows
      const kind = together ? togetherKind(op) : undefined;
      const size = kind ? batchSize(msPerStep, chunk.length, budget) : 1;
      let n = m + 1;
      while (n < chunk.length && n - m < size && togetherKind(chunk[n]!.op) === kind && chunk[n]!.op.tablespace === op.tablespace && created.get(chunk[n]!.op)?.error === undefined) n++;
      const group = chunk.slice(m, n);
      m = n - 1;
      const step = await runGroup(ex, group, created, opts, fence, before);
      if (step.msPerStep !== undefined) msPerStep = step.msPerStep;
      if (step.fenceGone) fence = false;
      for (const [j, r] of step.results.entries()) results[group[j]!.i] = { ...r, op: ops[group[j]!.i]! };
    }
  }
  // What apply() reports done is on disk when it returns (see NO_FLUSH_WAIT_SQL); a failure
  // here leaves it to the server's WAL writer, a fraction of a second later.
  if (toMake.length > 0) await ex.query(FLUSH_SQL).catch(() => undefined);
  return results;
}

/** A create op as things stand now (`s`, its partition's state): already done, to resume, or to make. */
type PartitionState = Awaited<ReturnType<typeof partitionState>>;

export function recheckCreate(op: CreateOp, s: PartitionState): CreateOp | { skip: string } {
  if (s.attached && !s.pending) return { skip: `${label(op.partition)} of ${label(op.table)} is already attached (another run created it)` };
  if (!s.exists && op.resume) return { ...op, resume: false };
  if (s.exists && !s.attached && s.managed && !op.resume) return { ...op, resume: true };
  return op;
}
