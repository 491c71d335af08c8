/**
 * The PostgreSQL behaviours the maintenance design relies on, each proved on the
 * real server. Every test has a table of its own:
 *
 *   <t> (id bigint not null, at timestamptz not null, payload text, primary key (id, at))
 *     partition by range (at)
 *   <t>_p20260301 .. <t>_p20260303   one day each, 3 rows each
 *   <t>_default                      4 rows in [2026-03-04, 2026-03-05) (ids 41..44),
 *                                    2 rows on 2026-03-10 (ids 101, 102)
 *
 * Concurrency is made deterministic without sleeps: a statement that must be blocked
 * is started on a connection of its own and the test polls pg_stat_activity until its
 * backend waits on a lock (wait_event_type = 'Lock'), then asserts which lock it waits
 * for (pg_locks, not granted). Nothing asserts a duration. The one fact that is about a
 * timeout (6) lets lock_timeout fire and asserts only the order of what follows.
 */
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, databaseFromUrl, type Sql } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { waitUntil } from '../support/concurrency.js';

const db = useTestDatabase();

/** 2026-03-<day> <hour>:00 UTC as an ISO string (a valid timestamptz literal). */
const ts = (day: number, hour = 0) => new Date(Date.UTC(2026, 2, day, hour)).toISOString();

/** The seeded rows: 3 per day partition, 4 in the default inside R, 2 in the default after it. */
const SEED: readonly { id: number; at: string }[] = [
  ...[1, 2, 3].flatMap((d) => [1, 2, 3].map((k) => ({ id: d * 10 + k, at: ts(d, k) }))),
  ...[1, 2, 3, 4].map((k) => ({ id: 40 + k, at: ts(4, k) })),
  { id: 101, at: ts(10, 1) },
  { id: 102, at: ts(10, 2) },
];
const SEEDED = SEED.length; // 15
const atOf = (id: number) => SEED.find((r) => r.id === id)!.at;

/** The range R the movers take out of the default partition (ids 41..44 live there). */
const R_FROM = ts(4);
const R_TO = ts(5);
const IN_R = 4;

const COLUMNS = 'id bigint not null, at timestamptz not null, payload text, primary key (id, at)';

/** Creates `t` (partitioned), its three day partitions and its default, and seeds them. */
async function createEvents(t: string): Promise<void> {
  await db.sql.unsafe(`create table ${t} (${COLUMNS}) partition by range (at)`);
  for (const d of [1, 2, 3]) {
    await db.sql.unsafe(`create table ${t}_p2026030${d} partition of ${t} for values from ('${ts(d)}') to ('${ts(d + 1)}')`);
  }
  await db.sql.unsafe(`create table ${t}_default partition of ${t} default`);
  for (const r of SEED) {
    await db.sql.unsafe(`insert into ${t} (id, at, payload) values ($1, $2, 'seed')`, [r.id, r.at]);
  }
}

/** Moves the rows of R out of the default into the plain table `n` (one statement: delete ... returning + insert). */
const moveR = (t: string, n: string) =>
  `with moved as (delete from ${t}_default where at >= '${R_FROM}' and at < '${R_TO}' returning *) insert into ${n} select * from moved`;

const attachR = (t: string, n: string) => `alter table ${t} attach partition ${n} for values from ('${R_FROM}') to ('${R_TO}')`;

// ---------------------------------------------------------------------------
// sessions: one connection each, closed after every test
// ---------------------------------------------------------------------------

interface Session {
  readonly sql: Sql;
  readonly pid: number;
}

const opened: Sql[] = [];

afterEach(async () => {
  // closing a connection rolls back whatever it left open
  await Promise.all(opened.splice(0).map((s) => s.end({ timeout: 5 }).catch(() => undefined)));
});

async function session(): Promise<Session> {
  const sql = connect(db.url, { max: 1 });
  opened.push(sql);
  const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  return { sql, pid: row!.pid };
}

type Rows = postgres.RowList<postgres.Row[]>;
type Outcome = { ok: true; rows: Rows } | { ok: false; error: postgres.PostgresError };

interface Running {
  readonly done: Promise<Outcome>;
  readonly settled: boolean;
}

/** Sends `text` on `s` now (postgres.js queries are lazy) without awaiting it; never rejects. */
function launch(s: Session, text: string, params: postgres.ParameterOrJSON<never>[] = []): Running {
  let settled = false;
  const done = s.sql.unsafe(text, params).then(
    (rows): Outcome => {
      settled = true;
      return { ok: true, rows };
    },
    (error: postgres.PostgresError): Outcome => {
      settled = true;
      return { ok: false, error };
    },
  );
  return {
    done,
    get settled() {
      return settled;
    },
  };
}

