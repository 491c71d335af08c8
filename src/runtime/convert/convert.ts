/**
 * Online conversion of a live plain table into the partitioned table its definition
 * describes, and back: {@link planConversion}, {@link convertTable},
 * {@link conversionStatus}, {@link undoConversion}, {@link dropConvertedOriginal}.
 * Each phase (copy made, rows copied, verified, swapped) is recorded in the
 * transaction that reaches it; `convertTable` resumes from the record after any
 * interruption. One converter per table (the maintainer's advisory lock).
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type { Casing } from '../../ddl/column-names.js';
import { createSyncTriggerSql, createTombstonesSql, createTruncateTriggerSql, dropSyncFunctionSql, dropTriggerSql, syncFunctionSql, truncateTriggerName } from '../../ddl/convert-sql.js';
import { deleteRecordSql, startRecordSql, type ConversionPhase } from '../../ddl/conversions-record-sql.js';
import { dropTableSql } from '../../ddl/partition-ddl.js';
import { getPartitioning } from '../../schema/partitioned-table.js';
import type { Partitioning } from '../../schema/resolved.js';
import { qualifiedLabel as label, quoteQualified, type QualifiedName } from '../../sql/quote.js';
import { RuntimeError } from '../../errors.js';
import { sqlState, type DatabaseLike, type Executor } from '../executor.js';
import { PG_ERRORS } from '../pg-errors.js';
import { releaseMaintainerLock, takeMaintainerLock, withLockRetry, type LockOptions } from '../lock.js';
import { withSession } from '../session.js';
import { copyRows, type CopyProgress } from './copy.js';
import { conversionNames, type ConversionNames } from './names.js';
import { ensureRecordTable, readRecord, type ConversionRecord } from './record.js';
import { plainShadowSql, shadowDefinition, shadowForeignKeySql, type ShadowPartition } from './shadow.js';
import { readSource, type SourceFacts } from './source.js';
import { snapshotMark, waitForOlderSnapshots, type OldSnapshotHolder } from './snapshots.js';
import { swapTables, validateForeignKeys } from './swap.js';
import { verifyCopy, type Verification } from './verify.js';

/** Options of {@link convertTable} (and lock behaviour of undo and drop). */
export interface ConvertOptions extends LockOptions {
  /** Rows per copy batch (default 10000, about 30 ms of work): a writer touching a row being copied waits at most for the rest of one batch. */
  batchRows?: number;
  /** The clock, for the policy's premake (default now). */
  now?: Date;
  /** drizzle's `casing`, as in the drizzle config. */
  casing?: Casing;
  /**
   * Only these of the definition's declared partitions (by name) are made with the copy:
   * the ones the migration holding the conversion recorded (the CLI reads them from the
   * migrations folder), so that later migrations adding partitions apply on top of the
   * converted table. Default: every declared partition.
   */
  declaredPartitions?: readonly string[];
  /**
   * Longest wait, before the swap, for transactions holding a snapshot older than the
   * copy's verification (default 30 minutes); then `CONVERT_SNAPSHOT_WAIT` names them
   * and the conversion stays verified (apply again resumes at the swap).
   */
  snapshotWaitMs?: number;
  /** Stop after this phase (default: swap, and validate the foreign keys re-made). */
  stopAfter?: 'copied' | 'verified';
  /** Progress, after each phase and each batch. */
  onProgress?: (event: ConvertProgress) => void;
}

/** A progress event of {@link convertTable} (`waitingFor`: before the swap, the sessions holding snapshots older than the copy, every 100 ms while there are some). */
export type ConvertProgress = { phase: ConversionPhase; waitingFor?: OldSnapshotHolder[] } & Partial<CopyProgress>;

/** What {@link convertTable} did. */
export interface ConvertResult {
  table: QualifiedName;
  /** The phase it ended in ('swapped' once done). */
  phase: ConversionPhase;
  /** Rows this call copied. */
  rowsCopied: number;
  verification?: Verification;
  /** Foreign keys pointing at the table, re-made on the partitioned table and validated. */
  foreignKeys: string[];
}

