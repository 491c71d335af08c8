/**
 * Lock safety. Every DDL step runs with a short `lock_timeout`, so maintenance
 * never waits in the lock queue (where it would block every query behind it);
 * when the timeout hits, it backs off and tries again, and finally reports who
 * held the lock. One maintainer at a time per table: a session advisory lock.
 */
import { RuntimeError } from '../errors.js';
import { qualifiedLabel, type QualifiedName } from '../sql/quote.js';
import { lockTableSql } from '../ddl/maintenance-sql.js';
import { sqlState, type Executor } from './executor.js';
import { lockHolders } from './introspect.js';
import { PG_ERRORS } from './pg-errors.js';

/** Lock behaviour of maintenance. */
export interface LockOptions {
  /** lock_timeout for each DDL step, in ms (default 1000). */
  lockTimeoutMs?: number;
  /** Attempts per step before it is reported failed (default 6). */
  attempts?: number;
  /** First backoff in ms; doubles each time, with jitter (default 100), within the floor and cap below. */
  backoffMs?: number;
  /**
   * The most of the time a failing step spends that the application may spend
   * queued behind it (default 0.1). A lock request that waits makes every later
   * conflicting statement wait behind it for up to `lockTimeoutMs` (a little more on
   * a busy server); so after a timed-out attempt the step sleeps at least
   * `lockTimeoutMs * (1 + 1 / share)` (11 lock timeouts at 0.1) before it tries
   * again, or ends: the application's share of each cycle stays below `share` with
   * room for that overrun.
   */
  maxWaitShare?: number;
}

/** The longest sleep between two attempts, unless the floor of `maxWaitShare` is longer. */
const MAX_BACKOFF_MS = 30_000;

/**
 * The sleep after failed attempt `attempt` (1-based): exponential from `backoffMs`,
 * never shorter than the floor that keeps the application's queueing within
 * `maxWaitShare` of the time, capped, with jitter that only lengthens it.
 *
 * @example
 * ```ts
 * backoffDelay(1, { lockTimeoutMs: 1000 }, () => 0); // 11000: eleven lock timeouts after the first miss
 * ```
 */
export function backoffDelay(attempt: number, opts: LockOptions, random: () => number = Math.random): number {
  const timeout = lockTimeoutOf(opts);
  const share = Math.min(1, Math.max(0.01, opts.maxWaitShare ?? 0.1));
  const floor = timeout * (1 + 1 / share);
  const exponential = (opts.backoffMs ?? 100) * 2 ** (attempt - 1);
  const base = Math.min(Math.max(exponential, floor), Math.max(MAX_BACKOFF_MS, floor));
  return base * (1 + 0.5 * random());
}

function lockTimeoutOf(opts: LockOptions): number {
  return Math.max(1, Math.round(opts.lockTimeoutMs ?? 1000));
}

/**
 * lock_timeout for the rest of a step once it holds its table (`holdFirst`): the
 * other locks it needs (the default partition, the new table) are held only by
 * someone using those tables by name; rather than keep the application waiting,
 * the step gives way at once and tries again later.
 */
export const HELD_STEP_LOCK_TIMEOUT_MS = 50;


/**
 * Thrown when a step could not get its locks in all its attempts. {@link apply} and
 * ensurePartitions catch it and report the step as failed with code `LOCK_TIMEOUT`.
 *
 * @example
 * ```ts
 * const timedOut = result.results.filter((r) => r.code === 'LOCK_TIMEOUT'); // safe to retry later
 * ```
 */
export class LockTimeoutError extends RuntimeError {
  readonly attempts: number;
  readonly holders: string[];
  constructor(what: string, attempts: number, timeoutMs: number, holders: string[]) {
    super('LOCK_TIMEOUT', `${what}: no lock within ${timeoutMs} ms in ${attempts} attempts${holders.length ? `; held by ${holders.join('; ')}` : ''}`, 'the step is safe to retry later; long transactions on the table hold it up');
    this.attempts = attempts;
    this.holders = holders;
  }
}