/**
 * Waits until the backend `pid` (running `r`) waits on a lock, and returns the locks it
 * waits for: "<relation> <mode>" for relation locks, "<locktype> <mode>" for others.
 */
async function blocked(pid: number, r: Running): Promise<string[]> {
  await waitUntil(`backend ${pid} to wait on a lock`, async () => {
    if (r.settled) {
      const o = await r.done;
      throw new Error(`the statement of backend ${pid} finished instead of blocking: ${o.ok ? `${o.rows.count} rows` : `${o.error.code} ${o.error.message}`}`);
    }
    const [row] = await db.sql<{ w: string | null }[]>`select wait_event_type as w from pg_stat_activity where pid = ${pid}`;
    return row?.w === 'Lock';
  });
  const rows = await db.sql<{ rel: string | null; locktype: string; mode: string }[]>`
    select relation::regclass::text as rel, locktype, mode from pg_locks where pid = ${pid} and not granted order by 1, 2, 3`;
  return rows.map((l) => (l.locktype === 'relation' ? `${l.rel} ${l.mode}` : `${l.locktype} ${l.mode}`));
}

/** Table lock modes, weakest first. */
const MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

/**
 * The strongest lock mode backend `pid` holds on relation `rel`. (What else it holds
 * varies by version: on 13, DML through the parent or on a partition also leaves an
 * AccessShareLock on the parent, which 15 and 18 do not.)
 */
async function strongestHeld(pid: number, rel: string): Promise<string | undefined> {
  const held = await modesHeld(pid, rel);
  return [...MODES].reverse().find((m) => held.includes(m));
}

/** The lock modes backend `pid` holds on relation `rel`, sorted. */
async function modesHeld(pid: number, rel: string): Promise<string[]> {
  const rows = await db.sql<{ mode: string }[]>`
    select mode from pg_locks where pid = ${pid} and granted and locktype = 'relation' and relation = ${rel}::regclass order by mode`;
  return rows.map((r) => r.mode);
}

function expectOk(o: Outcome): Rows {
  if (!o.ok) throw new Error(`expected success, got ${o.error.code}: ${o.error.message}`);
  return o.rows;
}

function expectError(o: Outcome): postgres.PostgresError {
  if (o.ok) throw new Error(`expected an error, got ${o.rows.count} rows`);
  return o.error;
}

