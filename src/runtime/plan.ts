/**
 * Maintenance planning: compares each table's live partitions with its policy
 * and returns typed operations (create ahead or behind, retire, finish an
 * interrupted detach) and the problems found. Reads only; changes nothing.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { anyRowsSql, boundPredicate, maxKeySql } from '../ddl/maintenance-sql.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES, qualifiedLabel as label, type QualifiedName } from '../sql/quote.js';
import type { Casing } from '../ddl/column-names.js';
import { declaredPartitionsSql, partitionByClause } from '../ddl/partition-ddl.js';
import { resolveTemplate } from '../schema/resolve.js';
import { boundsEqual, compareBound, displayValue, partitionName, rangesOverlap, type BoundValue, type RangeBound } from '../bound/values.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import type { MaintenancePolicy, RetentionAction } from '../schema/resolved.js';
import type { PartitionBound } from '../schema/resolved.js';
import type { DatabaseLike, Executor } from './executor.js';
import { withReadSession } from './session.js';
import { copyColumns, findRelation, readPlanCatalog, relationsNamed, resolveTarget, type PartitionInfo, type PartitionTree } from './introspect.js';
import { RuntimeError } from '../errors.js';
import { choosePartitionName, hashedName } from './partition-names.js';
import { measureDefault, type StepLimits } from './step-limits.js';
import { orderFamilies } from './family-order.js';
import { addSlots, boundMicros, floorToIntegerSlot, floorToSlot, integerBound, subtractInterval, timeBound } from './time-grid.js';

/** Why a partition is created. */
export type CreateReason = 'backfill' | 'gap' | 'current' | 'premake' | 'on-demand';

/**
 * Create a partition: as a plain table with a CHECK matching its bound, then ATTACH;
 * beside a default partition, the rows of the new range move out of the default in
 * the attach's own transaction, which holds the parent (see apply).
 *
 * @example
 * ```ts
 * for (const op of tablePlan.ops) if (op.kind === 'create') console.log(op.partition.name, op.reason); // 'events_p20260401' 'premake'
 * ```
 */
export interface CreateOp {
  kind: 'create';
  table: QualifiedName;
  partition: QualifiedName;
  bound: PartitionBound;
  /** The key column (single-column keys); null for expression keys (no CHECK then). */
  keyColumn: string | null;
  reason: CreateReason;
  /** The table exists, unattached and marked by us: an earlier run stopped halfway. */
  resume: boolean;
  /** The default partition, when the table has one. */
  default: QualifiedName | null;
  /** Rows in the default partition that belong to the new partition (counted up to the step limit + 1). */
  defaultRows: number;
  /** Rows in the default partition, which ATTACH reads (counted up to the step limit + 1). */
  defaultSize: number;
  /** Rows already in the unattached table (a creation an earlier version stopped halfway): they show through the parent once it is attached. */
  parkedRows: number;
  /** The columns a move copies (generated columns are computed again). */
  columns: string[];
  /** Why this step would hold the table longer than the step limits allow; apply leaves it alone unless `window: true`. */
  needsWindow?: string | undefined;
  /** When the policy sub-partitions new partitions: the new table's PARTITION BY and its sub-partitions' DDL. */
  subpartitions?: { partitionBy: string; statements: string[] } | undefined;
  /** The tablespace of the new table and its indexes (the policy's `tablespace`, or createPartition's). */
  tablespace?: string | undefined;
  /** A partition family's partition-to-partition foreign keys (policy `partitionForeignKeys`), added to the new table. */
  foreignKeys?: { name: string; columns: string[]; references: QualifiedName; referencedColumns: string[] }[] | undefined;
  /** Why the partition cannot be made yet (a foreign key; family-order.ts `create-blocked`): apply skips the op. */
  blockedBy?: string | undefined;
}

/**
 * Retire an old partition that maintenance created, by the policy's retention action.
 *
 * @example
 * ```ts
 * for (const op of tablePlan.ops) if (op.kind === 'retire') console.log(op.partition.name, op.action.kind); // 'events_p20250101' 'detach'
 * ```
 */
