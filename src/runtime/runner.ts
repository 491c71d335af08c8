/**
 * Maintenance that runs itself: plan() + apply() every `every` ms inside the
 * application, by one runner across all its processes. The maintainer is whoever
 * holds the runner's session advisory lock, on a connection set aside for it
 * (holdSession); the others try again each interval. PostgreSQL releases the lock when
 * the holder's connection ends, so a killed maintainer hands over within an interval.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { RuntimeError } from '../errors.js';
import { qualifiedLabel, type QualifiedName } from '../sql/quote.js';
import { apply, type ApplyOptions, type ApplyResult } from './apply.js';
import { checkDatabase, holdSession, withExecutor, type DatabaseLike, type HeldSession } from './executor.js';
import { resolveTarget } from './introspect.js';
import { holdsRunnerLock, releaseRunnerLock, tryRunnerLock } from './lock.js';
import { plan, type MaintenancePlan, type PlanOptions, type TablePlan } from './plan.js';
import { recordRun, type RunOutcome, type TableRun } from './runs-record.js';

/**
 * Options of {@link startMaintenance}.
 *
 * @example
 * ```ts
 * const opts: MaintenanceRunnerOptions = { every: 60_000, onError: (e) => log.error(e), applyOptions: { allowDestructive: true } };
 * ```
 */
export interface MaintenanceRunnerOptions {
  /** Milliseconds from the end of one run (or check) to the start of the next. */
  every: number;
  /**
   * The runner's name (default 'default'): one maintainer per name across all
   * processes; the record says which runner ran each table.
   */
  name?: string;
  /**
   * Gets every error: a plan or apply that threw, steps that failed (one
   * `MAINTENANCE_FAILED` per run), a lost lock (`RUNNER_LOCK_LOST`), a record that could
   * not be written. Nothing is thrown from the runner's timers. Default: console.error.
   */
  onError?: (error: unknown) => void;
  /** After each run this runner carried out as the maintainer. */
  onRun?: (run: MaintenanceRun) => void;
  /** After each check that found another runner maintaining. */
  onWait?: () => void;
  /** Passed to plan() each run (`now` included: leave it out to plan at the time of the run). */
  planOptions?: PlanOptions;
  /** Passed to apply() each run: retirements run only with `allowDestructive: true`, as with apply(). */
  applyOptions?: ApplyOptions;
  /** Write each run to `drizzle_partitions.maintenance_runs` (default true). */
  record?: boolean;
}

/**
 * One run of the runner.
 *
 * @example
 * ```ts
 * startMaintenance(db, [events], { every: 60_000, onRun: (r: MaintenanceRun) => console.log(r.outcome, r.done, r.failed) });
 * ```
 */
export interface MaintenanceRun extends RunOutcome {
  startedAt: Date;
  finishedAt: Date;
  /** 'failed' when a table's plan or apply threw, or a step failed. */
  outcome: 'ok' | 'failed';
  /** The first error of the run, as a sentence. */
  error?: string;
  /** Each table's part. */
  tables: TableRun[];
  /** What was planned (the tables whose plan succeeded). */
  plan?: MaintenancePlan;
  result?: ApplyResult;
}

/**
 * A started runner.
 *
 * @example
 * ```ts
 * const runner: MaintenanceRunner = startMaintenance(db, [events], { every: 60_000 });
 * process.on('SIGTERM', () => void runner.stop());
 * ```
 */
export interface MaintenanceRunner {
  /** 'starting' until its first check, 'maintaining' while it holds the lock, 'waiting' while another runner does. */
  readonly state: 'starting' | 'waiting' | 'maintaining' | 'stopped';
  /**
   * Stops it: no run starts after this; resolves once a run under way has finished and
   * the lock is released (its connection given back). Never rejects; calling it again
   * gives the same promise.
   */
  stop(): Promise<void>;
}

/** Single connections (PGlite, a Client) claimed by a runner of this process, per name: their one session cannot tell two runners apart. */
const claimed = new WeakMap<object, Set<string>>();