/** What {@link planConversion} says convertTable would do. */
export interface ConversionPlan {
  table: QualifiedName;
  /** The phase now ('none': not started; 'partitioned' / 'plain': the table is already what the definition says). */
  phase: ConversionPhase | 'none' | 'partitioned' | 'plain';
  shadow: string;
  old: string;
  partitions: ShadowPartition[];
  /** Rows to copy (estimate from the statistics). */
  estimatedRows: number;
  foreignKeys: string[];
  views: string[];
  triggers: string[];
  steps: string[];
}

/** What {@link conversionStatus} reads. */
export interface ConversionStatus {
  table: QualifiedName;
  phase: ConversionPhase | 'none';
  /** 'plain' or 'partitioned': the table under the name now. */
  live: 'plain' | 'partitioned' | 'missing';
  shadow: string;
  old: string;
  rowsCopied: number;
  sourceRows: number | null;
  /** Whether the table swapped out (kept for undo) still exists. */
  oldKept: boolean;
  startedAt?: string;
  updatedAt?: string;
}


/**
 * What a conversion makes of the table: the partitioned table its definition
 * describes (`partitioning`), or, for a plain drizzle table, a plain table again
 * (`partitioning` null: the conversion back).
 */
interface Target {
  table: QualifiedName;
  partitioning: Partitioning | null;
}

function targetOf(table: PgTable): Target {
  const p = getPartitioning(table);
  if (p) return { table: p.table, partitioning: p };
  if (is(table, PgTable)) {
    const c = getTableConfig(table);
    return { table: { ...(c.schema ? { schema: c.schema } : {}), name: c.name }, partitioning: null };
  }
  throw new RuntimeError('NOT_PARTITIONED', 'convertTable needs a table of the schema: its partitioned definition (pgPartitionedTable() or partitioned()), or a plain pgTable() to convert a partitioned table back', 'pass the table as the schema defines it');
}

/** The relkind the table has once converted. */
const convertedKind = (target: Target) => (target.partitioning ? 'p' : 'r');

async function exclusive<T>(ex: Executor, names: ConversionNames, fn: () => Promise<T>): Promise<T> {
  if (!(await takeMaintainerLock(ex, names.table, 'skip'))) {
    throw new RuntimeError('CONVERT_BUSY', `${label(names.table)}: another converter or maintainer holds the table's lock`, 'wait for it to finish, then run again (it resumes)');
  }
  try {
    return await fn();
  } finally {
    await releaseMaintainerLock(ex, names.table).catch(() => undefined);
  }
}

function checkSource(names: ConversionNames, facts: SourceFacts): void {
  const t = label(names.table);
  if (!facts.exists) throw new RuntimeError('CONVERT_NO_TABLE', `${t} does not exist`, 'create it (or migrate) first; convert turns an existing table into the partitioned (or plain) table the schema defines');
  if (facts.key.length === 0) throw new RuntimeError('CONVERT_NO_PRIMARY_KEY', `${t} has no primary key: the copy and its change capture find rows by primary key`, `add a primary key holding the partition key to ${t}`);
  const materialized = facts.views.filter((v) => v.kind === 'm').map((v) => `${v.view.schema}.${v.view.name}`);
  if (materialized.length > 0) throw new RuntimeError('CONVERT_VIEW_UNSUPPORTED', `${t} is read by materialized view(s) ${materialized.join(', ')}, which cannot be re-pointed without a rebuild`, 'drop them before converting and re-create them after');
}

/**
 * Refuses (`CONVERT_OTHER_DIRECTION`) to go on with a conversion the record holds the
 * other way round: the table once swapped is not what the definition asks for (or,
 * before the swap, already is), e.g. converted to partitioned, its plain original
 * kept, and now defined plain again.
 */