export interface RetireOp {
  kind: 'retire';
  table: QualifiedName;
  partition: QualifiedName;
  bound: PartitionBound;
  action: RetentionAction;
  /** Whether the parent has a default partition (DETACH CONCURRENTLY is refused then). */
  parentHasDefault: boolean;
  /** Referencing tables whose rows would make the detach fail (a foreign key): apply skips the op. */
  blockedBy?: string[] | undefined;
}

/**
 * Finish a `DETACH ... CONCURRENTLY` that was interrupted.
 *
 * @example
 * ```ts
 * for (const op of tablePlan.ops) if (op.kind === 'finalize-detach') console.log(`finish detaching ${op.partition.name}`);
 * ```
 */
export interface FinalizeOp {
  kind: 'finalize-detach';
  table: QualifiedName;
  partition: QualifiedName;
  /** The retention action to complete once detached (drop, move), if the policy has one. */
  action?: RetentionAction | undefined;
}

/** Finish retiring a table a run detached and then stopped (before marking it retired, dropping or moving it). */
export interface FinishRetireOp {
  kind: 'finish-retire';
  table: QualifiedName;
  partition: QualifiedName;
  /** The policy's retention action, done now (drop and move need allowDestructive). */
  action?: RetentionAction | undefined;
}

/**
 * One step of a table's plan: create a partition, retire one, finish an interrupted
 * detach, or finish an interrupted retirement. Tell them apart by `kind`.
 *
 * @example
 * ```ts
 * const ops: MaintenanceOp[] = (await plan(db, [events])).tables.flatMap((t) => t.ops);
 * ops.map((op) => `${op.kind} ${op.partition.name}`); // ['create events_p20260401', ...]
 * ```
 */
export type MaintenanceOp = CreateOp | RetireOp | FinalizeOp | FinishRetireOp;

/**
 * Problems `status` reports (exit code 1 when any is found).
 *
 * @example
 * ```ts
 * const short = tablePlan.problems.some((p) => p.code === 'premake-short' || p.code === 'default-has-rows');
 * ```
 */
export type ProblemCode =
  | 'default-has-rows'
  | 'gap'
  | 'premake-short'
  | 'past-retention'
  | 'misaligned'
  | 'name-taken'
  | 'detach-pending'
  | 'retire-unfinished'
  | 'fence-left'
  | 'needs-window'
  | 'rows-unattached'
  | 'name-too-long'
  | 'key-mismatch'
  | 'retire-blocked'
  | 'create-blocked'
  | 'family-unaligned'
  | 'no-policy'
  | 'not-converted';

/**
 * A problem {@link plan} found with a table, as `status` reports it: a code, the
 * table (`schema.name`) and partition it concerns, and a sentence.
 *
 * @example
 * ```ts
 * for (const p of tablePlan.problems) console.error(p.code, p.table, p.partition ?? '', p.message);
 * ```
 */
export interface Problem {
  code: ProblemCode;
  table: string;
  partition?: string;
  message: string;
}

/**
 * One table's plan.
 *
 * @example
 * ```ts
 * const tablePlan: TablePlan = (await plan(db, [events])).tables[0]!;
 * console.log(tablePlan.table.name, tablePlan.ops.length, tablePlan.problems.length);
 * ```
 */
export interface TablePlan {
  table: QualifiedName;
  policy: MaintenancePolicy | undefined;
  tree: PartitionTree;
  ops: MaintenanceOp[];
  problems: Problem[];
}

/**
 * The whole plan, as {@link plan} returns it and {@link apply} takes it.
 *
 * @example
 * ```ts
 * const work: MaintenancePlan = await plan(db, [events, metrics]);
 * await apply(db, work);
 * ```
 */
export interface MaintenancePlan {
  now: Date;
  tables: TablePlan[];
}

/**
 * Options of {@link plan}.
 *
 * @example
 * ```ts
 * await plan(db, [events], { now: new Date('2026-03-01T00:00:00Z'), backfill: 2, maxMoveRows: 20_000 });
 * ```
 */
