/**
 * Carries out a maintenance plan and returns a result per operation (done / failed
 * with the reason / skipped). It never throws halfway, and every step is one
 * transaction: a crash or a failed step leaves nothing half-done, and the next run
 * converges.
 *
 * The application must not notice. So a partition is attached beside a default
 * partition in a single transaction that first takes the parent in ACCESS EXCLUSIVE
 * mode (under lock_timeout, retried): every statement on the table waits at the
 * parent, before it reads the list of partitions, until the rows of the new range
 * have moved out of the default and the partition is attached; then it plans
 * against the new list. No statement sees a row missing, updates or deletes 0 rows
 * because its row moved, inserts a duplicate key, or is refused by a partition
 * constraint that changed under it. The wait is bounded by the step limits
 * (step-limits.ts); past them the step needs a window.
 */
import { attachPartitionSql, detachPartitionSql, dropTableSql } from '../ddl/partition-ddl.js';
import {
  addCheckSql,
  boundPredicate,
  commentOnTableSql,
  createLikeSql,
  createSchemaSql,
  dropConstraintSql,
  copyRowsSql,
  deleteRowsSql,
  lockExclusiveSql,
  setSchemaSql,
  setTablespaceSql,
  setTriggerSql,
} from '../ddl/maintenance-sql.js';
import type { QualifiedName } from '../sql/quote.js';
import { DrizzlePartitionsError, RuntimeError } from '../errors.js';
import { sqlState, type DatabaseLike, type Executor } from './executor.js';
import { enabledUserTriggers, foreignKeysActingOnDelete, partitionState } from './introspect.js';
import { PG_ERRORS } from './pg-errors.js';
import { releaseMaintainerLock, takeMaintainerLock, withLockRetry, type LockOptions } from './lock.js';
import { managedComment, retiredComment, retiringComment } from './marker.js';
import { FENCE_CONSTRAINT } from './fence.js';
import type { CreateOp, FinalizeOp, FinishRetireOp, MaintenanceOp, MaintenancePlan, RetireOp } from './plan.js';
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

const BOUND_CONSTRAINT = 'drizzle_partitions_bound';
const label = (q: QualifiedName) => `${q.schema ?? 'public'}.${q.name}`;

/**
 * Deletes the rows just copied out of the default partition, as a move and not as
 * the application deleting them: a foreign key into the table whose ON DELETE would
 * change other tables' rows stops the step first (ROWS_REFERENCED; the copy rolls
 * back with it), one that forbids the delete of a referenced row fails it the same
 * way, and the default partition's user triggers are off for the delete, then back
 * on as they were.
 */
async function takeOutOfDefault(tx: Executor, op: CreateOp, predicate: string, rows: number): Promise<void> {
  const dflt = op.default!;
  const refusal = (why: string) =>
    new RuntimeError('ROWS_REFERENCED', `${rows} row(s) of ${op.partition.name} in default partition ${dflt.name} cannot move: ${why}`, 'move those rows (and what references them) yourself, then apply again');
  const acting = await foreignKeysActingOnDelete(tx, dflt);
  if (acting.length > 0) throw refusal(`foreign key ${acting.join(', ')} would act on the rows that reference them`);
  const triggers = await enabledUserTriggers(tx, dflt);
  for (const t of triggers) await tx.query(setTriggerSql(dflt, t.name, 'D'));
  try {
    await tx.query(deleteRowsSql(dflt, predicate));
  } catch (e) {
    if (sqlState(e) === PG_ERRORS.foreignKeyViolation) throw refusal(`a foreign key references them (${(e as Error).message})`);
    throw e;
  }
  for (const t of triggers) await tx.query(setTriggerSql(dflt, t.name, t.mode));
}

