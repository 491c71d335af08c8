/**
 * Waiting out old snapshots before the swap. The copy's rows were written by the
 * copy's own transactions: a REPEATABLE READ or SERIALIZABLE transaction whose
 * snapshot is older than those, and that first reads the table after the swap, would
 * find the partitioned table (nearly) empty, and its updates and deletes would apply
 * to 0 rows. So, as CREATE INDEX CONCURRENTLY does, the swap waits for every
 * transaction of this database that, at a mark taken once the copy is complete, held
 * a snapshot as old as the mark's own (its xmin no newer): until it ends, or holds no
 * such snapshot any more (a READ COMMITTED transaction between two statements holds
 * none). Read from pg_stat_activity's backend_xmin and pg_locks' virtual transaction
 * ids, which every role may read (pg_read_all_stats is not needed: the sessions of
 * other roles are waited for too).
 */
import { RuntimeError } from '../../errors.js';
import type { Executor } from '../executor.js';
import { sleep } from '../lock.js';

/** Time between two looks at pg_stat_activity. */
const POLL_MS = 100;

/** Default longest wait for old snapshots: 30 minutes. */
export const DEFAULT_SNAPSHOT_WAIT_MS = 30 * 60_000;

/** The mark: this session's snapshot xmin then, and the virtual transaction ids of the sessions then holding a snapshot as old. */
export interface SnapshotMark {
  xmin: string;
  holders: string[];
}

/** A session holding an old snapshot, as far as this role may see it. */
export interface OldSnapshotHolder {
  pid: number;
  /** Its application_name and state, or null when pg_stat_activity hides them. */
  application: string | null;
  state: string | null;
}

/** Sessions of this database, other than this one, holding a snapshot whose xmin is no newer than `$1` (an xid). */
const OLD_SNAPSHOT = `a.pid <> pg_catalog.pg_backend_pid() and a.datname = pg_catalog.current_database()
  and a.backend_xmin is not null and pg_catalog.age(a.backend_xmin) >= pg_catalog.age($1::text::xid)`;

/**
 * The mark to pass to {@link waitForOlderSnapshots}, taken once the copy's rows are
 * all committed.
 *
 * @example
 * ```ts
 * const mark = await snapshotMark(ex);
 * ```
 */
export async function snapshotMark(ex: Executor): Promise<SnapshotMark> {
  const [own] = await ex.query<{ xmin: string }>(`select backend_xmin::text as xmin from pg_catalog.pg_stat_activity where pid = pg_catalog.pg_backend_pid()`);
  const [row] = await ex.query<{ holders: string[] | null }>(
    `select array(select l.virtualxid from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
                  where l.locktype = 'virtualxid' and l.mode = 'ExclusiveLock' and l.granted and ${OLD_SNAPSHOT} order by 1) as holders`,
    [own!.xmin],
  );
  return { xmin: own!.xmin, holders: row!.holders ?? [] };
}

/**
 * Waits until none of the mark's sessions still runs the transaction it ran then with
 * a snapshot as old; calls `waiting` with them while there are some. Gives up after
 * `timeoutMs` with `CONVERT_SNAPSHOT_WAIT`, naming them.
 *
 * @example
 * ```ts
 * const mark = await snapshotMark(ex);
 * await waitForOlderSnapshots(ex, mark, { timeoutMs: 60_000, waiting: (h) => console.error('waiting for', h.map((x) => x.pid)) });
 * ```
 */
export async function waitForOlderSnapshots(ex: Executor, mark: SnapshotMark, opts: { timeoutMs?: number; table?: string; waiting?: (holders: OldSnapshotHolder[]) => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_SNAPSHOT_WAIT_MS);
  while (mark.holders.length > 0) {
    const rows = await ex.query<OldSnapshotHolder>(
      `select a.pid, nullif(a.application_name, '') as application, a.state from pg_catalog.pg_stat_activity a
       where ${OLD_SNAPSHOT}
         and exists (select 1 from pg_catalog.pg_locks l where l.pid = a.pid and l.locktype = 'virtualxid' and l.mode = 'ExclusiveLock' and l.virtualxid = any($2::text[]))
       order by a.pid`,
      [mark.xmin, mark.holders],
    );
    if (rows.length === 0) return;
    if (Date.now() >= deadline) {
      const who = rows.map((r) => `${r.pid}${r.application || r.state ? ` (${[r.application, r.state].filter(Boolean).join(', ')})` : ''}`).join(', ');
      throw new RuntimeError(
        'CONVERT_SNAPSHOT_WAIT',
        `${opts.table ?? 'the table'}: the swap waited ${Math.round((opts.timeoutMs ?? DEFAULT_SNAPSHOT_WAIT_MS) / 1000)} s for transactions holding snapshots older than the copy: pid ${who}; nothing was swapped`,
        'end those transactions (or let them finish), then apply again: it resumes at the swap',
      );
    }
    opts.waiting?.(rows);
    await sleep(POLL_MS);
  }
}