export interface PlanOptions extends StepLimits {
  /** The clock (default: now). Tests travel in time with it. */
  now?: Date;
  /** drizzle's `casing`, as in the drizzle config: names sub-partition key columns. */
  casing?: Casing;
  /** Past partitions to create behind the current one (default 0). */
  backfill?: number;
  /**
   * Read each partition's size into the plan's trees (`bytes`, as `status` shows it).
   * Default false: planning needs no sizes, and reading them stats every file of every
   * partition.
   */
  sizes?: boolean;
}


/** At most this many missed slots are filled between the newest partition and now. */
const MAX_GAP_FILL = 1000;

/** A one-column range: a partition's or a slot's. */
type Span = { from: BoundValue; to: BoundValue };

function rangeOf(p: PartitionInfo): Span | undefined {
  return p.bound.kind === 'range' && p.bound.from.length === 1 ? { from: p.bound.from[0]!, to: p.bound.to[0]! } : undefined;
}

const asRange = (r: Span): RangeBound => ({ kind: 'range', from: [r.from], to: [r.to] });
const overlaps = (a: Span, b: Span) => rangesOverlap(asRange(a), asRange(b)) === true;
const same = (a: Span, b: Span) => boundsEqual(asRange(a), asRange(b));

/**
 * The first of `ranges` (sorted by their start; partitions of one level never overlap,
 * so their ends are in order too) that overlaps slot `s`: a binary search for the
 * first range ending after the slot's start, then the few from there. Plan looks up
 * each slot of the policy this way instead of against every partition (10,000 of
 * them). A linear search when a value does not compare.
 */
function firstOverlapping<T extends { r: Span }>(ranges: readonly T[], s: Span): T | undefined {
  const linear = () => ranges.find((x) => overlaps(x.r, s));
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBound(ranges[mid]!.r.to, s.from);
    if (c === undefined) return linear();
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < ranges.length; i++) {
    const c = compareBound(ranges[i]!.r.from, s.to);
    if (c === undefined) return linear();
    if (c >= 0) return undefined;
    if (overlaps(ranges[i]!.r, s)) return ranges[i];
  }
  return undefined;
}

/**
 * A table the schema declares partitioned that is still a plain table in the database
 * (its online conversion has not run): a problem naming the convert command, instead
 * of the NOT_PARTITIONED error `e`, which is thrown again in any other case.
 */
async function notConverted(ex: Executor, table: PgTable | QualifiedName, target: QualifiedName, e: unknown): Promise<{ problem: Problem }> {
  const plain = e instanceof RuntimeError && e.code === 'NOT_PARTITIONED' && getPartitioning(table) !== undefined && (await findRelation(ex, target))?.kind === 'r';
  if (!plain) throw e;
  const t = label(target);
  return { problem: { code: 'not-converted', table: t, message: `the schema declares ${t} partitioned, but it is a plain table in this database: run drizzle-partitions convert apply --table ${t}; nothing is created or retired until then` } };
}