function checkDirection(names: ConversionNames, target: Target, record: ConversionRecord, facts: SourceFacts): void {
  if (!facts.exists) return;
  const swapped = record.phase === 'swapped';
  if ((facts.kind === convertedKind(target)) === swapped) return;
  const t = label(names.table);
  const now = facts.kind === 'p' ? 'partitioned' : 'plain';
  const kept = swapped ? names.old : names.shadow;
  throw new RuntimeError(
    'CONVERT_OTHER_DIRECTION',
    `${t}: the schema defines it ${target.partitioning ? 'partitioned' : 'plain'}, but the conversion recorded for it (at ${record.phase}, the table ${now}) goes the other way, keeping ${kept}`,
    swapped
      ? `run \`drizzle-partitions convert undo --table ${t}\` to swap ${kept} back (it received every write), or \`convert drop-old --yes\` to drop it and then apply to convert online`
      : `run \`drizzle-partitions convert drop-old --yes --table ${t}\` to drop ${kept}, then apply again`,
  );
}

/**
 * Refuses (`CONVERT_DEFERRABLE_KEY`) a table whose primary key or a unique constraint
 * is DEFERRABLE: the copy inherits it, and ON CONFLICT (the change capture's upsert,
 * the copy's skip) cannot use such a constraint: every write would fail.
 */
async function checkNotDeferrable(ex: Executor, names: ConversionNames, facts: SourceFacts): Promise<void> {
  const rows = await ex.query<{ name: string }>(`select conname::text as name from pg_catalog.pg_constraint where conrelid = $1::oid and contype in ('p', 'u') and condeferrable order by 1`, [facts.oid]);
  if (rows.length === 0) return;
  const t = label(names.table);
  const list = rows.map((r) => r.name).join(', ');
  throw new RuntimeError(
    'CONVERT_DEFERRABLE_KEY',
    `${t}: its constraint(s) ${list} are DEFERRABLE; the conversion's upserts (ON CONFLICT) cannot use a deferrable constraint, so every write would fail during it`,
    `ALTER TABLE ${t} ALTER CONSTRAINT ... NOT DEFERRABLE (${list}) before converting, and back after if you need it`,
  );
}

/**
 * Refuses (`CONVERT_ROW_SECURITY`) when row-level security would hide rows of the table
 * from this session: the copy and its verification would both miss them, and the swap
 * would lose them. Probed with `row_security = off`, under which such a read fails
 * instead of being filtered.
 */
async function checkRowSecurity(ex: Executor, names: ConversionNames, facts: SourceFacts): Promise<void> {
  if (!facts.rowSecurity.enabled) return;
  try {
    await ex.transaction(async (tx) => {
      await tx.query('SET LOCAL row_security = off');
      await tx.query(`SELECT 1 FROM ${quoteQualified(names.table)} LIMIT 0`);
    });
  } catch (e) {
    if (sqlState(e) !== PG_ERRORS.insufficientPrivilege) throw e;
    const t = label(names.table);
    throw new RuntimeError(
      'CONVERT_ROW_SECURITY',
      `${t}: row-level security would hide some of its rows from this role (${(e as Error).message}); copying through it would lose them, so nothing was copied`,
      `convert as a role with BYPASSRLS (or a superuser), or ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY while converting as its owner`,
    );
  }
}

/**
 * Converts the live plain table `table` (its partitioned definition) into a
 * partitioned table online, or resumes a conversion that stopped: makes the
 * partitioned copy `<table>_dp_new` with a trigger capturing every write, copies the
 * rows in batches, verifies counts and checksums, swaps the two in one short
 * transaction, then validates the foreign keys re-pointed at it. The original is kept
 * as `<table>_dp_old`, still receiving every write, until
 * {@link dropConvertedOriginal}; {@link undoConversion} swaps back.
 *
 * @example
 * ```ts
 * const r = await convertTable(db, events, { batchRows: 10000, lockTimeoutMs: 1000, onProgress: (e) => console.error(e.phase, e.rowsCopied ?? '') });
 * r.phase; // 'swapped'
 * ```
 */
