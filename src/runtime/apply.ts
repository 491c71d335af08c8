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
import { detachPartitionSql, dropTableSql } from '../ddl/partition-ddl.js';
import { commentOnTableSql, createSchemaSql, dropConstraintSql, setSchemaSql } from '../ddl/maintenance-sql.js';
import { moveToTablespace } from './tablespace.js';
import { qualifiedLabel as label, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { DrizzlePartitionsError, RuntimeError } from '../errors.js';
import { sqlState, type DatabaseLike, type Executor } from './executor.js';
import { partitionState } from './introspect.js';
import { releaseMaintainerLock, takeMaintainerLock, withLockRetry } from './lock.js';
import { retiredComment, retiringComment } from './marker.js';
import type { CreateOp, FinalizeOp, FinishRetireOp, MaintenanceOp, MaintenancePlan, RetireOp, TablePlan } from './plan.js';
import { withSession } from './session.js';
import { applyCreates, recheckCreate } from './apply-creates.js';
import type { ApplyOptions, ApplyResult, OpResult, Step } from './apply-types.js';

export type { ApplyOptions, ApplyResult, OpResult, ProgressEvent, Step } from './apply-types.js';

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
 * Applies `plan`. Each table is maintained under its advisory lock; each step is a
 * short transaction with `lock_timeout` and retries (new partitions of a table
 * several to one, see `createBatchMs`).
 *
 * @throws {RuntimeError} `OPTION_INVALID` when `createBatchMs` is not a number of ms, at least 0.
 *
 * @example
 * ```ts
 * const result = await apply(db, await plan(db, [events]), { allowDestructive: true, onProgress: console.log });
 * for (const r of result.results) console.log(r.op.kind, r.op.partition.name, r.status, r.reason ?? '');
 * ```
 */
export async function apply(db: DatabaseLike, plan: MaintenancePlan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const batchMs = opts.createBatchMs;
  if (batchMs !== undefined && !(Number.isFinite(batchMs) && batchMs >= 0)) throw new RuntimeError('OPTION_INVALID', `createBatchMs must be a number of milliseconds, at least 0 (got ${String(batchMs)})`);
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
