/**
 * The maintenance runner's record of its runs (`drizzle_partitions.maintenance_runs`,
 * one row per table: its last run and when it last succeeded), written by the runner
 * and read by `status`. The catalog stays the truth about partitions: this says only
 * whether maintenance has been running.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { createRunsTableSql, readRunsSql, runsTableExistsSql, upsertRunsSql } from '../ddl/runs-record-sql.js';
import { RuntimeError } from '../errors.js';
import type { QualifiedName } from '../sql/quote.js';
import { sqlState, type DatabaseLike, type Executor } from './executor.js';
import { resolveTarget } from './introspect.js';
import { PG_ERRORS } from './pg-errors.js';
import { withReadSession } from './session.js';

/**
 * How a run ended: its outcome and the operations it did, failed and skipped — of a
 * table (TableRun, RunRecord) or of a whole run (MaintenanceRun).
 *
 * @example
 * ```ts
 * const line = (r: RunOutcome) => `${r.outcome}: ${r.done} done, ${r.failed} failed, ${r.skipped} skipped`;
 * ```
 */
export interface RunOutcome {
  outcome: 'ok' | 'failed';
  /** Operations done, failed and skipped (e.g. a retirement without `allowDestructive`). */
  done: number;
  failed: number;
  skipped: number;
}

/**
 * How one table fared in one run of the runner.
 *
 * @example
 * ```ts
 * const bad: TableRun[] = run.tables.filter((t) => t.outcome === 'failed');
 * ```
 */
export interface TableRun extends RunOutcome {
  table: QualifiedName;
  /** Why it failed, as a sentence. */
  error?: string;
}

/**
 * A table's row of the record, as {@link maintenanceStatus} reads it.
 *
 * @example
 * ```ts
 * const r: RunRecord | null = (await maintenanceStatus(db, [events]))[0]!.last;
 * if (r) console.log(r.outcome, r.finishedAt, r.lastSuccessAt);
 * ```
 */
export interface RunRecord extends RunOutcome {
  table: QualifiedName;
  /** The runner's name (startMaintenance's `name`). */
  runner: string;
  /** The runner's interval. */
  everyMs: number;
  startedAt: Date;
  finishedAt: Date;
  error: string | null;
  /** When a run last went well for this table; null when none has yet. */
  lastSuccessAt: Date | null;
}

/**
 * Where a table's maintenance stands, by the record.
 *
 * @example
 * ```ts
 * for (const s of await maintenanceStatus(db, [events], { staleAfterMs: 3 * 60_000 })) if (s.stale) console.error(s.message);
 * ```
 */
export interface MaintenanceRecordStatus {
  table: QualifiedName;
  /** The table's row of the record; null when no runner has recorded a run of it. */
  last: RunRecord | null;
  /** Whether no run succeeded within `staleAfterMs` (or `staleAfterIntervals` of the runner's interval) before `now` (always false without either). */
  stale: boolean;
  /** One sentence: how the last run went and when maintenance last succeeded. */
  message: string;
}

/**
 * Records one run of the runner (see runs-record-sql.ts), making the record's table
 * first when it is missing.
 *
 * @example
 * ```ts
 * await withExecutor(held.db, (ex) => recordRun(ex, { runner: 'default', everyMs: 60_000, startedAt, finishedAt, tables }));
 * ```
 */
export async function recordRun(ex: Executor, run: { runner: string; everyMs: number; startedAt: Date; finishedAt: Date; tables: readonly TableRun[] }): Promise<void> {
  if (run.tables.length === 0) return;
  const rows = run.tables.map((t) => ({
    table_schema: t.table.schema ?? 'public',
    table_name: t.table.name,
    runner: run.runner,
    interval_ms: run.everyMs,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt.toISOString(),
    outcome: t.outcome,
    ops_done: t.done,
    ops_failed: t.failed,
    ops_skipped: t.skipped,
    error: t.error ?? null,
  }));
  const params = [JSON.stringify(rows)];
  try {
    await ex.query(upsertRunsSql(), params);
  } catch (e) {
    // the first run on this database
    if (sqlState(e) !== PG_ERRORS.undefinedTable && sqlState(e) !== PG_ERRORS.invalidSchemaName) throw e;
    await ex.transaction(async (tx) => {
      // two runners of different names making it at once would collide in the catalog
      await tx.query(`select pg_catalog.pg_advisory_xact_lock(hashtext('drizzle_partitions.maintenance_runs'))`);
      for (const s of createRunsTableSql()) await tx.query(s);
    });
    await ex.query(upsertRunsSql(), params);
  }
}

interface RecordRow {
  sch: string;
  tbl: string;
  runner: string;
  every: string;
  started: string;
  finished: string;
  outcome: 'ok' | 'failed';
  done: number;
  failed: number;
  skipped: number;
  error: string | null;
  succeeded: string | null;
}