export async function convertTable(db: DatabaseLike, table: PgTable, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const target = targetOf(table);
  const names = conversionNames(target.table);
  const batchRows = opts.batchRows ?? 10_000;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RuntimeError('OPTION_INVALID', `batchRows must be a whole number >= 1, got ${String(batchRows)}`);
  if (opts.snapshotWaitMs !== undefined && !(Number.isFinite(opts.snapshotWaitMs) && opts.snapshotWaitMs >= 0)) throw new RuntimeError('OPTION_INVALID', `snapshotWaitMs must be a number of milliseconds >= 0, got ${String(opts.snapshotWaitMs)}`);
  return withSession(db, (ex) =>
    exclusive(ex, names, async () => {
      await ensureRecordTable(ex);
      const result: ConvertResult = { table: names.table, phase: 'shadow-created', rowsCopied: 0, foreignKeys: [] };
      let record = await readRecord(ex, names.table.schema, names.table.name);
      const facts = await readSource(ex, names.table, names.trigger);
      if (!record) {
        checkSource(names, facts);
        if (facts.kind === convertedKind(target)) return { ...result, phase: 'swapped' };
        await checkRowSecurity(ex, names, facts);
        await checkNotDeferrable(ex, names, facts);
        await createShadow(ex, target, names, facts, opts);
        record = (await readRecord(ex, names.table.schema, names.table.name))!;
        opts.onProgress?.({ phase: 'shadow-created' });
      }
      checkDirection(names, target, record, facts);
      if (record.phase === 'swapped') {
        await dropTombstones(ex, names, opts);
        await validateForeignKeys(ex, record.foreignKeys, opts);
        return { ...result, phase: 'swapped', foreignKeys: record.foreignKeys.map((f) => `${f.table.schema}.${f.table.name}.${f.name}`) };
      }
      checkSource(names, facts);
      if (record.phase === 'shadow-created' || record.phase === 'copying') await checkRowSecurity(ex, names, facts);
      if (record.phase === 'shadow-created') await ensureCapture(ex, names, facts, opts);
      if (record.phase === 'shadow-created' || record.phase === 'copying') {
        result.rowsCopied = await copyRows(ex, names, facts, record, { ...opts, batchRows }, (c) => opts.onProgress?.({ phase: 'copying', ...c }));
        opts.onProgress?.({ phase: 'copied' });
        if (opts.stopAfter === 'copied') return { ...result, phase: 'copied' };
      }
      // after undo, the copy was kept in step: verify it again before swapping
      const mark = await snapshotMark(ex);
      result.verification = await verifyCopy(ex, names, facts);
      opts.onProgress?.({ phase: 'verified' });
      if (opts.stopAfter === 'verified') return { ...result, phase: 'verified' };
      // a snapshot older than the copy's rows must not meet the copy under the table's name
      await waitForOlderSnapshots(ex, mark, { timeoutMs: opts.snapshotWaitMs, table: label(names.table), waiting: (holders) => opts.onProgress?.({ phase: 'verified', waitingFor: holders }) });
      const fks = await swapTables(ex, names, 'forward', opts);
      opts.onProgress?.({ phase: 'swapped' });
      await dropTombstones(ex, names, opts);
      await validateForeignKeys(ex, fks, opts);
      return { ...result, phase: 'swapped', foreignKeys: fks.map((f) => `${f.table.schema}.${f.table.name}.${f.name}`) };
    }),
  );
}

/** Drops the keys deleted during the copy: nothing writes them once the swap dropped the trigger that did (undo makes one without). */
async function dropTombstones(ex: Executor, names: ConversionNames, opts: LockOptions): Promise<void> {
  await withLockRetry(ex, { what: `drop ${names.tombstones.name}`, relation: names.tombstones }, opts, (tx) => tx.query(dropTableSql({ table: names.tombstones, ifExists: true })));
}