async function planTable(ex: Executor, table: PgTable | QualifiedName, opts: { now: Date; backfill: number; casing: Casing; limits: StepLimits; sizes: boolean }): Promise<TablePlan> {
  const target = resolveTarget(table);
  const policy = getPartitioning(table)?.policy;
  // One statement: the tree, the default partition's fence and whether it may hold
  // rows, and the tables a stopped run left being retired.
  const catalog = await readPlanCatalog(ex, target.table, target.declared, { sizes: opts.sizes }).catch((e: unknown) => notConverted(ex, table, target.table, e));
  if ('problem' in catalog) return { table: target.table, policy, tree: { table: target.table, partitionBy: '', keyTypes: [], keyColumns: [], partitions: [] }, ops: [], problems: [catalog.problem] };
  const { tree, defaultFacts, leftovers } = catalog;
  const t = label(tree.table);
  const plan: TablePlan = { table: tree.table, policy, tree, ops: [], problems: [] };
  const dflt = tree.partitions.find((p) => p.isDefault);
  // one pass, no intermediate arrays: a table may have 10,000 partitions
  const ranges: { p: PartitionInfo; r: Span }[] = [];
  for (const p of tree.partitions) {
    const r = rangeOf(p);
    if (r) ranges.push({ p, r });
  }
  ranges.sort((a, b) => compareBound(a.r.from, b.r.from) ?? 0);

  for (const p of tree.partitions.filter((x) => x.detachPending)) {
    plan.ops.push({ kind: 'finalize-detach', table: tree.table, partition: { schema: p.schema, name: p.name }, action: policy?.retention?.action });
    plan.problems.push({ code: 'detach-pending', table: t, partition: p.name, message: `a DETACH CONCURRENTLY of ${p.name} was interrupted; apply finishes it` });
  }
  for (const left of leftovers) {
    plan.ops.push({ kind: 'finish-retire', table: tree.table, partition: left, action: policy?.retention?.action });
    plan.problems.push({ code: 'retire-unfinished', table: t, partition: left.name, message: `${left.schema}.${left.name} was detached by a run that stopped before it finished retiring it; apply finishes it${policy?.retention ? ` (${policy.retention.action.kind})` : ''}` });
  }
  if (dflt) {
    if (defaultFacts?.fenced) plan.problems.push({ code: 'fence-left', table: t, partition: dflt.name, message: `a run of an earlier version stopped and left its fence on ${dflt.name}: inserts into the range it excludes are refused until apply attaches that partition, which removes it` });
    // An empty main fork holds no row (exact); otherwise ask the table itself.
    const any = defaultFacts?.mayHoldRows !== false && (await ex.query<{ any: boolean }>(anyRowsSql({ schema: dflt.schema, name: dflt.name })))[0]?.any === true;
    if (any) plan.problems.push({ code: 'default-has-rows', table: t, partition: dflt.name, message: `the default partition ${dflt.name} holds rows${dflt.estimatedRows > 0 ? ` (about ${dflt.estimatedRows})` : ''}; apply moves those that a new partition covers` });
  }
  const reportGaps = (cutoff: BoundValue | undefined, keyType: string | undefined) => {
    for (let i = 1; i < ranges.length; i++) {
      const prev = ranges[i - 1]!.r;
      const cur = ranges[i]!.r;
      if ((compareBound(prev.to, cur.from) ?? 0) >= 0) continue;
      // the hole retention leaves behind (below the cutoff) is not a gap
      if (cutoff && atOrBefore(cur.from, cutoff, keyType)) continue;
      plan.problems.push({ code: 'gap', table: t, message: `no partition covers [${displayValue(prev.to)}, ${displayValue(cur.from)}); rows there go to the default partition${dflt ? '' : ' — and there is none, so inserts fail'}` });
    }
  };
  if (!policy) {
    reportGaps(undefined, undefined);
    plan.problems.push({ code: 'no-policy', table: t, message: 'no maintenance policy: nothing is created ahead or retired' });
    return plan;
  }
  const keyType = tree.keyTypes[0]!;
  const keyColumn = tree.keyColumns[0] ?? null;

  // The slots the policy wants, around "now" (time) or the highest key (integer).
  const slots: (Span & { reason: CreateReason })[] = [];
  let cutoff: BoundValue | undefined;
  let futureFrom: BoundValue;
  if (policy.kind === 'time') {
    const now = BigInt(opts.now.getTime()) * 1000n;
    const cur = floorToSlot(now, policy.interval);
    // Runs that were missed leave holes between the newest partition and now:
    // fill them (at most MAX_GAP_FILL slots), so those rows have a partition.
    const curBound = timeBound(cur, keyType);
    // the last range that ends by the current slot (from the end: the newest few are ahead of it)
    let last = ranges.length - 1;
    while (last >= 0 && (compareBound(ranges[last]!.r.to, curBound) ?? 1) > 0) last--;
    const lastTo = last >= 0 ? boundMicros(ranges[last]!.r.to) : undefined;
    let gapStart = -opts.backfill;
    if (lastTo !== undefined && lastTo === floorToSlot(lastTo, policy.interval)) {
      for (let k = 1; k <= MAX_GAP_FILL && addSlots(cur, policy.interval, -k) >= lastTo; k++) gapStart = Math.min(gapStart, -k);
    }
    for (let k = gapStart; k <= policy.premake; k++) {
      const from = addSlots(cur, policy.interval, k);
      slots.push({ from: timeBound(from, keyType), to: timeBound(addSlots(from, policy.interval, 1), keyType), reason: k < -opts.backfill || (k < 0 && opts.backfill === 0) ? 'gap' : k < 0 ? 'backfill' : k === 0 ? 'current' : 'premake' });
    }
    futureFrom = timeBound(addSlots(cur, policy.interval, 1), keyType);
    if (policy.retention) cutoff = timeBound(subtractInterval(now, policy.retention.keep), keyType === 'date' ? 'timestamptz' : keyType);
  } else {
    if (!keyColumn) {
      // the schema refuses that; the database can still differ from the schema
      plan.problems.push({ code: 'key-mismatch', table: t, message: `the integer policy needs a column key, and ${t} is partitioned by ${tree.partitionBy} in the database; nothing is created or retired` });
      return plan;
    }
    const [row] = await ex.query<{ v: string | null }>(maxKeySql(tree.table, keyColumn));
    const max = row?.v === null || row?.v === undefined ? 0n : BigInt(row.v);
    const cur = floorToIntegerSlot(max, policy.interval);
    for (let k = -opts.backfill; k <= policy.premake; k++) {
      const from = cur + policy.interval * BigInt(k);
      slots.push({ from: integerBound(from), to: integerBound(from + policy.interval), reason: k < 0 ? 'backfill' : k === 0 ? 'current' : 'premake' });
    }
    futureFrom = integerBound(cur + policy.interval);
    if (policy.retention) cutoff = integerBound(max - policy.retention.keep);
  }

  const wanted = slots.filter((s) => {
    const hit = firstOverlapping(ranges, s);
    if (hit && !same(hit.r, s)) plan.problems.push({ code: 'misaligned', table: t, partition: hit.p.name, message: `${hit.p.name} (${hit.p.boundText}) overlaps the policy's slot [${displayValue(s.from)}, ${displayValue(s.to)}) without matching it; that slot is left alone` });
    return !hit;
  });
  const schema = tree.table.schema ?? 'public';
  const withTime = policy.kind === 'time' && policy.interval.unit === 'hour';
  const candidates = wanted.map((s) => {
    const base = partitionName(tree.table.name, { kind: 'range', from: [s.from], to: [s.to] }, { withTime });
    return [base, hashedName(base, displayValue(s.from))];
  });
  const existing = await relationsNamed(ex, schema, candidates.flat());
  const measure = await measureDefault(ex, dflt && hasDefaultRows(plan) ? { schema: dflt.schema, name: dflt.name } : null, opts.limits);
  const columns = wanted.length > 0 ? await copyColumns(ex, tree.table) : [];
  for (const [i, s] of wanted.entries()) {
    const [base] = candidates[i]!;
    if (identifierBytes(base!) > MAX_IDENTIFIER_BYTES) {
      plan.problems.push({ code: 'name-too-long', table: t, partition: base, message: `the partition for [${displayValue(s.from)}, ${displayValue(s.to)}) would be named ${base}, ${identifierBytes(base!)} bytes (PostgreSQL keeps 63); rename the table to something shorter` });
      continue;
    }
    const choice = choosePartitionName(candidates[i]!, existing);
    if ('taken' in choice) {
      plan.problems.push({ code: 'name-taken', table: t, partition: base, message: `tables named ${choice.taken.join(' and ')} already exist and are not unattached partitions of ours; the slot [${displayValue(s.from)}, ${displayValue(s.to)}) is skipped` });
      continue;
    }
    const bound: PartitionBound = { kind: 'range', from: [s.from], to: [s.to] };
    const rows = await measure.step(boundPredicate(keyColumn, bound), choice.resume ? { schema, name: choice.name } : undefined);
    const { parkedRows, needsWindow } = rows;
    if (parkedRows > 0) plan.problems.push({ code: 'rows-unattached', table: t, partition: choice.name, message: `${parkedRows} row(s) sit in ${choice.name}, a partition a stopped run left unattached: they do not show through ${t} until apply attaches it` });
    if (needsWindow) plan.problems.push({ code: 'needs-window', table: t, partition: choice.name, message: `creating ${choice.name} needs a maintenance window: ${needsWindow}; apply does it only with window: true (--window), when the application can wait for it` });
    plan.ops.push({
      kind: 'create',
      table: tree.table,
      partition: { schema, name: choice.name },
      bound,
      keyColumn,
      reason: s.reason,
      resume: choice.resume,
      default: dflt ? { schema: dflt.schema, name: dflt.name } : null,
      ...rows,
      columns,
      subpartitions: subpartitionsOf(table, policy, { schema, name: choice.name }, opts.casing),
      ...(policy.tablespace ? { tablespace: policy.tablespace } : {}),
    });
  }

  let futureNow = 0;
  for (const x of ranges) if ((compareBound(x.r.from, futureFrom) ?? -1) >= 0) futureNow++;
  const future = futureNow + wanted.filter((s) => (compareBound(s.from, futureFrom) ?? -1) >= 0).length;
  if (futureNow < policy.premake) {
    plan.problems.push({ code: 'premake-short', table: t, message: `${futureNow} partition(s) ready ahead, policy wants ${policy.premake}; apply creates ${future - futureNow}` });
  }

  if (policy.retention && cutoff) {
    for (const x of ranges) {
      if (x.p.origin !== 'maintenance' || x.p.isDefault || x.p.detachPending) continue;
      if (!atOrBefore(x.r.to, cutoff, keyType)) continue;
      const action = policy.retention.action;
      if (action.kind === 'move-tablespace' && x.p.tablespace === action.tablespace) continue;
      plan.ops.push({ kind: 'retire', table: tree.table, partition: { schema: x.p.schema, name: x.p.name }, bound: x.p.bound, action, parentHasDefault: dflt !== undefined });
      plan.problems.push({ code: 'past-retention', table: t, partition: x.p.name, message: `${x.p.name} is past retention (${x.p.boundText}); apply retires it (${action.kind})` });
    }
  }
  reportGaps(cutoff, keyType);
  return plan;
}

