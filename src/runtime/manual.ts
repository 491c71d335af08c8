/**
 * Manual partition operations, from code and from the CLI (`drizzle-partitions
 * partition <create|attach|detach|move>`): create a partition for a bound, attach an
 * existing table, detach a partition, move one to a tablespace or a schema. Each
 * runs the way `apply` runs its steps — under the table's maintainer lock, each step
 * one short transaction under lock_timeout with retries — and returns a typed
 * result instead of throwing. The default partition, a table that is not a
 * partition of the table named, and (for detach and schema moves) a partition the
 * schema declares are refused with a code and a sentence, before anything is done.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { addCheckSql, boundPredicate, createSchemaSql, dropConstraintSql, setSchemaSql, validateConstraintSql } from '../ddl/maintenance-sql.js';
import { qualifiedLabel as label, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { DrizzlePartitionsError, RuntimeError, type RuntimeErrorCode } from '../errors.js';
import { isBoundProblem, normalizeBound, partitionName, type BoundInput, type BoundValue, type PartitionBound } from '../bound/values.js';
import { applyRetire, detach, type ApplyOptions } from './apply.js';
import { applyCreates, attachTable, BOUND_CONSTRAINT } from './apply-creates.js';
import { sqlState, type DatabaseLike, type Executor } from './executor.js';
import { copyColumns, partitionState, readTree, relationsNamed, resolveTarget, type PartitionTree } from './introspect.js';
import { releaseMaintainerLock, takeMaintainerLock, withLockRetry } from './lock.js';
import { PG_ERRORS } from './pg-errors.js';
import type { CreateOp } from './plan.js';
import { withSession } from './session.js';
import { measureDefault, type StepLimits } from './step-limits.js';
import { moveToTablespace } from './tablespace.js';

/**
 * A bound as written by hand: a range (`from`/`to`, one value or one per key
 * column), list values, or a hash modulus and remainder. Values are checked against
 * the key's type as the catalog has it.
 *
 * @example
 * ```ts
 * const march: BoundSpec = { from: '2026-03-01', to: '2026-04-01' };
 * const eu: BoundSpec = { values: ['de', 'fr'] };
 * ```
 */
export type BoundSpec =
  | { from: BoundInput | readonly BoundInput[]; to: BoundInput | readonly BoundInput[] }
  | { values: readonly BoundInput[] }
  | { modulus: number; remainder: number };

/**
 * The result of a manual operation: done, refused (nothing was done: `code` and
 * `reason` say why), or failed (a lock not obtained in all attempts, an error of the
 * server; the step rolled back whole).
 *
 * @example
 * ```ts
 * const r: PartitionOpResult = await detachPartition(db, events, { partition: 'events_p20250101' });
 * if (r.status !== 'done') console.error(r.code, r.reason);
 * ```
 */
export interface PartitionOpResult {
  operation: 'create' | 'attach' | 'detach' | 'move';
  table: QualifiedName;
  partition: QualifiedName;
  status: 'done' | 'refused' | 'failed' | 'skipped';
  code?: string | undefined;
  reason?: string | undefined;
  /** Lock attempts used by the step that needed the most. */
  attempts: number;
  /** How it was done, e.g. 'detach concurrently'. */
  method?: string | undefined;
  movedRows?: number | undefined;
  ms: number;
}

/**
 * Options of the manual operations: those of `apply` (lock_timeout, attempts, step
 * limits, window) besides.
 *
 * @example
 * ```ts
 * await movePartition(db, events, { partition: 'events_p20250101', tablespace: 'cold' }, { lockTimeoutMs: 500, attempts: 10 });
 * ```
 */
export type PartitionOpOptions = ApplyOptions & StepLimits;

type Target = PgTable | QualifiedName;
const refuse = (refusal: RuntimeErrorCode, message: string): never => {
  throw new RuntimeError(refusal, message);
};