/**
 * Makes the copy and its partitions, the tombstones, the change-capture function, and
 * starts the record: one transaction, which locks no table the application writes
 * (the foreign keys and the trigger come in short steps of their own, {@link ensureCapture}).
 */
async function createShadow(ex: Executor, target: Target, names: ConversionNames, facts: SourceFacts, opts: ConvertOptions): Promise<void> {
  const statements = target.partitioning
    ? (await shadowDefinition(ex, target.partitioning, names, facts, { now: opts.now ?? new Date(), casing: opts.casing, declaredPartitions: opts.declaredPartitions })).statements
    : plainShadowSql(names, facts);
  const shadow = { schema: names.table.schema, name: names.shadow };
  await withLockRetry(ex, { what: `make ${names.shadow}`, relation: names.table }, opts, async (tx) => {
    for (const s of statements) await tx.query(s);
    await tx.query(createTombstonesSql(names.tombstones, facts.key));
    await tx.query(syncFunctionSql(names.forward, shadow, facts.columns, facts.key.map((k) => k.name), { tombstones: names.tombstones, foreignKeys: facts.outbound.length > 0 }));
    await tx.query(startRecordSql(), [names.table.schema, names.table.name, names.shadow, names.old]);
  });
}

/**
 * Before the first batch: the copy's outgoing foreign keys that are missing, each in a
 * step of its own (adding one holds the table it points at against writes until the
 * commit), then the change capture, in one short step under lock_timeout (its lock on
 * the table waits for writers already in a transaction there).
 */
async function ensureCapture(ex: Executor, names: ConversionNames, facts: SourceFacts, opts: LockOptions): Promise<void> {
  const shadow = { schema: names.table.schema, name: names.shadow };
  const present = await ex.query<{ name: string; kind: string }>(
    `select conname::text as name, 'fk' as kind from pg_catalog.pg_constraint where conrelid = pg_catalog.to_regclass($1::text) and contype = 'f'
     union all select tgname::text, 'trigger' from pg_catalog.pg_trigger where tgrelid = pg_catalog.to_regclass($2::text) and tgname in ($3::text, $4::text)`,
    [quoteQualified(shadow), quoteQualified(names.table), names.trigger, truncateTriggerName(names.trigger)],
  );
  const has = (kind: string, name?: string) => present.filter((r) => r.kind === kind && (name === undefined || r.name === name)).length;
  for (const fk of facts.outbound) {
    if (has('fk', fk.name) > 0) continue;
    await withLockRetry(ex, { what: `add ${fk.name} to ${names.shadow}`, relation: shadow }, opts, (tx) => tx.query(shadowForeignKeySql(shadow, fk)));
  }
  const missing = [
    ...(has('trigger', names.trigger) ? [] : createSyncTriggerSql(names.table, names.trigger, names.forward)),
    ...(has('trigger', truncateTriggerName(names.trigger)) ? [] : createTruncateTriggerSql(names.table, names.trigger, names.forward)),
  ];
  if (missing.length === 0) return;
  await withLockRetry(ex, { what: `capture the writes of ${label(names.table)}`, relation: names.table }, opts, async (tx) => {
    for (const s of missing) await tx.query(s);
  });
}

/**
 * What {@link convertTable} would do for `table`, read from the catalog and the
 * record; changes nothing.
 *
 * @example
 * ```ts
 * const p = await planConversion(db, events);
 * p.partitions.map((x) => x.name); // ['events_p20260101', ..., 'events_default']
 * ```
 */