async function applyCreate(ex: Executor, op: CreateOp, opts: ApplyOptions): Promise<Omit<OpResult, 'op' | 'ms'>> {
  if (op.needsWindow && !opts.window) {
    return { status: 'skipped', attempts: 0, code: 'NEEDS_WINDOW', reason: `${op.partition.name} needs a maintenance window: ${op.needsWindow}; run apply with window: true (--window) when the application can wait for it` };
  }
  const predicate = boundPredicate(op.keyColumn, op.bound);
  let attempts = 0;
  if (!op.resume) {
    // An empty table beside the parent (ACCESS SHARE on the parent: nobody waits).
    opts.onProgress?.({ op, phase: 'create' });
    const r = await withLockRetry(ex, { what: `create ${op.partition.name}`, relation: op.table }, opts, async (tx) => {
      await tx.query(createLikeSql(op.partition, op.table, op.subpartitions?.partitionBy));
      // on a partitioned table the CHECK reaches every sub-partition created after it
      if (predicate) await tx.query(addCheckSql(op.partition, BOUND_CONSTRAINT, predicate));
      for (const statement of op.subpartitions?.statements ?? []) await tx.query(statement);
      await tx.query(commentOnTableSql(op.partition, managedComment({ createdAt: opts.now ?? new Date(), reason: op.reason })));
    });
    attempts = r.attempts;
  }
  opts.onProgress?.({ op, phase: 'attach' });
  let movedRows = 0;
  // Beside a default partition, every statement on the table waits at the parent,
  // before it reads the partition list, until this transaction has committed.
  const hold = op.default ? { holdFirst: op.table } : {};
  const r = await withLockRetry(ex, { what: `attach ${op.partition.name}`, relation: op.table, ...hold }, opts, async (tx) => {
    movedRows = 0;
    if (op.default && predicate) {
      // Held from here to the commit (ATTACH would take it anyway): nobody, not even a
      // session writing to the default partition by name, changes it between the copy
      // and the delete, so exactly the rows copied are deleted.
      await tx.query(lockExclusiveSql(op.default));
      movedRows = Number((await tx.query<{ n: string }>(copyRowsSql(op.default, op.partition, predicate, op.columns)))[0]?.n ?? 0);
      if (movedRows > 0) await takeOutOfDefault(tx, op, predicate, movedRows);
    }
    // With the table's CHECK matching the bound, ATTACH does not scan the new table.
    await tx.query(attachPartitionSql({ parent: op.table, partition: op.partition, bound: op.bound }));
    if (predicate) await tx.query(dropConstraintSql(op.partition, BOUND_CONSTRAINT));
    // A fence an earlier version left on the default would refuse inserts for good
    // (ATTACH already holds the default partition, so this waits for nothing).
    if (op.default) await tx.query(dropConstraintSql(op.default, FENCE_CONSTRAINT));
  });
  attempts = Math.max(attempts, r.attempts);
  opts.onProgress?.({ op, phase: 'attached', movedRows });
  const how = op.default ? `attached in one step holding the table${movedRows > 0 ? `, ${movedRows} row(s) moved out of ${op.default.name}` : ''}` : 'attached';
  return { status: 'done', attempts, movedRows, method: `${op.resume ? 'resumed' : 'created'}, ${how}${op.needsWindow ? ' (window)' : ''}` };
}