/**
 * Where the maintenance of `tables` stands by the runner's record: each table's last
 * run and last success, and with `staleAfterMs` (or `staleAfterIntervals`: that many of
 * the runner's own recorded intervals, as pg_partman's maintenance_last_run check
 * counts them), whether it is stale — no run has succeeded within that time before
 * `now` (a table with no record is stale then too). Reads only; a database where no
 * runner ever ran gives `last: null` for each.
 *
 * @throws {RuntimeError} `OPTION_INVALID` when `staleAfterMs` or `staleAfterIntervals`
 * is not a positive number, or both are given.
 *
 * @example
 * ```ts
 * const [events] = await maintenanceStatus(db, [eventsTable], { staleAfterMs: 3 * 60_000 });
 * if (events!.stale) console.error(events!.message); // 'maintenance last succeeded at ... , more than 180000 ms ago'
 * const [byIntervals] = await maintenanceStatus(db, [eventsTable], { staleAfterIntervals: 3 }); // 3 × the runner's `every`
 * ```
 */
export async function maintenanceStatus(
  db: DatabaseLike,
  tables: readonly (PgTable | QualifiedName)[],
  opts: { staleAfterMs?: number; staleAfterIntervals?: number; now?: Date } = {},
): Promise<MaintenanceRecordStatus[]> {
  const { staleAfterMs, staleAfterIntervals } = opts;
  if (staleAfterMs !== undefined && !(Number.isFinite(staleAfterMs) && staleAfterMs > 0)) {
    throw new RuntimeError('OPTION_INVALID', `staleAfterMs must be a positive number of milliseconds (got ${staleAfterMs})`);
  }
  if (staleAfterIntervals !== undefined && !(Number.isFinite(staleAfterIntervals) && staleAfterIntervals > 0)) {
    throw new RuntimeError('OPTION_INVALID', `staleAfterIntervals must be a positive number of the runner's intervals (got ${staleAfterIntervals})`);
  }
  if (staleAfterMs !== undefined && staleAfterIntervals !== undefined) {
    throw new RuntimeError('OPTION_INVALID', 'give staleAfterMs or staleAfterIntervals, not both');
  }
  const checked = staleAfterMs !== undefined || staleAfterIntervals !== undefined;
  const now = opts.now ?? new Date();
  const names = tables.map((t) => resolveTarget(t).table);
  const rows = await withReadSession(db, async (ex) => {
    const [exists] = await ex.query<{ ok: boolean }>(runsTableExistsSql());
    if (!exists?.ok) return [];
    return ex.query<RecordRow>(readRunsSql(), [JSON.stringify(names.map((n) => [n.schema ?? 'public', n.name]))]);
  });
  return names.map((table) => {
    const row = rows.find((r) => r.sch === (table.schema ?? 'public') && r.tbl === table.name);
    const last = row ? toRecord(table, row) : null;
    const limitMs = staleAfterMs ?? (staleAfterIntervals !== undefined && last ? staleAfterIntervals * last.everyMs : undefined);
    const stale = checked && (last?.lastSuccessAt == null || limitMs === undefined || now.getTime() - last.lastSuccessAt.getTime() > limitMs);
    const past = limitMs === undefined ? '' : staleAfterIntervals !== undefined ? `, more than ${staleAfterIntervals} interval(s) of ${last!.everyMs} ms ago` : `, more than ${limitMs} ms ago`;
    return { table, last, stale, message: describe(last, stale, past) };
  });
}

function toRecord(table: QualifiedName, r: RecordRow): RunRecord {
  return {
    table,
    runner: r.runner,
    everyMs: Number(r.every),
    startedAt: new Date(r.started),
    finishedAt: new Date(r.finished),
    outcome: r.outcome,
    done: Number(r.done),
    failed: Number(r.failed),
    skipped: Number(r.skipped),
    error: r.error,
    lastSuccessAt: r.succeeded === null ? null : new Date(r.succeeded),
  };
}

function describe(last: RunRecord | null, stale: boolean, past: string): string {
  if (!last) return stale ? 'maintenance has never succeeded: no runner has recorded a run of this table' : 'no runner has recorded a run of this table (startMaintenance)';
  const lastRun = `last run ${last.outcome === 'ok' ? 'ok' : `failed (${last.error ?? 'no reason recorded'})`} at ${last.finishedAt.toISOString()} by runner "${last.runner}" (every ${last.everyMs} ms): ${last.done} done, ${last.failed} failed, ${last.skipped} skipped`;
  if (!last.lastSuccessAt) return `maintenance has never succeeded; ${lastRun}`;
  if (stale) return `maintenance last succeeded at ${last.lastSuccessAt.toISOString()}${past}; ${lastRun}`;
  return `${lastRun}; last succeeded at ${last.lastSuccessAt.toISOString()}`;
}
