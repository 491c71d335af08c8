/**
 * Waiting out old snapshots before the swap. The copy's rows were written by the
 * copy's own transactions: a REPEATABLE READ or SERIALIZABLE transaction whose
 * snapshot is older than those, and that first reads the table after the swap, would
 * find the partitioned table (nearly) empty, and its updates and deletes would apply
 * to 0 rows. So, as CREATE INDEX CONCURRENTLY does, the swap waits until every
 * transaction of this database that holds a snapshot taken before the copy was
 * verified has ended. READ COMMITTED transactions hold a snapshot only while a
 * statement runs, so they are waited for one statement at most.
 */
import type { Executor } from '../executor.js';
import { sleep } from '../lock.js';

/** Time between two looks at pg_stat_activity. */
const POLL_MS = 100;

/** The server's clock now, as text, to pass to {@link waitForOlderSnapshots}. */
export async function serverClock(ex: Executor): Promise<string> {
  const [row] = await ex.query<{ t: string }>(`select pg_catalog.clock_timestamp()::text as t`);
  return row!.t;
}

/**
 * Waits until no other client session of this database holds a snapshot in a
 * transaction begun before `since` (a time read by {@link serverClock}); calls
 * `waiting` with their pids while there are some.
 *
 * @example
 * ```ts
 * const since = await serverClock(ex);
 * await verifyCopy(ex, names, facts);
 * await waitForOlderSnapshots(ex, since, (pids) => console.error('waiting for', pids));
 * ```
 */
export async function waitForOlderSnapshots(ex: Executor, since: string, waiting?: (pids: number[]) => void): Promise<void> {
  for (;;) {
    const rows = await ex.query<{ pid: number }>(
      `select a.pid from pg_catalog.pg_stat_activity a
       where a.pid <> pg_catalog.pg_backend_pid() and a.backend_type = 'client backend'
         and a.datname = pg_catalog.current_database() and a.backend_xmin is not null and a.xact_start < $1::timestamptz
       order by a.pid`,
      [since],
    );
    if (rows.length === 0) return;
    waiting?.(rows.map((r) => r.pid));
    await sleep(POLL_MS);
  }
}
