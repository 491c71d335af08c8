/**
 * Carries out a maintenance plan and returns a result per operation (done / failed
 * with the reason / skipped). It never throws halfway, and every step is one
 * transaction: a crash or a failed step leaves nothing half-done, and the next run
 * converges.
 *
 * The application must not notice. So a partition is attached (or made in place)
 * beside a default partition in a single transaction that first takes the parent in ACCESS EXCLUSIVE
 * mode (under lock_timeout, retried): every statement on the table waits at the
 * parent, before it reads the list of partitions, until the rows of the new range
 * have moved out of the default and the partition is attached; then it plans
 * against the new list. No statement sees a row missing, updates or deletes 0 rows
 * because its row moved, inserts a duplicate key, or is refused by a partition
 * constraint that changed under it. The wait is bounded by the step limits
 * (step-limits.ts); past them the step needs a window.
 */
import { attachPartitionSql, createPartitionSql, detachPartitionSql, dropTableSql } from '../ddl/partition-ddl.js';
import { moveGuardSql, triggersBackOnSql } from '../ddl/default-rows-sql.js';
import {
  addCheckSql,
  addForeignKeySql,
  boundPredicate,
  commentOnTableSql,
  createLikeSql,
  createSchemaSql,
  dropConstraintSql,
  copyRowsSql,
  deleteMovedRowsSql,
  lockExclusiveSql,
  setSchemaSql,
  localDefaultTablespaceSql,
} from '../ddl/maintenance-sql.js';
import { moveToTablespace } from './tablespace.js';
import { quoteQualified, type QualifiedName } from '../sql/quote.js';
import { DrizzlePartitionsError, RuntimeError } from '../errors.js';
import { sqlState, type DatabaseLike, type Executor } from './executor.js';
import { hasConstraint, partitionState, partitionStates } from './introspect.js';
import { LockTimeoutError, releaseMaintainerLock, takeMaintainerLock, withLockRetry, withLockRetryScript, type LockOptions } from './lock.js';
import { managedComment, retiredComment, retiringComment } from './marker.js';
import { FENCE_CONSTRAINT } from './fence.js';
import { PG_ERRORS } from './pg-errors.js';
import type { CreateOp, FinalizeOp, FinishRetireOp, MaintenanceOp, MaintenancePlan, RetireOp, TablePlan } from './plan.js';
import { withSession } from './session.js';

/**
 * A step of an operation beginning (`movedRows` once an attach that moved rows has committed).
 *
 * @example
 * ```ts
 * await apply(db, work, { onProgress: (e: ProgressEvent) => console.log(e.op.partition.name, e.phase, e.movedRows ?? '') });
 * ```
 */
export interface ProgressEvent {
  op: MaintenanceOp;
  phase: 'create' | 'attach' | 'attached' | 'detach';
  movedRows?: number;
}

/**
 * Options of {@link apply} (and of ensurePartitions).
 *
 * @example
 * ```ts
 * await apply(db, p, { allowDestructive: true, lockTimeoutMs: 500, onProgress: (e) => console.error(e.phase, e.op.partition.name) });
 * ```
 */
export interface ApplyOptions extends LockOptions {
  /** Retire steps (detach, drop, move) only run with this (the CLI's --yes). */
  allowDestructive?: boolean;
  /**
   * Carry out steps the plan marked `needsWindow` too (the CLI's --window): the
   * application waits at the table for the whole move. For a maintenance window.
   */
  window?: boolean;
  /** A second maintainer on the same table: wait for it, or skip the table (default skip). */
  concurrentMaintainer?: 'wait' | 'skip';
  /** How long `wait` waits, in ms (default 30,000). */
  maintainerWaitMs?: number;
  /** Use DETACH ... CONCURRENTLY where the server allows it (default true). */
  detachConcurrently?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  /** The clock, for the marks written on partitions. */
  now?: Date;
}

/**
 * What happened to one operation.
 *
 * @example
 * ```ts
 * const failed: OpResult[] = result.results.filter((r) => r.status === 'failed');
 * for (const r of failed) console.error(r.op.partition.name, r.code, r.reason);
 * ```
 */