async function count(where: string): Promise<number> {
  const [row] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${where}`);
  return row!.n;
}

// ---------------------------------------------------------------------------

/**
 * A session that moves R's rows out of the default partition into `n` and attaches `n`
 * the way ATTACH alone locks (ACCESS EXCLUSIVE on the default partition, SHARE UPDATE
 * EXCLUSIVE on the parent), its transaction left open.
 */
async function lightMover(t: string, n: string) {
  const h = await session();
  await h.sql.unsafe('begin');
  await h.sql.unsafe(`lock table ${t}_default in access exclusive mode`);
  await h.sql.unsafe(`create table ${n} (${COLUMNS})`);
  expect((await h.sql.unsafe(moveR(t, n))).count).toBe(IN_R);
  await h.sql.unsafe(attachR(t, n));
  // the attach holds no lock on the parent that a reader or a writer conflicts with
  expect(await strongestHeld(h.pid, t)).toBe('ShareUpdateExclusiveLock');
  expect(await strongestHeld(h.pid, `${t}_default`)).toBe('AccessExclusiveLock');
  return h;
}

describe('PostgreSQL facts the maintenance design relies on', () => {
  it('rows in a table not yet attached are invisible through the parent', async () => {
    const t = 'f1_events';
    await createEvents(t);
    const n = `${t}_p20260305`;
    await db.sql.unsafe(`create table ${n} (${COLUMNS})`);
    await db.sql.unsafe(`insert into ${n} (id, at, payload) values (51, '${ts(5, 1)}', 'n'), (52, '${ts(5, 2)}', 'n'), (53, '${ts(5, 3)}', 'n')`);

    expect(await count(n)).toBe(3);
    expect(await count(t)).toBe(SEEDED);
    expect(await count(`${t} where id between 51 and 53`)).toBe(0);

    await db.sql.unsafe(`alter table ${t} attach partition ${n} for values from ('${ts(5)}') to ('${ts(6)}')`);

    expect(await count(t)).toBe(SEEDED + 3);
    const rows = await db.sql.unsafe<{ id: string; part: string }[]>(`select id, tableoid::regclass::text as part from ${t} where id between 51 and 53 order by id`);
    expect(rows.map((r) => [Number(r.id), r.part])).toEqual([
      [51, n],
      [52, n],
      [53, n],
    ]);
  });

  it('a READ COMMITTED UPDATE or DELETE by id, blocked on the row lock of a transaction that moves the row (delete + insert elsewhere), reports 0 rows and no error once it commits: the update / delete is lost', async () => {
    const t = 'f2_events';
    await createEvents(t);
    const moved = 'f2_moved';
    await db.sql.unsafe(`create table ${moved} (${COLUMNS})`);

    const a = await session();
    await a.sql.unsafe('begin');
    const del = await a.sql.unsafe<{ id: string }[]>(`delete from ${t}_default where at >= '${R_FROM}' and at < '${R_TO}' returning *`);
    expect(del.map((r) => Number(r.id)).sort()).toEqual([41, 42, 43, 44]);
    await a.sql.unsafe(`insert into ${moved} (id, at, payload) values ${del.map((_, i) => `($${3 * i + 1}::int8, $${3 * i + 2}::timestamptz, $${3 * i + 3})`).join(', ')}`,
      del.flatMap((r: postgres.Row) => [r.id, r.at, r.payload]));

    const b = await session();
    const update = launch(b, `update ${t} set payload = 'updated' where id = 41`);
    expect(await blocked(b.pid, update)).toEqual(['transactionid ShareLock']);
    const c = await session();
    const remove = launch(c, `delete from ${t} where id = 42`);
    expect(await blocked(c.pid, remove)).toEqual(['transactionid ShareLock']);
    const [blocking] = await db.sql<{ pids: number[] }[]>`select pg_blocking_pids(${b.pid}) as pids`;
    expect(blocking!.pids).toEqual([a.pid]);

    await a.sql.unsafe('commit');

    // no error, no row: the statements re-check the row after the lock, find it deleted and skip it
    expect(expectOk(await update.done).count).toBe(0);
    expect(expectOk(await remove.done).count).toBe(0);

    // the moved copies are untouched: the update and the delete are lost
    const rows = await db.sql.unsafe<{ id: string; payload: string }[]>(`select id, payload from ${moved} order by id`);
    expect(rows.map((r) => [Number(r.id), r.payload])).toEqual([
      [41, 'seed'],
      [42, 'seed'],
      [43, 'seed'],
      [44, 'seed'],
    ]);
    expect(await count(`${t} where id in (41, 42)`)).toBe(0);
  });

  it('a statement fixes its list of partitions when it plans, before it locks them: a SELECT on the parent planned before an ATTACH (holding SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the default) commits does not scan the new partition', async () => {
    const t = 'f3_events';
    await createEvents(t);
    const n = `${t}_p20260304`;

    const h = await lightMover(t, n);

    const reader = await session();
    const select = launch(reader, `select count(*)::int as n from ${t}`);
    // it got past the parent and planned (the day partitions are locked), it waits on the default
    expect(await blocked(reader.pid, select)).toEqual([`${t}_default AccessShareLock`]);
    expect(await modesHeld(reader.pid, t)).toEqual(['AccessShareLock']);
    expect(await modesHeld(reader.pid, `${t}_p20260301`)).toEqual(['AccessShareLock']);

    await h.sql.unsafe('commit');

    // its plan has the old partitions: the default (now without R's rows) but not the new one
    const rows = expectOk(await select.done);
    expect(rows[0]!.n).toBe(SEEDED - IN_R);
    // a statement planned after the commit sees them all
    expect(await count(t)).toBe(SEEDED);
    expect(await count(n)).toBe(IN_R);
  });

  it('an INSERT into the new range that raced an ATTACH (SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the default) fails with "violates partition constraint" (23514) once the ATTACH commits: it was routed to the default before it waited', async () => {
    const t = 'f4_events';
    await createEvents(t);
    const n = `${t}_p20260304`;

    const h = await lightMover(t, n);

    const w = await session();
    const text = `insert into ${t} (id, at, payload) values (45, '${ts(4, 5)}', 'raced') returning tableoid::regclass::text as part`;
    const insert = launch(w, text);
    // routed with the old partition list: it waits to open the default partition
    expect(await blocked(w.pid, insert)).toEqual([`${t}_default RowExclusiveLock`]);
    expect(await strongestHeld(w.pid, t)).toBe('RowExclusiveLock');

    await h.sql.unsafe('commit');

    const error = expectError(await insert.done);
    expect(error.code).toBe('23514');
    expect(error.message).toBe(`new row for relation "${t}_default" violates partition constraint`);
    expect(await count(`${t} where id = 45`)).toBe(0);

    // the same insert, sent again, is routed with the new layout
    const again = expectOk(await launch(w, text).done);
    expect(again.map((r) => r.part)).toEqual([n]);
    expect(await count(n)).toBe(IN_R + 1);
  });

  it('ACCESS EXCLUSIVE on the parent alone (LOCK TABLE ONLY, with SET LOCAL lock_timeout) first makes a reader, an INSERT into the new range, an UPDATE, a DELETE and an upsert of moved rows wait at the parent and then see the new layout', async () => {
    const t = 'f5_events';
    await createEvents(t);
    const n = `${t}_p20260304`;

    const m = await session();
    await m.sql.unsafe('begin');
    await m.sql.unsafe(`set local lock_timeout = '10s'`);
    await m.sql.unsafe(`lock table only ${t} in access exclusive mode`);
    await m.sql.unsafe(`create table ${n} (${COLUMNS})`);
    expect((await m.sql.unsafe(moveR(t, n))).count).toBe(IN_R);
    await m.sql.unsafe(attachR(t, n));
    expect(await strongestHeld(m.pid, t)).toBe('AccessExclusiveLock');

    // the reader runs on its own (autocommit); the writers each in a transaction left open
    // until the reader has counted, so that its count does not depend on who commits first
    const reader = await session();
    const select = launch(reader, `select count(*)::int as n, (count(*) filter (where at >= '${R_FROM}' and at < '${R_TO}'))::int as in_r from ${t}`);
    expect(await blocked(reader.pid, select)).toEqual([`${t} AccessShareLock`]);

    const writers: Record<string, string> = {
      insert: `insert into ${t} (id, at, payload) values (45, '${ts(4, 5)}', 'inserted') returning tableoid::regclass::text as part`,
      update: `update ${t} set payload = 'updated' where id = 41 returning tableoid::regclass::text as part`,
      delete: `delete from ${t} where id = 42 returning tableoid::regclass::text as part`,
      upsert: `insert into ${t} (id, at, payload) values (43, '${atOf(43)}', 'upserted') on conflict (id, at) do update set payload = excluded.payload returning tableoid::regclass::text as part`,
    };
    const running: Record<string, { s: Session; r: Running }> = {};
    for (const [what, text] of Object.entries(writers)) {
      const s = await session();
      await s.sql.unsafe('begin');
      const r = launch(s, text);
      expect(await blocked(s.pid, r), what).toEqual([`${t} RowExclusiveLock`]);
      running[what] = { s, r };
    }

    await m.sql.unsafe('commit');

    const counted = expectOk(await select.done);
    expect(counted[0]).toEqual({ n: SEEDED, in_r: IN_R });

    const results: Record<string, [number, string[]]> = {};
    for (const [what, { r }] of Object.entries(running)) {
      const rows = expectOk(await r.done);
      results[what] = [rows.count, rows.map((x) => x.part)];
    }
    expect(results).toEqual({
      insert: [1, [n]],
      update: [1, [n]],
      delete: [1, [n]],
      upsert: [1, [n]],
    });
    for (const { s } of Object.values(running)) await s.sql.unsafe('commit');

    const rows = await db.sql.unsafe<{ id: string; payload: string; part: string }[]>(
      `select id, payload, tableoid::regclass::text as part from ${t} where at >= '${R_FROM}' and at < '${R_TO}' order by id`,
    );
    expect(rows.map((r) => [Number(r.id), r.payload, r.part])).toEqual([
      [41, 'updated', n],
      [43, 'upserted', n],
      [44, 'seed', n],
      [45, 'inserted', n],
    ]);
    expect(await count(`${t} where id = 43`)).toBe(1);
    expect(await count(`${t}_default where at >= '${R_FROM}' and at < '${R_TO}'`)).toBe(0);
    expect(await count(t)).toBe(SEEDED);
  });

  it('an INSERT that arrives while a session waits for ACCESS EXCLUSIVE on the parent queues behind that waiting request, and proceeds when lock_timeout cancels it', async () => {
    const t = 'f6_events';
    await createEvents(t);

    // T1: a writer's transaction that holds ROW EXCLUSIVE on the parent
    const t1 = await session();
    await t1.sql.unsafe('begin');
    await t1.sql.unsafe(`insert into ${t} (id, at, payload) values (201, '${ts(1, 5)}', 't1')`);
    expect(await strongestHeld(t1.pid, t)).toBe('RowExclusiveLock');

    // M: waits for ACCESS EXCLUSIVE behind T1. lock_timeout only has to outlast the few
    // polls below (it fires whatever happens; nothing here measures it).
    const m = await session();
    await m.sql.unsafe('begin');
    await m.sql.unsafe(`set local lock_timeout = '3s'`);
    const lock = launch(m, `lock table ${t} in access exclusive mode`);
    expect(await blocked(m.pid, lock)).toEqual([`${t} AccessExclusiveLock`]);

    // W: a new insert. ROW EXCLUSIVE does not conflict with T1's ROW EXCLUSIVE, only with the
    // ACCESS EXCLUSIVE requested ahead of it in the queue.
    const w = await session();
    const insert = launch(w, `insert into ${t} (id, at, payload) values (202, '${ts(1, 6)}', 'w')`);
    expect(await blocked(w.pid, insert)).toEqual([`${t} RowExclusiveLock`]);
    const blockers = await db.sql<{ pid: number; blockers: number[] }[]>`
      select pid, pg_blocking_pids(pid) as blockers from unnest(${[m.pid, w.pid]}::int[]) as pid`;
    expect(Object.fromEntries(blockers.map((b) => [b.pid, b.blockers]))).toEqual({ [m.pid]: [t1.pid], [w.pid]: [m.pid] });

    // lock_timeout cancels M's request; W is then granted its lock while T1 is still open
    const error = expectError(await lock.done);
    expect(error.code).toBe('55P03');
    expect(error.message).toBe('canceling statement due to lock timeout');
    expect(expectOk(await insert.done).count).toBe(1);
    const [t1State] = await db.sql<{ state: string }[]>`select state from pg_stat_activity where pid = ${t1.pid}`;
    expect(t1State!.state).toBe('idle in transaction');
    expect(await count(`${t} where id = 202`)).toBe(1);

    await m.sql.unsafe('rollback');
    await t1.sql.unsafe('commit');
    expect(await count(`${t} where id in (201, 202)`)).toBe(2);
  });

  it('ATTACH PARTITION does not scan the new table when a valid CHECK constraint equal to its bound implies the partition constraint', async () => {
    const t = 'f7_events';
    await createEvents(t);
    const withCheck = `${t}_p20260305`;
    const without = `${t}_p20260306`;
    await db.sql.unsafe(`create table ${withCheck} (${COLUMNS}, constraint ${withCheck}_bound check (at >= '${ts(5)}' and at < '${ts(6)}'))`);
    await db.sql.unsafe(`create table ${without} (${COLUMNS})`);
    await db.sql.unsafe(`insert into ${withCheck} (id, at, payload) values (51, '${ts(5, 1)}', 'n')`);
    await db.sql.unsafe(`insert into ${without} (id, at, payload) values (61, '${ts(6, 1)}', 'n')`);

    const notices: string[] = [];
    const database = databaseFromUrl(db.url);
    const sql = postgres(db.url, {
      ...(database ? { database } : {}),
      max: 1,
      onnotice: (notice) => notices.push(String(notice.message)),
      connect_timeout: 10,
      idle_timeout: 20,
    });
    opened.push(sql);
    await sql.unsafe('set client_min_messages = debug1');

    notices.length = 0;
    await sql.unsafe(`alter table ${t} attach partition ${withCheck} for values from ('${ts(5)}') to ('${ts(6)}')`);
    const attachWithCheck = [...notices];

    notices.length = 0;
    await sql.unsafe(`alter table ${t} attach partition ${without} for values from ('${ts(6)}') to ('${ts(7)}')`);
    const attachWithout = [...notices];

    expect(attachWithCheck).toContain(`partition constraint for table "${withCheck}" is implied by existing constraints`);
    expect(attachWithCheck).not.toContain(`verifying table "${withCheck}"`);
    // without the CHECK constraint the new table is scanned
    expect(attachWithout).not.toContain(`partition constraint for table "${without}" is implied by existing constraints`);
    expect(attachWithout).toContain(`verifying table "${without}"`);
    // (the default partition is scanned in both cases: it has no constraint that excludes the new range)
    expect(attachWithCheck).toContain(`verifying table "${t}_default"`);

    expect(await count(t)).toBe(SEEDED + 2);
  });
});