/** A partition named as text (`name` or `schema.name`, in the table's schema by default) or qualified. */
function qualify(p: string | QualifiedName, tableSchema: string): QualifiedName {
  if (typeof p !== 'string') return { schema: p.schema ?? tableSchema, name: p.name };
  const dot = p.indexOf('.');
  return dot > 0 && !p.startsWith('"') ? { schema: p.slice(0, dot), name: p.slice(dot + 1) } : { schema: tableSchema, name: p };
}

function toBound(spec: BoundSpec, tree: PartitionTree): PartitionBound {
  const t = label(tree.table);
  const method = tree.partitionBy.split(' ')[0]!;
  const norm = (v: unknown, i: number): BoundValue => {
    const type = tree.keyTypes[i];
    if (!type) return refuse('BOUND_INVALID', `${t} has ${tree.keyTypes.length} key column(s); the bound gives more values`);
    const x = normalizeBound(v, type);
    if (isBoundProblem(x)) return refuse('BOUND_INVALID', `bound of ${t}: ${x.message}`);
    return x;
  };
  const list = (v: BoundInput | readonly BoundInput[]) => (Array.isArray(v) ? (v as readonly BoundInput[]) : [v as BoundInput]);
  if ('from' in spec && method === 'RANGE') {
    const from = list(spec.from).map(norm);
    const to = list(spec.to).map(norm);
    if (from.length !== tree.keyTypes.length || to.length !== tree.keyTypes.length) refuse('BOUND_INVALID', `${t} is ${tree.partitionBy}: from and to need ${tree.keyTypes.length} value(s) each`);
    return { kind: 'range', from, to };
  }
  if ('values' in spec && method === 'LIST') {
    if (spec.values.length === 0) refuse('BOUND_INVALID', `a LIST partition of ${t} needs at least one value`);
    return { kind: 'list', values: spec.values.map((v) => norm(v, 0)) };
  }
  if ('modulus' in spec && method === 'HASH') {
    const ok = Number.isSafeInteger(spec.modulus) && spec.modulus > 0 && Number.isSafeInteger(spec.remainder) && spec.remainder >= 0 && spec.remainder < spec.modulus;
    if (!ok) refuse('BOUND_INVALID', `hash bound of ${t}: modulus ${spec.modulus} must be a positive whole number and remainder ${spec.remainder} a whole number below it`);
    return { kind: 'hash', modulus: spec.modulus, remainder: spec.remainder };
  }
  return refuse('BOUND_INVALID', `${t} is ${tree.partitionBy}; give ${method === 'RANGE' ? 'from and to' : method === 'LIST' ? 'values' : 'modulus and remainder'}`);
}

/** Runs `fn` under the table's maintainer lock (waiting for another maintainer), turning refusals and failures into results. */
async function run(
  db: DatabaseLike,
  operation: PartitionOpResult['operation'],
  target: Target,
  partitionName: string | QualifiedName | undefined,
  opts: PartitionOpOptions,
  fn: (ex: Executor, tree: PartitionTree, declared: ReadonlySet<string>, partition: QualifiedName | undefined) => Promise<Omit<PartitionOpResult, 'operation' | 'table' | 'partition' | 'ms'>>,
): Promise<PartitionOpResult> {
  const started = Date.now();
  const { table, declared } = resolveTarget(target);
  const partition = partitionName === undefined ? undefined : qualify(partitionName, table.schema ?? 'public');
  const base = { operation, table, partition: partition ?? table };
  try {
    return await withSession(db, async (ex) => {
      const tree = await readTree(ex, table, declared);
      if (!(await takeMaintainerLock(ex, table, 'wait', opts.maintainerWaitMs))) {
        return { ...base, status: 'skipped' as const, code: 'MAINTAINER_BUSY', reason: `another maintainer held the lock on ${label(table)} for ${opts.maintainerWaitMs ?? 30_000} ms`, attempts: 0, ms: Date.now() - started };
      }
      try {
        const r = await fn(ex, tree, declared, partition);
        return { ...base, ...r, ms: Date.now() - started };
      } finally {
        await releaseMaintainerLock(ex, table).catch(() => undefined);
      }
    });
  } catch (e) {
    const refused = e instanceof RuntimeError && REFUSALS.has(e.code);
    const code = e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
    return { ...base, status: refused ? 'refused' : 'failed', code, reason: (e as Error).message, attempts: (e as { attempts?: number }).attempts ?? 0, ms: Date.now() - started };
  }
}