/**
 * Runs plan() + apply() on `tables` every `opts.every` ms inside this process, as one
 * runner across every process that starts it with the same `name`: the runner that
 * holds a session-level advisory lock maintains, on a connection of `db` it keeps for
 * that (a pool: one connection reserved; PGlite or a single client: that connection);
 * the others check again each interval, so when the maintainer's process dies its
 * connection closes, PostgreSQL releases the lock and another takes over within an
 * interval. Runs never overlap: the next starts `every` ms after the previous ended.
 *
 * Errors go to `onError`, never out of a timer; the timers are unref()ed and keep no
 * process alive. Each run is recorded per table in `drizzle_partitions.maintenance_runs`
 * (made when missing), which `status --stale-after` and {@link maintenanceStatus} read.
 * Retirements need `applyOptions: { allowDestructive: true }`, as with apply().
 *
 * `db`: a drizzle database (postgres.js, node-postgres, PGlite) or its client. With a
 * pool of more than one connection, plan() and apply() take their own connection for a
 * run (so DETACH ... CONCURRENTLY is possible) while the reserved one holds the lock.
 *
 * @throws {RuntimeError} `OPTION_INVALID` when `every` is not a positive number of ms,
 *   `DATABASE_UNSUPPORTED` when `db` is not a database this package runs on.
 *
 * @example
 * ```ts
 * import { drizzle } from 'drizzle-orm/node-postgres';
 * import { startMaintenance } from 'drizzle-partitions';
 * import { events } from './schema';
 *
 * const db = drizzle(process.env.DATABASE_URL!);
 * const runner = startMaintenance(db, [events], {
 *   every: 10 * 60_000,
 *   onError: (e) => console.error('partition maintenance:', e),
 *   applyOptions: { allowDestructive: true }, // let retention detach / drop
 * });
 * process.on('SIGTERM', () => void runner.stop());
 * ```
 */