export async function planConversion(db: DatabaseLike, table: PgTable, opts: { now?: Date; casing?: Casing; declaredPartitions?: readonly string[] } = {}): Promise<ConversionPlan> {
  const target = targetOf(table);
  const names = conversionNames(target.table);
  return withSession(db, async (ex) => {
    const record = await readRecord(ex, names.table.schema, names.table.name);
    const facts = await readSource(ex, names.table, names.trigger);
    const base: ConversionPlan = {
      table: names.table,
      phase: record?.phase ?? 'none',
      shadow: names.shadow,
      old: names.old,
      partitions: [],
      estimatedRows: 0,
      foreignKeys: facts.inbound.map((f) => `${f.table.schema}.${f.table.name}.${f.name}`),
      views: facts.views.map((v) => `${v.view.schema}.${v.view.name}`),
      triggers: facts.triggers.map((t) => t.name),
      steps: [],
    };
    if (!record && facts.exists && facts.kind === convertedKind(target)) return { ...base, phase: target.partitioning ? 'partitioned' : 'plain' };
    if (record) {
      base.steps = stepsFrom(record.phase, names);
      return base;
    }
    checkSource(names, facts);
    const { partitions } = target.partitioning
      ? await shadowDefinition(ex, target.partitioning, names, facts, { now: opts.now ?? new Date(), casing: opts.casing, declaredPartitions: opts.declaredPartitions })
      : { partitions: [] };
    const [est] = await ex.query<{ n: string }>(`select greatest(c.reltuples, 0)::bigint::text as n from pg_catalog.pg_class c where c.oid = $1::oid`, [facts.oid]);
    return { ...base, partitions, estimatedRows: Number(est?.n ?? 0), steps: stepsFrom('none', names) };
  });
}

function stepsFrom(phase: ConversionPhase | 'none', names: ConversionNames): string[] {
  const t = label(names.table);
  const all: [ConversionPhase | 'none', string][] = [
    ['none', `create ${names.shadow} (partitioned) and a trigger on ${t} copying every write into it`],
    ['shadow-created', `copy the rows of ${t} into ${names.shadow} in batches`],
    ['copying', `copy the rows of ${t} into ${names.shadow} in batches`],
    ['copied', `verify row counts and checksums`],
    ['verified', `swap: ${t} becomes ${names.old} (kept, receiving every write), ${names.shadow} becomes ${t}; re-point foreign keys and views`],
  ];
  if (phase === 'swapped') return [`nothing: done (drop-old --yes drops ${names.old}; undo swaps back)`];
  if (phase === 'undone') return [`verify ${names.shadow} again`, all[4]![1]];
  const from = all.findIndex(([p]) => p === phase);
  return [...new Set(all.slice(from).map(([, s]) => s))];
}

/**
 * Where the conversion of `table` stands: its phase, rows copied, whether the
 * original is kept. Accepts the definition or `{ schema, name }`.
 *
 * @example
 * ```ts
 * const s = await conversionStatus(db, events);
 * if (s.phase === 'swapped' && s.oldKept) console.log(`${s.old} kept for undo`);
 * ```
 */
export async function conversionStatus(db: DatabaseLike, table: PgTable | QualifiedName): Promise<ConversionStatus> {
  const names = conversionNames(conversionTableOf(table));
  return withSession(db, async (ex) => {
    const record = await readRecord(ex, names.table.schema, names.table.name);
    const [row] = await ex.query<{ live: string | null; old: boolean }>(
      `select (select relkind::text from pg_catalog.pg_class where oid = pg_catalog.to_regclass($1::text)) as live, pg_catalog.to_regclass($2::text) is not null as old`,
      [quoteQualified(names.table), quoteQualified({ schema: names.table.schema, name: record?.phase === 'undone' ? names.shadow : names.old })],
    );
    return {
      table: names.table,
      phase: record?.phase ?? 'none',
      live: row?.live === 'p' ? 'partitioned' : row?.live === 'r' ? 'plain' : 'missing',
      shadow: names.shadow,
      old: names.old,
      rowsCopied: record?.rowsCopied ?? 0,
      sourceRows: record?.sourceRows ?? null,
      oldKept: record?.phase === 'swapped' || record?.phase === 'undone' ? row?.old === true : false,
      ...(record ? { startedAt: record.startedAt, updatedAt: record.updatedAt } : {}),
    };
  });
}