/** Waits `ms` milliseconds (the retries' backoff, and polls elsewhere in the runtime). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `step` (which issues its statements through `ex`) with `lock_timeout` set,
 * retrying on lock timeouts and deadlocks with backoff ({@link backoffDelay}). In a
 * transaction when `transactional`, else as a plain statement (for steps such as
 * DETACH ... CONCURRENTLY that refuse a transaction block).
 *
 * @example
 * ```ts
 * const attempts = await withLockRetry(ex, { what: 'attach events_p20260101', relation: parent }, opts, (tx) => tx.query(sql));
 * ```
 */
export async function withLockRetry<T>(
  ex: Executor,
  step: LockStep,
  opts: LockOptions,
  fn: (ex: Executor) => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  const timeout = lockTimeoutOf(opts);
  return retryOnLockTimeout(ex, step, opts, async () => {
    if (step.transactional === false) {
      await ex.query(`SET lock_timeout = ${timeout}`);
      try {
        return await fn(ex);
      } finally {
        await ex.query('RESET lock_timeout').catch(() => undefined);
      }
    }
    return ex.transaction(async (tx) => {
      for (const statement of stepPrelude(step, timeout)) await tx.query(statement);
      return fn(tx);
    });
  });
}

/**
 * {@link withLockRetry} for a step that is a fixed list of statements: each attempt is
 * one transaction sent in one round trip ({@link Executor.transactionScript}), the
 * same `SET LOCAL lock_timeout` (and `holdFirst` lock) first. Returns the rows of the
 * statements that return rows.
 *
 * @example
 * ```ts
 * const { value: rows } = await withLockRetryScript(ex, { what: 'attach events_p20260101', relation: parent }, opts, [attachSql, dropCheckSql]);
 * ```
 */
export async function withLockRetryScript<R = Record<string, unknown>>(
  ex: Executor,
  step: Omit<LockStep, 'transactional'>,
  opts: LockOptions,
  statements: readonly string[],
): Promise<{ value: R[]; attempts: number }> {
  const script = [...stepPrelude(step, lockTimeoutOf(opts)), ...statements];
  return retryOnLockTimeout(ex, step, opts, () => ex.transactionScript<R>(script));
}

/** What a step is, for its lock handling and its report. */
interface LockStep {
  what: string;
  relation: QualifiedName;
  transactional?: boolean;
  /**
   * Take this table first, in `holdMode` (waiting up to lock_timeout), then
   * run the step with a short lock_timeout ({@link HELD_STEP_LOCK_TIMEOUT_MS}): the
   * application queues behind the step at this table only, and once it holds the
   * table the step cannot keep it waiting for a second lock_timeout on another one.
   */
  holdFirst?: QualifiedName;
  /** The mode `holdFirst` takes (default ACCESS EXCLUSIVE). */
  holdMode?: 'ACCESS EXCLUSIVE' | 'SHARE UPDATE EXCLUSIVE';
}

/** The statements a transactional step begins with: its lock_timeout, and the table it holds first. */
function stepPrelude(step: Pick<LockStep, 'holdFirst' | 'holdMode'>, timeout: number): string[] {
  const prelude = [`SET LOCAL lock_timeout = ${timeout}`];
  if (step.holdFirst) prelude.push(lockTableSql(step.holdFirst, step.holdMode ?? 'ACCESS EXCLUSIVE'), `SET LOCAL lock_timeout = ${Math.min(timeout, HELD_STEP_LOCK_TIMEOUT_MS)}`);
  return prelude;
}