export function startMaintenance(db: DatabaseLike, tables: readonly (PgTable | QualifiedName)[], opts: MaintenanceRunnerOptions): MaintenanceRunner {
  const every = opts.every;
  if (typeof every !== 'number' || !Number.isFinite(every) || every <= 0) {
    throw new RuntimeError('OPTION_INVALID', `startMaintenance: every must be a positive number of milliseconds (got ${String(every)})`);
  }
  const name = opts.name ?? 'default';
  const names = tables.map((t) => resolveTarget(t).table);
  checkDatabase(db); // fail fast on something that is no database, rather than in onError later
  const report = (e: unknown): void => {
    try {
      (opts.onError ?? ((err: unknown) => console.error('drizzle-partitions: maintenance runner:', err)))(e);
    } catch {
      // an onError that throws must not break the runner
    }
  };

  let state: MaintenanceRunner['state'] = 'starting';
  let held: HeldSession | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const unclaim = (s: HeldSession): void => {
    if (s.shared) claimed.get(s.db as object)?.delete(name);
  };

  /** Takes the lock on a connection set aside for it; undefined when another runner has it. */
  const acquire = async (): Promise<HeldSession | undefined> => {
    const s = await holdSession(db);
    if (s.shared) {
      const names = claimed.get(s.db as object) ?? new Set<string>();
      // the lock is re-entrant within a session: a second runner here would "get" it too
      if (names.has(name)) return undefined;
      names.add(name);
      claimed.set(s.db as object, names);
    }
    let got = false;
    try {
      got = await withExecutor(s.db, (ex) => tryRunnerLock(ex, name));
    } catch (e) {
      unclaim(s);
      s.release(true);
      throw e;
    }
    if (!got) {
      unclaim(s);
      s.release();
      return undefined;
    }
    return s;
  };

  /** Lets go of the lock and the connection. */
  const letGo = async (s: HeldSession): Promise<void> => {
    let clean = false;
    try {
      await withExecutor(s.db, (ex) => releaseRunnerLock(ex, name));
      clean = true;
    } catch (e) {
      report(e);
    } finally {
      unclaim(s);
      // a connection whose lock could not be released must not go back to the pool holding it
      s.release(!clean);
    }
  };

  const runOnce = async (s: HeldSession): Promise<void> => {
    // With a pool that has more connections, plan and apply take their own (DETACH
    // CONCURRENTLY needs a second one); otherwise they run on the held session.
    const work = s.shared || s.canOpenAnother ? db : s.db;
    const startedAt = new Date();
    const errors = new Map<string, string>();
    let first: unknown;
    const fail = (key: string, e: unknown): void => {
      first ??= e;
      if (!errors.has(key)) errors.set(key, (e as Error)?.message ?? String(e));
      report(e);
    };
    const key = qualifiedLabel;

    let planned: TablePlan[] = [];
    let now = opts.planOptions?.now ?? startedAt;
    try {
      const p = await plan(work, tables, { ...opts.planOptions, now });
      planned = p.tables;
      now = p.now;
    } catch {
      // one table that cannot be planned (dropped, renamed) must not hold up the others
      for (const [i, t] of tables.entries()) {
        try {
          planned.push(...(await plan(work, [t], { ...opts.planOptions, now })).tables);
        } catch (e) {
          fail(key(names[i]!), e);
        }
      }
    }
    const p: MaintenancePlan = { now, tables: planned };
    let result: ApplyResult | undefined;
    if (planned.length > 0) {
      try {
        result = await apply(work, p, opts.applyOptions);
      } catch (e) {
        for (const t of planned) fail(key(t.table), e);
      }
    }

    const runs: TableRun[] = names.map((table) => {
      const k = key(table);
      const ops = (result?.results ?? []).filter((r) => key(r.op.table) === k);
      const done = ops.filter((r) => r.status === 'done').length;
      const failedOps = ops.filter((r) => r.status === 'failed');
      const skipped = ops.filter((r) => r.status === 'skipped').length;
      let error = errors.get(k);
      if (!error && failedOps.length > 0) error = failedOps.map((r) => `${r.op.partition.name}: ${r.code ? `[${r.code}] ` : ''}${r.reason ?? 'failed'}`).join('; ');
      if (!error && result?.skippedTables.includes(k)) error = `another maintainer held ${k}`;
      return { table, outcome: error ? 'failed' : 'ok', done, failed: failedOps.length, skipped, ...(error ? { error } : {}) };
    });
    const stepsFailed = runs.filter((r) => r.failed > 0);
    if (stepsFailed.length > 0) {
      const e = new RuntimeError('MAINTENANCE_FAILED', `maintenance steps failed: ${stepsFailed.map((r) => `${key(r.table)}: ${r.error}`).join('; ')}`, 'the runner tries again next interval; see the step results in onRun');
      first ??= e;
      report(e);
    }
    const finishedAt = new Date();
    if (opts.record !== false) {
      try {
        await withExecutor(s.db, (ex) => recordRun(ex, { runner: name, everyMs: every, startedAt, finishedAt, tables: runs }));
      } catch (e) {
        report(e);
      }
    }
    const failedRun = runs.find((r) => r.outcome === 'failed');
    const run: MaintenanceRun = {
      startedAt,
      finishedAt,
      outcome: failedRun ? 'failed' : 'ok',
      done: runs.reduce((n, r) => n + r.done, 0),
      failed: runs.reduce((n, r) => n + r.failed, 0),
      skipped: runs.reduce((n, r) => n + r.skipped, 0),
      ...(failedRun ? { error: first instanceof Error ? first.message : failedRun.error } : {}),
      tables: runs,
      plan: p,
      ...(result ? { result } : {}),
    };
    try {
      opts.onRun?.(run);
    } catch (e) {
      report(e);
    }
  };

  const tick = async (): Promise<void> => {
    try {
      if (held) {
        let still = false;
        try {
          still = await withExecutor(held.db, (ex) => holdsRunnerLock(ex, name));
        } catch (e) {
          report(e);
        }
        if (!still) {
          const lost = held;
          held = undefined;
          state = 'waiting';
          unclaim(lost);
          lost.release(true);
          report(new RuntimeError('RUNNER_LOCK_LOST', `maintenance runner "${name}" lost its lock (its connection failed or the lock was released); another runner may maintain now`, 'it tries to take the lock again next interval'));
          return;
        }
      } else {
        held = await acquire();
        if (stopping && held) {
          // stop() came while the lock was being taken: it waits for this tick, then lets go
          return;
        }
        if (!held) {
          state = 'waiting';
          try {
            opts.onWait?.();
          } catch (e) {
            report(e);
          }
          return;
        }
      }
      state = 'maintaining';
      await runOnce(held);
    } catch (e) {
      report(e);
    }
  };

  const schedule = (ms: number): void => {
    if (stopping) return;
    timer = setTimeout(() => {
      timer = undefined;
      current = tick().finally(() => {
        current = undefined;
        schedule(every);
      });
    }, ms);
    timer.unref?.();
  };

  schedule(0);

  return {
    get state() {
      return state;
    },
    stop() {
      stopping ??= (async () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await current;
        const s = held;
        held = undefined;
        if (s) await letGo(s);
        state = 'stopped';
      })();
      return stopping;
    },
  };
}