/**
 * The table a conversion works on: from the schema's definition, a partitioned one
 * (converting into it) or a plain `pgTable()` (converting back); or `{ schema, name }` as given.
 *
 * @example
 * ```ts
 * conversionTableOf(events); // { name: 'events' }
 * ```
 */
export function conversionTableOf(table: PgTable | QualifiedName): QualifiedName {
  if (getPartitioning(table) || is(table, PgTable)) return targetOf(table as PgTable).table;
  const q = table as QualifiedName;
  if (typeof q.name === 'string') return q;
  throw new RuntimeError('NOT_PARTITIONED', 'pass the table as the schema defines it, or { schema, name }');
}

/**
 * Swaps a converted table back: the plain original (which received every write since
 * the swap) takes the name again, foreign keys and views follow it, and the
 * partitioned table is kept in step as `<table>_dp_new`, so `convertTable` can swap
 * again after verifying it. Only after a swap.
 *
 * @example
 * ```ts
 * await undoConversion(db, events, { lockTimeoutMs: 1000 });
 * ```
 */
export async function undoConversion(db: DatabaseLike, table: PgTable | QualifiedName, opts: LockOptions = {}): Promise<ConversionStatus> {
  const names = conversionNames(conversionTableOf(table));
  await withSession(db, (ex) =>
    exclusive(ex, names, async () => {
      const record = await readRecord(ex, names.table.schema, names.table.name);
      if (record?.phase !== 'swapped') {
        throw new RuntimeError('CONVERT_NOT_SWAPPED', `${label(names.table)}: nothing to undo (the conversion is ${record ? `at ${record.phase}` : 'not started'})`, 'undo swaps back a converted table; drop-old --yes abandons a conversion before its swap');
      }
      const fks = await swapTables(ex, names, 'back', opts);
      await validateForeignKeys(ex, fks, opts);
    }),
  );
  return conversionStatus(db, names.table);
}

/**
 * Ends a conversion: after the swap, drops the original kept as `<table>_dp_old` and
 * the trigger feeding it; before the swap or after undo, abandons it, dropping the
 * partitioned copy and its trigger. Destructive: needs `{ confirm: true }`.
 *
 * @example
 * ```ts
 * await dropConvertedOriginal(db, events, { confirm: true });
 * ```
 */
export async function dropConvertedOriginal(db: DatabaseLike, table: PgTable | QualifiedName, opts: LockOptions & { confirm: boolean }): Promise<{ dropped: string | null }> {
  const names = conversionNames(conversionTableOf(table));
  if (opts.confirm !== true) throw new RuntimeError('CONVERT_CONFIRM_REQUIRED', `dropping the table a conversion of ${label(names.table)} keeps needs confirmation`, 'pass { confirm: true } (CLI: --yes)');
  return withSession(db, (ex) =>
    exclusive(ex, names, async () => {
      const record = await readRecord(ex, names.table.schema, names.table.name);
      if (!record) return { dropped: null };
      const swapped = record.phase === 'swapped';
      const victim = { schema: names.table.schema, name: swapped ? names.old : names.shadow };
      const fn = swapped ? names.reverse : names.forward;
      await withLockRetry(ex, { what: `drop ${victim.name}`, relation: names.table, holdFirst: names.table }, opts, async (tx) => {
        await tx.query(dropTriggerSql(names.table, names.trigger));
        await tx.query(dropTriggerSql(names.table, truncateTriggerName(names.trigger)));
        await tx.query(dropTableSql({ table: victim, ifExists: true }));
        await tx.query(dropTableSql({ table: names.tombstones, ifExists: true }));
        await tx.query(dropSyncFunctionSql(fn));
        await tx.query(dropSyncFunctionSql(swapped ? names.forward : names.reverse));
        await tx.query(deleteRecordSql(), [names.table.schema, names.table.name]);
      });
      return { dropped: `${victim.schema}.${victim.name}` };
    }),
  );
}