const REFUSALS = new Set<string>(['PARTITION_IS_DEFAULT', 'NOT_A_PARTITION', 'ALREADY_A_PARTITION', 'PARTITION_DECLARED', 'BOUND_INVALID', 'NAME_TAKEN', 'NOT_PARTITIONED', 'TABLESPACE_NOT_FOUND', 'ROWS_OUTSIDE_BOUND', 'OPTION_INVALID']);

/** The attached partition `p` of the table, or a refusal: not a partition of it, or its default partition. */
async function ownPartition(ex: Executor, tree: PartitionTree, p: QualifiedName, what: string): Promise<{ managed: boolean; pending: boolean }> {
  const s = await partitionState(ex, tree.table, p);
  if (!s.attached) refuse('NOT_A_PARTITION', `${label(p)} is not a partition of ${label(tree.table)}${s.exists ? '' : ' (no such table)'}; ${what} only acts on partitions of the table named`);
  const info = tree.partitions.find((x) => x.name === p.name && x.schema === p.schema);
  if (info?.isDefault) refuse('PARTITION_IS_DEFAULT', `${label(p)} is the default partition of ${label(tree.table)}; ${what} never touches the default partition`);
  return s;
}

/**
 * Creates a partition of `table` for `bound` (named `<table>_p<from>` / `<table>_<value>`
 * unless `name` is given), in `tablespace` if given with its indexes — the way
 * `apply` creates: beside the parent, then attached (rows of its range move out of
 * the default partition in the same step).
 *
 * @example
 * ```ts
 * await createPartition(db, events, { bound: { from: '2027-01-01', to: '2027-02-01' }, tablespace: 'fast' });
 * ```
 */
export async function createPartition(db: DatabaseLike, table: Target, args: { bound: BoundSpec; name?: string; tablespace?: string }, opts: PartitionOpOptions = {}): Promise<PartitionOpResult> {
  let chosen: QualifiedName | undefined;
  const r = await run(db, 'create', table, args.name, opts, async (ex, tree, _declared, named) => {
    const bound = toBound(args.bound, tree);
    const schema = tree.table.schema ?? 'public';
    const partition = named ?? { schema, name: partitionName(tree.table.name, bound) };
    chosen = partition;
    if ((await relationsNamed(ex, partition.schema!, [partition.name])).size > 0) refuse('NAME_TAKEN', `a table named ${label(partition)} already exists; give another name (or attach it with attachPartition)`);
    if (args.tablespace !== undefined) {
      const [ts] = await ex.query<{ ok: boolean }>('select exists (select 1 from pg_tablespace where spcname = $1) as ok', [args.tablespace]);
      if (!ts?.ok) refuse('TABLESPACE_NOT_FOUND', `tablespace "${args.tablespace}" does not exist; ${partition.name} is not created`);
    }
    const dflt = tree.partitions.find((p) => p.isDefault);
    const keyColumn = tree.keyColumns.length === 1 ? (tree.keyColumns[0] ?? null) : null;
    const rows = await (await measureDefault(ex, dflt ? { schema: dflt.schema, name: dflt.name } : null, opts)).step(boundPredicate(keyColumn, bound), undefined);
    const op: CreateOp = {
      kind: 'create', table: tree.table, partition, bound, keyColumn, reason: 'on-demand', resume: false,
      default: dflt ? { schema: dflt.schema, name: dflt.name } : null, ...rows, columns: await copyColumns(ex, tree.table),
      ...(args.tablespace !== undefined ? { tablespace: args.tablespace } : {}),
    };
    const [one] = await applyCreates(ex, [op], opts);
        return { status: one!.status, code: one!.code, reason: one!.reason, attempts: one!.attempts, method: one!.method, movedRows: one!.movedRows };
  });
  return chosen ? { ...r, partition: chosen } : r;
}