/** Runs `attempt` until it does not fail on a lock (lock_timeout, deadlock), sleeping {@link backoffDelay} after each that does. */
async function retryOnLockTimeout<T>(ex: Executor, step: LockStep, opts: LockOptions, attempt: () => Promise<T>): Promise<{ value: T; attempts: number }> {
  const timeout = lockTimeoutOf(opts);
  const attempts = Math.max(1, opts.attempts ?? 6);
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(), attempts: n };
    } catch (e) {
      const state = sqlState(e);
      if (state !== PG_ERRORS.lockNotAvailable && state !== PG_ERRORS.deadlockDetected) throw e;
      const holders = n >= attempts ? await lockHolders(ex, step.relation) : [];
      // After every timed-out attempt, the last one too: the application queued behind
      // it, and the quiet time that follows keeps its share of the time within bounds
      // whatever the caller does next (the next step may take the same lock).
      await sleep(backoffDelay(n, opts));
      if (n >= attempts) throw new LockTimeoutError(step.what, n, timeout, holders);
    }
  }
}

/** Advisory lock namespace of this package ('DPRT'). */
const LOCK_SPACE = 0x44505254;

/**
 * Takes the per-table maintainer lock (session-level advisory lock). `wait`
 * polls up to `waitMs`; `skip` tries once. Returns whether it was taken.
 *
 * @example
 * ```ts
 * if (await takeMaintainerLock(ex, { schema: 'public', name: 'events' }, 'skip')) { ... }
 * ```
 */
export async function takeMaintainerLock(ex: Executor, table: QualifiedName, mode: 'wait' | 'skip', waitMs = 30_000): Promise<boolean> {
  const key = qualifiedLabel(table);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await ex.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4, hashtext($2)) as ok', [LOCK_SPACE | 0, key]);
    if (row?.ok) return true;
    if (mode === 'skip' || Date.now() >= deadline) return false;
    await sleep(200);
  }
}

/** Releases the maintainer lock taken by {@link takeMaintainerLock}. */
export async function releaseMaintainerLock(ex: Executor, table: QualifiedName): Promise<void> {
  await ex.query('select pg_advisory_unlock($1::int4, hashtext($2))', [LOCK_SPACE | 0, qualifiedLabel(table)]);
}

/** Advisory lock namespace of the maintenance runner ('DPRU'): one lock per runner name. */
const RUNNER_LOCK_SPACE = 0x44505255;

/**
 * Tries once to take the lock of the maintenance runner `name` (session level: held
 * until released or until the session ends, which is how a runner that dies hands
 * over). Returns whether it was taken.
 *
 * @example
 * ```ts
 * const maintainer = await withExecutor(held.db, (ex) => tryRunnerLock(ex, 'default'));
 * ```
 */
export async function tryRunnerLock(ex: Executor, name: string): Promise<boolean> {
  const [row] = await ex.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4, hashtext($2::text)) as ok', [RUNNER_LOCK_SPACE, name]);
  return row?.ok === true;
}

/**
 * Whether this session holds the lock of runner `name` (false once something released
 * it, e.g. `pg_advisory_unlock_all()`).
 *
 * @example
 * ```ts
 * if (!(await withExecutor(held.db, (ex) => holdsRunnerLock(ex, 'default')))) console.warn('no longer the maintainer');
 * ```
 */
export async function holdsRunnerLock(ex: Executor, name: string): Promise<boolean> {
  // A lock on two int4 keys shows in pg_locks as classid = key 1, objid = key 2, objsubid = 2.
  const [row] = await ex.query<{ ok: boolean }>(
    `select exists (select 1 from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid() and granted
       and database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
       and classid = ($1::int4)::oid and objid = (hashtext($2::text))::oid and objsubid = 2) as ok`,
    [RUNNER_LOCK_SPACE, name],
  );
  return row?.ok === true;
}

/**
 * Releases the lock of runner `name` taken by {@link tryRunnerLock} on this session.
 *
 * @example
 * ```ts
 * await withExecutor(held.db, (ex) => releaseRunnerLock(ex, 'default'));
 * ```
 */
export async function releaseRunnerLock(ex: Executor, name: string): Promise<void> {
  await ex.query('select pg_advisory_unlock($1::int4, hashtext($2::text)) as ok', [RUNNER_LOCK_SPACE, name]);
}