async function detach(ex: Executor, op: RetireOp | FinalizeOp, opts: ApplyOptions, finalize = false): Promise<{ attempts: number; method: string }> {
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

async function applyRetire(ex: Executor, op: RetireOp, opts: ApplyOptions): Promise<Omit<OpResult, 'op' | 'ms'>> {
  const at = opts.now ?? new Date();
  if (op.action.kind === 'move-tablespace') {
    const ts = op.action.tablespace;
    const r = await withLockRetry(ex, { what: `move ${op.partition.name} to tablespace ${ts}`, relation: op.partition }, opts, (tx) => tx.query(setTablespaceSql(op.partition, ts)));
    return { status: 'done', attempts: r.attempts, method: `moved to tablespace ${ts} (still attached)` };
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
async function finishRetire(ex: Executor, op: RetireOp | FinalizeOp | FinishRetireOp, action: RetireOp['action'] | undefined, d: { attempts: number; method: string }, at: Date, opts: ApplyOptions): Promise<Omit<OpResult, 'op' | 'ms'>> {
  const mark = commentOnTableSql(op.partition, retiredComment({ at, action: action?.kind ?? 'detach', from: label(op.table) }));
  if (action?.kind === 'drop') {
    const r = await withLockRetry(ex, { what: `drop ${op.partition.name}`, relation: op.partition }, opts, (tx) => tx.query(dropTableSql({ table: op.partition })));
    return { status: 'done', attempts: Math.max(d.attempts, r.attempts), method: `${d.method}, dropped` };
  }
  if (action?.kind === 'move-schema') {
    const schema = action.schema;
    const r = await withLockRetry(ex, { what: `move ${op.partition.name} to schema ${schema}`, relation: op.partition }, opts, async (tx) => {
      await tx.query(mark);
      await tx.query(createSchemaSql(schema));
      await tx.query(setSchemaSql(op.partition, schema));
    });
    return { status: 'done', attempts: Math.max(d.attempts, r.attempts), method: `${d.method}, moved to schema ${schema}` };
  }
  await ex.query(mark);
  return { status: 'done', attempts: d.attempts, method: `${d.method}, table kept` };
}

/**
 * The plan was read before the maintainer lock was taken: another maintainer may
 * have carried out some of it since (`concurrentMaintainer: 'wait'`, or a run that
 * finished in between). Returns the op to run as things stand now, or why there is
 * nothing left to do.
 */
async function recheck(ex: Executor, op: MaintenanceOp): Promise<MaintenanceOp | { skip: string }> {
  const s = await partitionState(ex, op.table, op.partition);
  const where = `${label(op.partition)} of ${label(op.table)}`;
  switch (op.kind) {
    case 'create':
      if (s.attached && !s.pending) return { skip: `${where} is already attached (another run created it)` };
      if (!s.exists && op.resume) return { ...op, resume: false };
      if (s.exists && !s.attached && s.managed && !op.resume) return { ...op, resume: true };
      return op;
    case 'retire':
      return s.attached ? op : { skip: `${where} is already retired (another run detached it)` };
    case 'finalize-detach':
      return s.attached && s.pending ? op : { skip: `the detach of ${where} is already finished (another run finished it)` };
    case 'finish-retire':
      return s.exists && !s.attached ? op : { skip: `${where} is no longer waiting to be retired` };
  }
}

async function applyOne(ex: Executor, op: MaintenanceOp, opts: ApplyOptions): Promise<Omit<OpResult, 'op' | 'ms'>> {
  switch (op.kind) {
    case 'create':
      return applyCreate(ex, op, opts);
    case 'retire':
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
    const skippedTables: string[] = [];
    for (const t of plan.tables) {
      if (t.ops.length === 0) continue;
      const locked = await takeMaintainerLock(ex, t.table, opts.concurrentMaintainer ?? 'skip', opts.maintainerWaitMs);
      if (!locked) {
        skippedTables.push(label(t.table));
        const reason = `another maintainer holds the lock on ${label(t.table)} (${opts.concurrentMaintainer === 'wait' ? `waited ${opts.maintainerWaitMs ?? 30_000} ms` : 'skipped'})`;
        for (const op of t.ops) results.push({ op, status: 'skipped', reason, attempts: 0, ms: 0 });
        continue;
      }
      try {
        for (const op of t.ops) {
          const started = Date.now();
          try {
            const current = await recheck(ex, op);
            if ('skip' in current) {
              results.push({ op, status: 'skipped', reason: current.skip, attempts: 0, ms: Date.now() - started });
              continue;
            }
            const r = await applyOne(ex, current, { ...opts, now: opts.now ?? plan.now });
            results.push({ op, ...r, ms: Date.now() - started });
          } catch (e) {
            const code = e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
            results.push({ op, status: 'failed', reason: (e as Error).message, code, attempts: (e as { attempts?: number }).attempts ?? 0, ms: Date.now() - started });
          }
        }
      } finally {
        await releaseMaintainerLock(ex, t.table).catch(() => undefined);
      }
    }
    return { results, skippedTables };
  });
}