export interface OpResult {
  op: MaintenanceOp;
  status: 'done' | 'failed' | 'skipped';
  /** Why it failed or was skipped, as a sentence. */
  reason?: string;
  /** Error code, when it failed with one (LOCK_TIMEOUT, a SQLSTATE, ...). */
  code?: string;
  /** Lock attempts used by the step that needed the most. */
  attempts: number;
  movedRows?: number;
  /** How the step was done, e.g. 'detach concurrently' or 'detach (default partition present)'. */
  method?: string;
  ms: number;
}

/**
 * The outcome of {@link apply}: one result per operation of the plan.
 *
 * @example
 * ```ts
 * const result: ApplyResult = await apply(db, await plan(db, [events]));
 * if (result.skippedTables.length) console.warn('maintained elsewhere:', result.skippedTables);
 * ```
 */
export interface ApplyResult {
  results: OpResult[];
  /** Tables skipped because another maintainer held their lock. */
  skippedTables: string[];
}

/** The CHECK matching a bound that a table carries until it is attached (see {@link attachTable}). */
export const BOUND_CONSTRAINT = 'drizzle_partitions_bound';
const label = (q: QualifiedName) => `${q.schema ?? 'public'}.${q.name}`;

/**
 * The create and attach steps commit without waiting for their WAL to reach the disk
 * (the wait would also keep the parent held, beside a default partition, for a disk
 * flush per partition). A crash of the server can only lose the latest of them whole,
 * in commit order — as if the run had stopped before them, which the next plan finds
 * and the next apply finishes; a write of the application's that relied on one
 * (a row in the new partition) commits after it, and its own flush takes the step's
 * along. {@link applyCreates} ends with one commit that does wait ({@link FLUSH}).
 */
const NO_FLUSH_WAIT = 'SET LOCAL synchronous_commit = off';
/** A transaction that writes its commit record and waits for it (at the session's synchronous_commit): every step before it is on disk. */
const FLUSH = 'SELECT pg_catalog.txid_current() IS NOT NULL AS ok';

/** Tables one creation transaction makes at most: each holds its locks until the commit (max_locks_per_transaction). */
const CREATE_BATCH = 50;

/** An op's result before its op and time are added. */
export type Step = Omit<OpResult, 'op' | 'ms'>;

/**
 * The bound of `op` as a CHECK on the new table, when rows are to move into it: ATTACH
 * then does not read them again while it holds the parent. A table that stays empty
 * needs none (ATTACH reads an empty table in no time), and then none is dropped after.
 */
function boundCheck(op: CreateOp): string | undefined {
  return op.default && op.defaultRows > 0 ? boundPredicate(op.keyColumn, op.bound) : undefined;
}