/**
 * Attaches the existing table `partition` to `table` for `bound`: a CHECK matching the
 * bound is added NOT VALID and validated first (writes to it go on meanwhile), so
 * that ATTACH does not read the table while it holds the parent; rows of the range in
 * the default partition move in the attach step, as `apply` does; the CHECK is dropped
 * in that step. Rows outside the bound refuse it (ROWS_OUTSIDE_BOUND), nothing left behind.
 *
 * @example
 * ```ts
 * await attachPartition(db, events, { partition: 'events_import_2024', bound: { from: '2024-01-01', to: '2025-01-01' } });
 * ```
 */
export async function attachPartition(db: DatabaseLike, table: Target, args: { partition: string | QualifiedName; bound: BoundSpec }, opts: PartitionOpOptions = {}): Promise<PartitionOpResult> {
  return run(db, 'attach', table, args.partition, opts, async (ex, tree, _declared, p) => {
    const partition = p!;
    const bound = toBound(args.bound, tree);
    const [rel] = await ex.query<{ found: boolean; parent: string | null }>(
      `select c.oid is not null as found, (select i.inhparent::regclass::text from pg_inherits i where i.inhrelid = c.oid limit 1) as parent from (select to_regclass($1) as oid) r left join pg_class c on c.oid = r.oid`,
      [quoteQualified(partition)],
    );
    if (!rel?.found) refuse('NOT_A_PARTITION', `there is no table ${label(partition)} to attach to ${label(tree.table)}`);
    if (rel!.parent) refuse('ALREADY_A_PARTITION', `${label(partition)} is already a partition of ${rel!.parent}; detach it first`);
    const keyColumn = tree.keyColumns.length === 1 ? (tree.keyColumns[0] ?? null) : null;
    const predicate = boundPredicate(keyColumn, bound);
    let attempts = 0;
    if (predicate) {
      attempts = (await withLockRetry(ex, { what: `add the bound's CHECK to ${partition.name}`, relation: partition }, opts, (tx) => tx.query(addCheckSql(partition, BOUND_CONSTRAINT, predicate, true)))).attempts;
      try {
        attempts = Math.max(attempts, (await withLockRetry(ex, { what: `validate the bound's CHECK on ${partition.name}`, relation: partition }, opts, (tx) => tx.query(validateConstraintSql(partition, BOUND_CONSTRAINT)))).attempts);
      } catch (e) {
        await withLockRetry(ex, { what: `drop the bound's CHECK from ${partition.name}`, relation: partition }, opts, (tx) => tx.query(dropConstraintSql(partition, BOUND_CONSTRAINT))).catch(() => undefined);
        if (sqlState(e) === PG_ERRORS.checkViolation) refuse('ROWS_OUTSIDE_BOUND', `${label(partition)} holds rows outside the bound; nothing was attached`);
        throw e;
      }
    }
    const dflt = tree.partitions.find((x) => x.isDefault);
    const rows = await (await measureDefault(ex, dflt ? { schema: dflt.schema, name: dflt.name } : null, opts)).step(predicate, undefined);
    if (rows.needsWindow && !opts.window) {
      if (predicate) await withLockRetry(ex, { what: `drop the bound's CHECK from ${partition.name}`, relation: partition }, opts, (tx) => tx.query(dropConstraintSql(partition, BOUND_CONSTRAINT)));
      return { status: 'skipped', code: 'NEEDS_WINDOW', reason: `attaching ${partition.name} needs a maintenance window: ${rows.needsWindow}; pass window: true (--window)`, attempts };
    }
    const op: CreateOp = {
      kind: 'create', table: tree.table, partition, bound, keyColumn, reason: 'on-demand', resume: predicate !== undefined,
      default: dflt ? { schema: dflt.schema, name: dflt.name } : null, ...rows, columns: await copyColumns(ex, tree.table),
    };
    try {
      const r = await attachTable(ex, op, opts, false);
      return { ...r, attempts: Math.max(attempts, r.attempts), method: (r.method ?? '').replace(/^resumed|^created/, 'CHECK validated') };
    } catch (e) {
      if (predicate) await withLockRetry(ex, { what: `drop the bound's CHECK from ${partition.name}`, relation: partition }, opts, (tx) => tx.query(dropConstraintSql(partition, BOUND_CONSTRAINT))).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * Detaches `partition` from `table`: CONCURRENTLY on PostgreSQL 14+ when the table
 * has no default partition (and `detachConcurrently` is not false), else plainly
 * under lock_timeout; the table stays (a partition maintenance made is marked
 * retired, so no later run takes it for its own). Refused on the default partition
 * and on a partition the schema declares.
 *
 * @example
 * ```ts
 * const r = await detachPartition(db, events, { partition: 'events_p20250101' }); // r.method: 'detach concurrently'
 * ```
 */
export async function detachPartition(db: DatabaseLike, table: Target, args: { partition: string | QualifiedName }, opts: PartitionOpOptions = {}): Promise<PartitionOpResult> {
  return run(db, 'detach', table, args.partition, opts, async (ex, tree, declared, p) => {
    const partition = p!;
    const s = await ownPartition(ex, tree, partition, 'detachPartition');
    if (declared.has(partition.name)) refuse('PARTITION_DECLARED', `${label(partition)} is declared in the schema of ${label(tree.table)}; remove it there and migrate instead`);
    const info = tree.partitions.find((x) => x.name === partition.name && x.schema === partition.schema)!;
    const op = { kind: 'retire' as const, table: tree.table, partition, bound: info.bound, action: { kind: 'detach' as const }, parentHasDefault: tree.partitions.some((x) => x.isDefault) };
    if (s.managed && !s.pending) return applyRetire(ex, op, opts);
    const d = await detach(ex, s.pending ? { kind: 'finalize-detach', table: tree.table, partition } : op, opts, s.pending);
    return { status: 'done', attempts: d.attempts, method: d.method };
  });
}

/**
 * Moves `partition` of `table` to a tablespace (the table and every index under it,
 * each rewritten in a short step of its own: see moveToTablespace) or to a schema
 * (made if missing; the partition stays attached). Refused on the default partition,
 * and for a schema move on a partition the schema declares.
 *
 * @example
 * ```ts
 * await movePartition(db, events, { partition: 'events_p20250101', tablespace: 'cold' });
 * await movePartition(db, events, { partition: 'events_p20250101', schema: 'archive' });
 * ```
 */
export async function movePartition(db: DatabaseLike, table: Target, args: { partition: string | QualifiedName; tablespace?: string; schema?: string }, opts: PartitionOpOptions = {}): Promise<PartitionOpResult> {
  return run(db, 'move', table, args.partition, opts, async (ex, tree, declared, p) => {
    const partition = p!;
    if ((args.tablespace === undefined) === (args.schema === undefined)) refuse('OPTION_INVALID', 'movePartition needs either tablespace or schema, not both');
    await ownPartition(ex, tree, partition, 'movePartition');
    if (args.tablespace !== undefined) {
      const r = await moveToTablespace(ex, partition, args.tablespace, opts);
      return { status: 'done', attempts: r.attempts, method: `moved to tablespace ${args.tablespace}: ${r.tables} table(s), ${r.indexes} index(es) rewritten` };
    }
    const schema = args.schema!;
    if (declared.has(partition.name)) refuse('PARTITION_DECLARED', `${label(partition)} is declared in the schema of ${label(tree.table)}; moving it to ${schema} would part it from its migrations`);
    const r = await withLockRetry(ex, { what: `move ${partition.name} to schema ${schema}`, relation: partition }, opts, async (tx) => {
      await tx.query(createSchemaSql(schema));
      await tx.query(setSchemaSql(partition, schema));
    });
    return { status: 'done', attempts: r.attempts, method: `moved to schema ${schema} (still attached)` };
  });
}