function hasDefaultRows(plan: TablePlan): boolean {
  return plan.problems.some((p) => p.code === 'default-has-rows');
}

/** The sub-partition DDL a policy's `partitionBy` gives the new partition `partition`. */
function subpartitionsOf(table: PgTable | QualifiedName, policy: MaintenancePolicy, partition: QualifiedName, casing: Casing): CreateOp['subpartitions'] {
  if (!policy.partitionBy || !getPartitioning(table)) return undefined;
  const level = resolveTemplate(table as PgTable, policy.partitionBy.spec, partition.name);
  const opts = { casing };
  return { partitionBy: partitionByClause(level, opts), statements: declaredPartitionsSql({ table: partition, ...level, onPartitionRemoved: 'detach' }, opts) };
}

/** Whether bound `v` is at or before `cutoff` (date bounds compared as instants). */
function atOrBefore(v: BoundValue, cutoff: BoundValue, keyType: string | undefined): boolean {
  const value = keyType === 'date' && v.kind === 'date' ? timeBound(boundMicros(v)!, 'timestamptz') : v;
  return (compareBound(value, cutoff) ?? 1) <= 0;
}


/**
 * Plans maintenance for `tables` (drizzle partitioned tables with a policy, or
 * `{ schema, name }`). Reads the catalog; writes nothing.
 *
 * @example
 * ```ts
 * const p = await plan(db, [events], { now: new Date() });
 * for (const t of p.tables) for (const op of t.ops) console.log(op.kind, op.partition.name);
 * ```
 */
export async function plan(db: DatabaseLike, tables: readonly (PgTable | QualifiedName)[], opts: PlanOptions = {}): Promise<MaintenancePlan> {
  const full = { now: opts.now ?? new Date(), backfill: opts.backfill ?? 0, casing: opts.casing, limits: { maxDefaultRows: opts.maxDefaultRows, maxMoveRows: opts.maxMoveRows }, sizes: opts.sizes === true };
  return withReadSession(db, async (ex) => {
    const out: TablePlan[] = [];
    for (const t of tables) out.push(await planTable(ex, t, full));
    // parents first (foreign keys), and retirements a foreign key would block marked
    return { now: full.now, tables: await orderFamilies(ex, out, tables, full.casing) };
  });
}