/** With a tablespace for `op`: the table, its sub-partitions and the indexes made with them (or by ATTACH) go there. */
function tablespaceFirst(op: CreateOp): string[] {
  return op.tablespace ? [localDefaultTablespaceSql(op.tablespace)] : [];
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

/** A partition family's foreign keys from `op`'s new table to the matching partitions (family-order.ts). */
function foreignKeyStatements(op: CreateOp): string[] {
  return (op.foreignKeys ?? []).map((fk) => addForeignKeySql(op.partition, fk.name, fk.columns, fk.references, fk.referencedColumns));
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
    withLockRetryScript(ex, { what: `create ${batch[0]!.partition.name}${batch.length > 1 ? ` and ${batch.length - 1} more table(s)` : ''}`, relation: batch[0]!.table }, opts, [NO_FLUSH_WAIT, ...batch.flatMap((op) => createStatements(op, createdAt))]);
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
  const statements: string[] = [NO_FLUSH_WAIT, ...tablespaceFirst(op)];
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
 * Beside a default partition, a new partition into which no rows are to move is made
 * in place, in the step that holds the parent (which CREATE TABLE ... PARTITION OF
 * takes in ACCESS EXCLUSIVE mode anyway, as the step does first): one step instead of
 * a table made beside the parent and attached, and a shorter hold (ATTACH costs more
 * than PARTITION OF). Not for a table that is sub-partitioned (its sub-partitions
 * would be made while the parent is held) nor without a default partition (there
 * ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent).
 */
function inPlace(op: CreateOp): op is CreateOp & { default: QualifiedName } {
  return op.default !== null && !op.resume && op.defaultRows === 0 && !op.subpartitions;
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
  const statements = [
    NO_FLUSH_WAIT,
    ...tablespaceFirst(op),
    // the default partition, as the attach step takes it (PARTITION OF reads it)
    lockExclusiveSql(op.default),
    createPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound }),
    ...foreignKeyStatements(op),
    commentOnTableSql(op.partition, managedComment({ createdAt: opts.now ?? new Date(), reason: op.reason })),
    ...(fence ? [dropConstraintSql(op.default, FENCE_CONSTRAINT)] : []),
  ];
  let attempts = 0;
  try {
    attempts = (await withLockRetryScript(ex, { what: `create and attach ${op.partition.name}`, relation: op.table, holdFirst: op.table }, opts, statements)).attempts;
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

function failed(op: MaintenanceOp, e: unknown, ms: number): OpResult {
  const code = e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
  return { op, status: 'failed', reason: (e as Error).message, code, attempts: (e as { attempts?: number }).attempts ?? 0, ms };
}

/**
 * Carries out consecutive create ops of one table (under its maintainer lock): their
 * state rechecked in one query, then, {@link CREATE_BATCH} at a time, the new tables
 * made in one transaction and each attached in a transaction of its own. A result per
 * op, in order; `ms` is the op's attach plus its share of the check and of its batch.
 */
export async function applyCreates(ex: Executor, ops: readonly CreateOp[], opts: ApplyOptions): Promise<OpResult[]> {
  const results: OpResult[] = new Array(ops.length);
  let started = Date.now();
  let fence = false;
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
    for (const { i, op } of chunk) {
      const c = created.get(op);
      const before = shared + (c ? createShare : 0);
      if (c?.error !== undefined) {
        results[i] = failed(ops[i]!, c.error, Math.round(before));
        continue;
      }
      started = Date.now();
      try {
        const r = inPlace(op) ? await createInPlace(ex, op, opts, fence) : await attachTable(ex, op, opts, fence);
        if (op.default) fence = false;
        results[i] = { op: ops[i]!, ...r, attempts: Math.max(c?.attempts ?? 0, r.attempts), ms: Math.round(before + Date.now() - started) };
      } catch (e) {
        const f = failed(ops[i]!, e, Math.round(before + Date.now() - started));
        results[i] = { ...f, attempts: Math.max(c?.attempts ?? 0, f.attempts) };
      }
    }
  }
  // What apply() reports done is on disk when it returns (see NO_FLUSH_WAIT); a failure
  // here leaves it to the server's WAL writer, a fraction of a second later.
  if (toMake.length > 0) await ex.query(FLUSH).catch(() => undefined);
  return results;
}

/** Detaches a partition: CONCURRENTLY where the server, the table (no default partition) and the driver allow it, else plain under lock_timeout holding the parent first. */
export async function detach(ex: Executor, op: RetireOp | FinalizeOp, opts: ApplyOptions, finalize = false): Promise<{ attempts: number; method: string }> {
  const version = await ex.serverVersionNum();
  if (finalize) {
    const r = await withLockRetry(ex, { what: `finish detaching ${op.partition.name}`, relation: op.table, transactional: false }, opts, (x) =>
      x.query(detachPartitionSql({ parent: op.table, partition: op.partition, mode: 'finalize' })),
    );
    return { attempts: r.attempts, method: 'detach finalize' };
  }
  const retire = op as RetireOp;
  const canConcurrently = version >= 140000 && !retire.parentHasDefault && ex.canOpenAnother && opts.detachConcurrently !== false;
  if (canConcurrently) {
    // An attempt whose second transaction timed out has committed its first: the
    // partition is detach-pending and only FINALIZE can go on (CONCURRENTLY again is refused).
    let mode = 'concurrently' as 'concurrently' | 'finalize';
    const r = await withLockRetry(ex, { what: `detach ${op.partition.name} concurrently`, relation: op.table, transactional: false }, opts, async (x) => {
      if (mode === 'concurrently' && (await partitionState(x, op.table, op.partition)).pending) mode = 'finalize';
      return x.query(detachPartitionSql({ parent: op.table, partition: op.partition, mode }));
    });
    return { attempts: r.attempts, method: mode === 'finalize' ? 'detach concurrently (finished with FINALIZE)' : 'detach concurrently' };
  }
  const why = version < 140000 ? `PostgreSQL ${Math.floor(version / 10000)} has no DETACH CONCURRENTLY` : retire.parentHasDefault ? 'the table has a default partition, which DETACH CONCURRENTLY refuses' : !ex.canOpenAnother ? 'this driver has a single connection' : 'detachConcurrently: false';
  // DETACH takes the parent in ACCESS EXCLUSIVE mode anyway: take it first, so the application waits at one place.
  const r = await withLockRetry(ex, { what: `detach ${op.partition.name}`, relation: op.table, holdFirst: op.table }, opts, (tx) => tx.query(detachPartitionSql({ parent: op.table, partition: op.partition })));
  return { attempts: r.attempts, method: `detach with lock_timeout (${why})` };
}

/** Retires one partition by its action: marked retiring, detached, then marked retired (and dropped or moved); a tablespace move keeps it attached. */
export async function applyRetire(ex: Executor, op: RetireOp, opts: ApplyOptions): Promise<Step> {
  const at = opts.now ?? new Date();
  if (op.action.kind === 'move-tablespace') {
    const ts = op.action.tablespace;
    const r = await moveToTablespace(ex, op.partition, ts, opts);
    return { status: 'done', attempts: r.attempts, method: `moved to tablespace ${ts} with ${r.indexes} index(es) (still attached)` };
  }
  opts.onProgress?.({ op, phase: 'detach' });
  // Marked first: a run that stops between the detach and the end of the retirement
  // leaves a table the next plan recognises (finish-retire) instead of an orphan.
  await withLockRetry(ex, { what: `mark ${op.partition.name} as retiring`, relation: op.partition }, opts, (tx) =>
    tx.query(commentOnTableSql(op.partition, retiringComment({ at, action: op.action.kind, from: label(op.table) }))),
  );
  const d = await detach(ex, op, opts);
  return finishRetire(ex, op, op.action, d, at, opts);
}

/**
 * The end of a retirement, once the partition is detached: the retired mark, and the
 * action, together in one transaction (drop: the table goes, mark and all). Until it
 * commits the table keeps its `retiring` mark, which the next plan finds.
 */
async function finishRetire(ex: Executor, op: RetireOp | FinalizeOp | FinishRetireOp, action: RetireOp['action'] | undefined, d: { attempts: number; method: string }, at: Date, opts: ApplyOptions): Promise<Step> {
  const mark = commentOnTableSql(op.partition, retiredComment({ at, action: action?.kind ?? 'detach', from: label(op.table) }));
  if (action?.kind === 'drop') {
    const r = await withLockRetry(ex, { what: `drop ${op.partition.name}`, relation: op.partition }, opts, (tx) => tx.query(dropTableSql({ table: op.partition })));
    return { status: 'done', attempts: Math.max(d.attempts, r.attempts), method: `${d.method}, dropped` };
  }
  if (action?.kind === 'move-schema') {
    const schema = action.schema;
    const r = await withLockRetry(ex, { what: `move ${op.partition.name} to schema ${schema}`, relation: op.partition }, opts, async (tx) => {
      await tx.query(mark);
      await dropForeignKeysIntoPartitioned(tx, op.partition);
      await tx.query(createSchemaSql(schema));
      await tx.query(setSchemaSql(op.partition, schema));
    });
    return { status: 'done', attempts: Math.max(d.attempts, r.attempts), method: `${d.method}, moved to schema ${schema}` };
  }
  const r = await withLockRetry(ex, { what: `mark ${op.partition.name} as retired`, relation: op.partition }, opts, async (tx) => {
    await tx.query(mark);
    await dropForeignKeysIntoPartitioned(tx, op.partition);
  });
  return { status: 'done', attempts: Math.max(d.attempts, r.attempts), method: `${d.method}, table kept` };
}

/**
 * A detached partition keeps, as a constraint of its own, the foreign keys it had
 * through its parent. One into a partitioned table (or a partition) would make that
 * table's own retirement fail while the kept rows reference it: the retired table
 * gives it up (partition families, family-order.ts).
 */
async function dropForeignKeysIntoPartitioned(tx: Executor, table: QualifiedName): Promise<void> {
  const rows = await tx.query<{ name: string }>(
    `select c.conname as name from pg_catalog.pg_constraint c join pg_catalog.pg_class r on r.oid = c.confrelid
     where c.conrelid = to_regclass($1) and c.contype = 'f' and c.conparentid = 0 and (r.relkind = 'p' or r.relispartition) order by 1`,
    [quoteQualified(table)],
  );
  for (const { name } of rows) await tx.query(dropConstraintSql(table, name));
}

/**
 * The plan was read before the maintainer lock was taken: another maintainer may
 * have carried out some of it since (`concurrentMaintainer: 'wait'`, or a run that
 * finished in between). Returns the op to run as things stand now, or why there is
 * nothing left to do.
 */
/** A create op as things stand now (`s`, its partition's state): already done, to resume, or to make. */
type PartitionState = Awaited<ReturnType<typeof partitionState>>;

function recheckCreate(op: CreateOp, s: PartitionState): CreateOp | { skip: string } {
  if (s.attached && !s.pending) return { skip: `${label(op.partition)} of ${label(op.table)} is already attached (another run created it)` };
  if (!s.exists && op.resume) return { ...op, resume: false };
  if (s.exists && !s.attached && s.managed && !op.resume) return { ...op, resume: true };
  return op;
}

async function recheck(ex: Executor, op: MaintenanceOp): Promise<MaintenanceOp | { skip: string }> {
  const s = await partitionState(ex, op.table, op.partition);
  const where = `${label(op.partition)} of ${label(op.table)}`;
  switch (op.kind) {
    case 'create':
      return recheckCreate(op, s);
    case 'retire':
      return s.attached ? op : { skip: `${where} is already retired (another run detached it)` };
    case 'finalize-detach':
      return s.attached && s.pending ? op : { skip: `the detach of ${where} is already finished (another run finished it)` };
    case 'finish-retire':
      return s.exists && !s.attached ? op : { skip: `${where} is no longer waiting to be retired` };
  }
}

/** Every op but a create (see {@link applyCreates}). */
async function applyOne(ex: Executor, op: Exclude<MaintenanceOp, CreateOp>, opts: ApplyOptions): Promise<Step> {
  switch (op.kind) {
    case 'retire':
      if (op.blockedBy?.length) return { status: 'skipped', attempts: 0, reason: `rows of ${op.blockedBy.join(' and ')} reference ${op.partition.name} through a foreign key: retiring it would fail` };
      if (!opts.allowDestructive) return { status: 'skipped', attempts: 0, reason: `retiring ${op.partition.name} (${op.action.kind}) needs allowDestructive (--yes)` };
      return applyRetire(ex, op, opts);
    case 'finish-retire': {
      // Detached already; the retirement's end (mark, then drop or move) is what is left.
      const destructive = op.action !== undefined && op.action.kind !== 'detach' && op.action.kind !== 'move-tablespace';
      if (destructive && !opts.allowDestructive) return { status: 'skipped', attempts: 0, reason: `finishing the retirement of ${op.partition.name} (${op.action!.kind}) needs allowDestructive (--yes)` };
      return finishRetire(ex, op, destructive ? op.action : undefined, { attempts: 0, method: 'detached by an earlier run' }, opts.now ?? new Date(), opts);
    }
    case 'finalize-detach': {
      const d = await detach(ex, op, opts, true);
      // Finishing a detach that was already under way is not a new destructive step;
      // dropping or moving the table afterwards is. Either way the table is marked
      // retired, as every retired partition is (it keeps no "managed" mark that a
      // later run could take for a half-made partition of its own and re-attach).
      const destructive = op.action !== undefined && op.action.kind !== 'detach' && op.action.kind !== 'move-tablespace';
      return finishRetire(ex, op, destructive && opts.allowDestructive ? op.action : undefined, d, opts.now ?? new Date(), opts);
    }
  }
}

/**
 * Applies `plan`. Each table is maintained under its advisory lock; each step is
 * its own short transaction with `lock_timeout` and retries.
 *
 * @example
 * ```ts
 * const result = await apply(db, await plan(db, [events]), { allowDestructive: true, onProgress: console.log });
 * for (const r of result.results) console.log(r.op.kind, r.op.partition.name, r.status, r.reason ?? '');
 * ```
 */
export async function apply(db: DatabaseLike, plan: MaintenancePlan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  return withSession(db, async (ex) => {
    const results: OpResult[] = [];
    const skippedTables = new Set<string>();
    const runOpts = { ...opts, now: opts.now ?? plan.now };
    // Partition families (family-order.ts): plan() puts referenced tables first.
    // Everything but retirements runs in that order (parents' partitions exist before
    // their children's), then the retirements in the reverse one (a referencing
    // table's partition goes before the one it references).
    const passes: [readonly TablePlan[], (op: MaintenanceOp) => boolean][] = [
      [plan.tables, (op) => op.kind !== 'retire'],
      [[...plan.tables].reverse(), (op) => op.kind === 'retire'],
    ];
    for (const [tables, wanted] of passes) {
      for (const t of tables) {
        const ops = t.ops.filter(wanted);
        if (ops.length === 0) continue;
        const locked = await takeMaintainerLock(ex, t.table, opts.concurrentMaintainer ?? 'skip', opts.maintainerWaitMs);
        if (!locked) {
          skippedTables.add(label(t.table));
          const reason = `another maintainer holds the lock on ${label(t.table)} (${opts.concurrentMaintainer === 'wait' ? `waited ${opts.maintainerWaitMs ?? 30_000} ms` : 'skipped'})`;
          for (const op of ops) results.push({ op, status: 'skipped', reason, attempts: 0, ms: 0 });
          continue;
        }
        try {
          results.push(...(await applyTableOps(ex, ops, runOpts)));
        } finally {
          await releaseMaintainerLock(ex, t.table).catch(() => undefined);
        }
      }
    }
    return { results, skippedTables: [...skippedTables] };
  });
}

/** Carries out `ops` of one table, under its maintainer lock. */
async function applyTableOps(ex: Executor, ops: readonly MaintenanceOp[], runOpts: ApplyOptions): Promise<OpResult[]> {
  const results: OpResult[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === 'create') {
      // the creates that follow one another: batched (see applyCreates)
      let j = i;
      while (ops[j + 1]?.kind === 'create') j++;
      results.push(...(await applyCreates(ex, ops.slice(i, j + 1) as CreateOp[], runOpts)));
      i = j;
      continue;
    }
    const started = Date.now();
    try {
      const current = await recheck(ex, op);
      if ('skip' in current) {
        results.push({ op, status: 'skipped', reason: current.skip, attempts: 0, ms: Date.now() - started });
        continue;
      }
      const r = await applyOne(ex, current as Exclude<MaintenanceOp, CreateOp>, runOpts);
      results.push({ op, ...r, ms: Date.now() - started });
    } catch (e) {
      const code = e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
      results.push({ op, status: 'failed', reason: (e as Error).message, code, attempts: (e as { attempts?: number }).attempts ?? 0, ms: Date.now() - started });
    }
  }
  return results;
}
