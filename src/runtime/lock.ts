/**
 * Lock safety. Every DDL step runs with a short `lock_timeout`, so maintenance
 * never waits in the lock queue (where it would block every query behind it);
 * when the timeout hits, it backs off and tries again, and finally reports who
 * held the lock. One maintainer at a time per table: a session advisory lock.
 */
import { DrizzlePartitionsError } from '../errors.js';
import type { QualifiedName } from '../ddl/quote.js';
import { quoteQualified } from '../ddl/quote.js';
import { sqlState, type Executor } from './executor.js';

/** Lock behaviour of maintenance. */
export interface LockOptions {
  /** lock_timeout for each DDL step, in ms (default 1000). */
  lockTimeoutMs?: number;
  /** Attempts per step before it is reported failed (default 6). */
  attempts?: number;
  /** First backoff in ms; doubles each time, with jitter (default 100). */
  backoffMs?: number;
}

const LOCK_NOT_AVAILABLE = '55P03';
const DEADLOCK = '40P01';

/** Thrown when a step could not get its locks in all its attempts. */
export class LockTimeoutError extends DrizzlePartitionsError {
  readonly attempts: number;
  readonly holders: string[];
  constructor(what: string, attempts: number, timeoutMs: number, holders: string[]) {
    super('LOCK_TIMEOUT', `${what}: no lock within ${timeoutMs} ms in ${attempts} attempts${holders.length ? `; held by ${holders.join('; ')}` : ''}`, 'the step is safe to retry later; long transactions on the table hold it up');
    this.attempts = attempts;
    this.holders = holders;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Who holds locks on `relation` or one of its partitions right now (pid, age, query), for the report. */
export async function lockHolders(ex: Executor, relation: QualifiedName): Promise<string[]> {
  try {
    // The relation and its partitions: ATTACH and DETACH also lock the default
    // partition, so a reader of that partition alone holds them up. One line per
    // backend, the oldest transaction first (now() would be our own start).
    const rows = await ex.query<{ pid: number; mode: string; age: string | null; query: string | null }>(
      `select a.pid, string_agg(distinct l.mode, ', ') as mode, (clock_timestamp() - a.xact_start)::text as age, left(a.query, 80) as query
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.relation in (select to_regclass($1)::oid union all select i.inhrelid from pg_inherits i where i.inhparent = to_regclass($1))
         and l.granted and a.pid <> pg_backend_pid()
       group by a.pid, a.xact_start, a.query order by a.xact_start limit 3`,
      [quoteQualified(relation)],
    );
    return rows.map((r) => `pid ${r.pid} (${r.mode}, transaction open ${r.age ?? '?'}: ${r.query ?? ''})`);
  } catch {
    return [];
  }
}

/**
 * Runs `step` (which issues its statements through `ex`) with `lock_timeout` set,
 * retrying on lock timeouts and deadlocks with exponential backoff. In a
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
  step: { what: string; relation: QualifiedName; transactional?: boolean },
  opts: LockOptions,
  fn: (ex: Executor) => Promise<T>,
): Promise<{ value: T; attempts: number }> {
  const timeout = Math.max(1, Math.round(opts.lockTimeoutMs ?? 1000));
  const attempts = Math.max(1, opts.attempts ?? 6);
  const backoff = opts.backoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      if (step.transactional === false) {
        await ex.query(`SET lock_timeout = ${timeout}`);
        try {
          return { value: await fn(ex), attempts: attempt };
        } finally {
          await ex.query('RESET lock_timeout').catch(() => undefined);
        }
      }
      const value = await ex.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = ${timeout}`);
        return fn(tx);
      });
      return { value, attempts: attempt };
    } catch (e) {
      const state = sqlState(e);
      if (state !== LOCK_NOT_AVAILABLE && state !== DEADLOCK) throw e;
      if (attempt >= attempts) throw new LockTimeoutError(step.what, attempt, timeout, await lockHolders(ex, step.relation));
      await sleep(backoff * 2 ** (attempt - 1) * (0.5 + Math.random()));
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
  const key = `${table.schema ?? 'public'}.${table.name}`;
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
  await ex.query('select pg_advisory_unlock($1::int4, hashtext($2))', [LOCK_SPACE | 0, `${table.schema ?? 'public'}.${table.name}`]);
}
