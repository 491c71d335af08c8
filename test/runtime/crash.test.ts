/**
 * Crash safety on real PostgreSQL: a maintainer killed mid-way (a child process
 * that exits in the middle of apply(), or whose backend is terminated) leaves a
 * state that the next plan() sees and the next apply() converges from, with no row
 * lost, duplicated or left in the wrong partition.
 */
import { describe, expect, it } from 'vitest';
import { apply, plan, type MaintenancePolicyInput } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { addDays, CHILD_APPLICATION_NAME, CRASHED, crashChildGone, dayName, holdTransaction, runCrashChild, waitUntil, type ChildRun } from '../support/concurrency.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';

const db = useTestDatabase();

const NOW = new Date('2026-03-27T12:00:00Z');
const DAY0 = new Date('2026-03-27T00:00:00Z');

const runChild = (args: Record<string, unknown>, timeoutMs?: number) => runCrashChild(db.url, { now: NOW.toISOString(), ...args }, timeoutMs);
const childBackendsGone = () => crashChildGone(db.sql);

async function count(table: string, where = 'true'): Promise<number> {
  const [r] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${table}" where ${where}`);
  return r!.n;
}

async function isAttached(name: string): Promise<boolean> {
  const [r] = await db.sql<{ attached: boolean }[]>`select relispartition as attached from pg_class where oid = to_regclass(${name})`;
  return r?.attached ?? false;
}

async function constraintsOf(name: string): Promise<string[]> {
  // not NOT NULL ones (catalogued as constraints from PostgreSQL 18)
  const rows = await db.sql<{ conname: string }[]>`select conname from pg_constraint where conrelid = to_regclass(${name}) and contype <> 'n' order by 1`;
  return rows.map((r) => r.conname);
}

/** (id, at, partition) of every row, and what is wrong with where each one is. */
async function misplacedRows(table: string, days: Date[]): Promise<string[]> {
  const rows = await db.sql.unsafe<{ id: string; at: Date; p: string }[]>(`select id::text as id, at, tableoid::regclass::text as p from "${table}"`);
  const bad: string[] = [];
  for (const r of rows) {
    const day = days.find((d) => r.at.getTime() >= d.getTime() && r.at.getTime() < d.getTime() + 86_400_000);
    const want = day ? dayName(table, day) : `${table}_default`;
    if (r.p !== want) bad.push(`row ${r.id} (${r.at.toISOString()}) is in ${r.p}, belongs in ${want}`);
  }
  return bad;
}

async function idsOf(table: string): Promise<string[]> {
  const rows = await db.sql.unsafe<{ id: string }[]>(`select id::text as id from "${table}" order by id`);
  return rows.map((r) => r.id);
}

/** `n` rows for the day `d` (spread over it), ids from `firstId`. */
async function insertRows(table: string, d: Date, n: number, firstId: number): Promise<void> {
  await db.sql.unsafe(
    `insert into "${table}" (id, at, payload) select $1::int8 + g, $2::timestamptz + g * interval '1 minute', 'row ' || g from generate_series(0, $3::int - 1) g`,
    [firstId, d.toISOString(), n],
  );
}

describe('a maintainer that crashes while creating a partition', () => {
  const policy: MaintenancePolicyInput = { interval: '1 day', premake: 1 };

  it('killed inside the attach step (its rows being copied, the DELETE and ATTACH not yet run): it rolls back whole, every row stays visible through the parent; plan resumes, apply converges', async () => {
    const name = 'crash_move';
    const t = eventsTable(name, policy);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    // Rows waiting in the default partition: 50 for today, 13 for tomorrow, 9 for long ago.
    await insertRows(name, DAY0, 50, 1000);
    await insertRows(name, addDays(DAY0, 1), 13, 2000);
    await insertRows(name, addDays(DAY0, -30), 9, 3000);
    const before = await idsOf(name);
    expect(before).toHaveLength(72);
    expect(await count(`${name}_default`)).toBe(72);

    // The attach step is one message (LOCK, copy, DELETE, ATTACH, COMMIT). A stored
    // generated column whose function sleeps for the child's connection holds the copy
    // (the new table computes it for each row copied in) half-way, for the kill.
    await db.sql.unsafe(`create function crash_move_slow(bigint) returns bigint language plpgsql immutable as $$
      begin if current_setting('application_name') = '${CHILD_APPLICATION_NAME}' then perform pg_sleep(60); end if; return $1; end $$`);
    await db.sql.unsafe(`alter table "${name}" add column slow bigint generated always as (crash_move_slow(id)) stored`);
    const child = runChild({ table: name, policy, withDefault: true, crash: 'none' });
    let pid = 0;
    await waitUntil(
      'the attach step to sleep in its copy',
      async () => {
        const [r] = await db.sql<{ pid: number }[]>`select pid from pg_stat_activity
          where application_name = ${CHILD_APPLICATION_NAME} and datname = current_database() and wait_event = 'PgSleep'`; // (its query text, cut at track_activity_query_size, may not reach the ATTACH)
        pid = r?.pid ?? 0;
        return pid !== 0;
      },
      20_000,
    );
    const [k] = await db.sql<{ ok: boolean }[]>`select pg_terminate_backend(${pid}::int) as ok`;
    expect(k!.ok).toBe(true);
    const run = await child.done;
    // However the child ended, nothing of its was done.
    expect(run.signal, run.stdout + run.stderr).toBeNull();
    expect(run.stdout).not.toContain('"done"');
    await childBackendsGone();
    // the tables the child made beside the parent have the column too: CASCADE drops it there
    await db.sql.unsafe(`alter table "${name}" drop column slow; drop function crash_move_slow(bigint) cascade`);

    // The copy was in the attach's transaction: nothing of it stayed. The new tables are
    // built (their own committed step), empty and unattached; every row is where it was.
    const today = dayName(name, NOW);
    const tomorrow = dayName(name, addDays(NOW, 1));
    expect(await isAttached(today)).toBe(false);
    expect(await isAttached(tomorrow)).toBe(false);
    expect(await count(today)).toBe(0);
    expect(await count(tomorrow)).toBe(0);
    expect(await count(`${name}_default`)).toBe(72);
    expect(await idsOf(name)).toEqual(before);

    const p = await plan(db.sql, [t], { now: NOW });
    const ops = p.tables[0]!.ops;
    expect(ops.map((o) => (o.kind === 'create' ? [o.partition.name, o.resume, o.defaultRows, o.parkedRows] : [o.kind]))).toEqual([
      [today, true, 50, 0],
      [tomorrow, true, 13, 0],
    ]);
    expect(p.tables[0]!.problems.map((x) => x.code)).not.toContain('rows-unattached');

    const r = await apply(db.sql, p);
    expect(r.results.map((x) => [x.status, x.method, x.movedRows])).toEqual([
      ['done', `resumed, attached in one step holding the table, 50 row(s) moved out of ${name}_default`, 50],
      ['done', `resumed, attached in one step holding the table, 13 row(s) moved out of ${name}_default`, 13],
    ]);
    expect(await idsOf(name)).toEqual(before); // every row once: none lost, none duplicated
    expect(await misplacedRows(name, [DAY0, addDays(DAY0, 1)])).toEqual([]);
    expect(await count(`${name}_default`)).toBe(9);
    expect(await count(today)).toBe(50);
    expect(await constraintsOf(today)).not.toContain('drizzle_partitions_bound');
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });

  it('a creation an earlier version left with rows in the unattached table (and its fence on the default): status names it, apply attaches it with the rest', async () => {
    const name = 'crash_parked';
    const t = eventsTable(name, policy);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await insertRows(name, DAY0, 20, 1000);
    await insertRows(name, addDays(DAY0, -30), 4, 3000);
    const before = await idsOf(name);
    // What 0.1's batched move left when it was killed: the table made like the parent,
    // marked, 8 of the day's rows moved into it, and its fence on the default partition.
    const today = dayName(name, NOW);
    await db.sql.unsafe(`create table "${today}" (like "${name}" including defaults including constraints)`);
    await db.sql.unsafe(`alter table "${today}" add constraint drizzle_partitions_bound check (at is not null and at >= '${DAY0.toISOString()}' and at < '${addDays(DAY0, 1).toISOString()}')`);
    await db.sql.unsafe(`comment on table "${today}" is 'drizzle-partitions:managed {"createdAt":"2026-03-27T12:00:00.000Z","reason":"current"}'`);
    await db.sql.unsafe(`with m as (delete from "${name}_default" where id in (select id from "${name}_default" where at >= '${DAY0.toISOString()}' order by id limit 8) returning *) insert into "${today}" select * from m`);
    await db.sql.unsafe(`alter table "${name}_default" add constraint drizzle_partitions_fence check (not (at >= '${DAY0.toISOString()}' and at < '${addDays(DAY0, 1).toISOString()}')) not valid`);
    expect(await idsOf(name)).toHaveLength(before.length - 8); // hidden while unattached

    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops.map((o) => (o.kind === 'create' ? [o.partition.name, o.resume, o.defaultRows, o.parkedRows] : [o.kind]))).toEqual([
      [today, true, 12, 8],
      [dayName(name, addDays(NOW, 1)), false, 0, 0],
    ]);
    expect(p.tables[0]!.problems.map((x) => `${x.code} ${x.partition}`)).toEqual(expect.arrayContaining([`fence-left ${name}_default`, `rows-unattached ${today}`]));
    expect(p.tables[0]!.problems.find((x) => x.code === 'rows-unattached')!.message).toContain(`8 row(s) sit in ${today}`);

    const r = await apply(db.sql, p);
    expect(r.results.map((x) => [x.status, x.movedRows])).toEqual([['done', 12], ['done', 0]]);
    expect(await idsOf(name)).toEqual(before);
    expect(await count(today)).toBe(20);
    expect(await constraintsOf(`${name}_default`)).toEqual([`${name}_default_pkey`]); // the fence is gone
    const after = await plan(db.sql, [t], { now: NOW });
    expect(after.tables[0]!.ops).toEqual([]);
    expect(after.tables[0]!.problems.map((x) => x.code)).toEqual(['default-has-rows']);
  });

  it('right after the step that makes the new table beside the parent (before any row is moved or the ATTACH): plan resumes it, apply converges', async () => {
    const name = 'crash_create';
    const t = eventsTable(name, policy);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await insertRows(name, DAY0, 30, 1000);
    await insertRows(name, addDays(DAY0, -30), 5, 3000);
    const before = await idsOf(name);

    const run = await runChild({ table: name, policy, withDefault: true, crash: 'after-create' }).done;
    expect(run.code, run.stdout + run.stderr).toBe(CRASHED);
    expect(run.stdout).toMatch(/crashing before: BEGIN/);
    await childBackendsGone();

    // Today's table, into which rows are to move, was made beside the parent (empty,
    // unattached, its bound as a CHECK); tomorrow's, with no rows to move, is made in
    // place by its own step holding the parent, which never began.
    const today = dayName(name, NOW);
    const tomorrow = dayName(name, addDays(NOW, 1));
    expect(await isAttached(today)).toBe(false);
    expect(await count(today)).toBe(0);
    expect(await constraintsOf(today)).toEqual(['drizzle_partitions_bound']);
    expect((await db.sql`select to_regclass(${tomorrow}) as t`)[0]!.t).toBeNull();
    expect(await count(`${name}_default`)).toBe(35);

    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops.map((o) => (o.kind === 'create' ? [o.partition.name, o.resume, o.defaultRows] : [o.kind]))).toEqual([
      [today, true, 30],
      [tomorrow, false, 0],
    ]);
    const r = await apply(db.sql, p);
    expect(r.results.map((x) => [x.status, x.method, x.movedRows])).toEqual([
      ['done', `resumed, attached in one step holding the table, 30 row(s) moved out of ${name}_default`, 30],
      ['done', 'created, attached in one step holding the table', 0],
    ]);
    expect(await idsOf(name)).toEqual(before);
    expect(await misplacedRows(name, [DAY0, addDays(DAY0, 1)])).toEqual([]);
    expect(await count(`${name}_default`)).toBe(5);
    expect(await isAttached(today)).toBe(true);
    // Attached like any partition: the bound CHECK is gone, the parent's primary key is built on it.
    expect(await constraintsOf(today)).toEqual([`${today}_pkey`]);
    expect(await constraintsOf(tomorrow)).toEqual([`${tomorrow}_pkey`]);
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });
});

describe('a maintainer that crashes while retiring a partition', () => {
  it('after the detach, before the DROP: plan finds the table marked retiring (finish-retire, retire-unfinished) and apply drops it', async () => {
    const name = 'crash_retire';
    const policy: MaintenancePolicyInput = { interval: '1 day', premake: 0, retention: { keep: '2 days', action: 'drop' } };
    const t = eventsTable(name, policy, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    expect((await apply(db.sql, await plan(db.sql, [t], { now: NOW, backfill: 3 }))).results.map((r) => r.status)).toEqual(Array(4).fill('done'));
    const old = dayName(name, addDays(NOW, -3));
    await insertRows(name, addDays(DAY0, -3), 5, 1000);

    const run = await runChild({ table: name, policy, withDefault: false, allowDestructive: true, crash: 'before-drop' }).done;
    expect(run.code, run.stdout + run.stderr).toBe(CRASHED);
    expect(run.stdout).toContain(`crashing before: DROP TABLE "public"."${old}"`);
    await childBackendsGone();
    expect(await isAttached(old)).toBe(false);
    expect(await count(old)).toBe(5); // detached, not dropped: left by the crash
    const [c] = await db.sql<{ c: string }[]>`select obj_description(to_regclass(${old}), 'pg_class') as c`;
    expect(c!.c).toMatch(new RegExp(`^drizzle-partitions:retiring .*"from":"public.${name}"`));

    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops.map((o) => `${o.kind} ${o.partition.name}`)).toEqual([`finish-retire ${old}`]);
    expect(p.tables[0]!.problems.map((x) => `${x.code} ${x.partition}`)).toContain(`retire-unfinished ${old}`);
    // dropping needs the opt-in, as any retirement does
    const held = await apply(db.sql, p);
    expect(held.results.map((x) => [x.status, x.reason])).toEqual([['skipped', expect.stringMatching(/needs allowDestructive/)]]);
    const r = await apply(db.sql, p, { allowDestructive: true });
    expect(r.results.map((x) => [x.op.kind, x.status, x.method])).toEqual([['finish-retire', 'done', 'detached by an earlier run, dropped']]);
    expect((await db.sql`select to_regclass(${old}) as t`)[0]!.t).toBeNull();
    const after = await plan(db.sql, [t], { now: NOW });
    expect(after.tables[0]!.ops).toEqual([]);
    expect(after.tables[0]!.problems).toEqual([]);
  });
});

describe('an interrupted DETACH ... CONCURRENTLY', () => {
  const policy: MaintenancePolicyInput = { interval: '1 day', premake: 1, retention: { keep: '2 days', action: 'detach' } };

  /** A table without a default partition (so DETACH CONCURRENTLY is used), days NOW-3 .. NOW+1, rows in the oldest. */
  async function setUp(name: string) {
    const t = eventsTable(name, policy, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const first = await apply(db.sql, await plan(db.sql, [t], { now: NOW, backfill: 3 }));
    expect(first.results.map((r) => r.status)).toEqual(Array(5).fill('done'));
    await insertRows(name, addDays(DAY0, -3), 10, 1000);
    const old = dayName(name, addDays(NOW, -3));
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops.map((o) => `${o.kind} ${o.partition.name}`)).toEqual([`retire ${old}`]);
    return { t, old, p };
  }

  /**
   * undefined: not a partition; true: half detached (14+). inhdetachpending exists from
   * PostgreSQL 14: read through to_jsonb, so that on 13 an attached partition answers false.
   */
  async function pending(name: string): Promise<boolean | undefined> {
    const [r] = await db.sql<{ pending: boolean | null }[]>`select (to_jsonb(i) ->> 'inhdetachpending')::boolean as pending from pg_inherits i where inhrelid = to_regclass(${name})`;
    return r ? (r.pending ?? false) : undefined;
  }

  /**
   * PostgreSQL 14+ retires with DETACH ... CONCURRENTLY, whose first phase commits on its own
   * (an interruption leaves the partition pending). 13 has no such thing: the runtime falls
   * back to a plain DETACH with lock_timeout, and an interruption leaves it attached, as it was.
   */
  const concurrent = () => db.serverMajor >= 14;

  /** plan() shows the finalize op; apply() finishes it once nothing holds the table. */
  async function finishes(t: ReturnType<typeof eventsTable>, name: string, old: string) {
    const p = await plan(db.sql, [t], { now: NOW });
    const ops = p.tables[0]!.ops.map((o) => `${o.kind} ${o.partition.name}`);
    if (!concurrent()) {
      // PostgreSQL 13: nothing was half done, the partition is simply retired now
      expect(ops).toEqual([`retire ${old}`]);
      expect(p.tables[0]!.problems.map((x) => x.code)).not.toContain('detach-pending');
      const r = await apply(db.sql, p, { lockTimeoutMs: 500, allowDestructive: true });
      expect(r.results.map((x) => [x.op.kind, x.status, x.method ?? x.reason])).toEqual([
        ['retire', 'done', expect.stringMatching(new RegExp(`^detach with lock_timeout \\(PostgreSQL ${db.serverMajor} has no DETACH CONCURRENTLY\\)`))],
      ]);
      expect(await pending(old)).toBeUndefined(); // no longer in pg_inherits
      expect(await count(old)).toBe(10); // the table and its rows stay (action: detach)
      const [c] = await db.sql<{ c: string }[]>`select obj_description(to_regclass(${old}), 'pg_class') as c`;
      expect(c!.c).toMatch(/^drizzle-partitions:retired /);
      expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
      return;
    }
    expect(ops[0]).toBe(`finalize-detach ${old}`);
    // plan.ts today also lists the pending partition for retirement; once finalized, apply finds it retired.
    expect(ops.slice(1)).toEqual(ops.length > 1 ? [`retire ${old}`] : []);
    expect(p.tables[0]!.problems.map((x) => x.code)).toContain('detach-pending');
    const r = await apply(db.sql, p, { lockTimeoutMs: 500, allowDestructive: true });
    expect(r.results.map((x) => [x.op.kind, x.status, x.method ?? x.reason])).toEqual([
      ['finalize-detach', 'done', expect.stringMatching(/^detach finalize/)],
      ...(ops.length > 1 ? [['retire', 'skipped', expect.stringMatching(/already retired/)]] : []),
    ]);
    expect(await pending(old)).toBeUndefined(); // no longer in pg_inherits
    expect(await count(old)).toBe(10); // the table and its rows stay (action: detach)
    const [c] = await db.sql<{ c: string }[]>`select obj_description(to_regclass(${old}), 'pg_class') as c`;
    expect(c!.c).toMatch(/^drizzle-partitions:retired /); // marked like any retired partition
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  }

  it('whose second phase hit lock_timeout (a reader of the table): the step fails with LOCK_TIMEOUT, plan shows finalize-detach, apply finishes it', async () => {
    const name = 'det_timeout';
    const { t, old, p } = await setUp(name);
    // The first phase takes SHARE UPDATE EXCLUSIVE (a reader does not stop it) and
    // commits; the second waits for every transaction holding a lock on the parent.
    const holder = await holdTransaction(db.url, [`SELECT count(*) FROM "${name}"`]);
    try {
      const r = await apply(db.sql, p, { allowDestructive: true, lockTimeoutMs: 200, attempts: 3, backoffMs: 50 });
      const [res] = r.results;
      expect(res!.status, res!.reason).toBe('failed');
      expect(res!.code).toBe('LOCK_TIMEOUT');
      expect(res!.reason).toContain(`pid ${holder.pid} `);
      // 14+: the first phase committed, the partition is pending; 13: the plain DETACH rolled back, it is attached as before
      expect(await pending(old)).toBe(concurrent());
      // While the reader stays, finishing fails the same way (FINALIZE needs ACCESS EXCLUSIVE on the partition);
      // on 13 the next try is the same plain DETACH (a retire, so it needs allowDestructive to be tried at all).
      const blocked = await apply(db.sql, await plan(db.sql, [t], { now: NOW }), { lockTimeoutMs: 200, attempts: 2, backoffMs: 50, ...(concurrent() ? {} : { allowDestructive: true }) });
      expect(blocked.results.filter((x) => x.op.kind === (concurrent() ? 'finalize-detach' : 'retire')).map((x) => [x.status, x.code])).toEqual([['failed', 'LOCK_TIMEOUT']]);
      expect(blocked.results.map((x) => x.status)).not.toContain('done');
      expect(await pending(old)).toBe(concurrent());
    } finally {
      await holder.end();
    }
    await finishes(t, name, old);
  });

  it('whose maintainer backend was terminated while waiting in the second phase: plan shows finalize-detach, apply finishes it', async () => {
    const name = 'det_killed';
    const { t, old } = await setUp(name);
    const holder = await holdTransaction(db.url, [`SELECT count(*) FROM "${name}"`]);
    let run: ChildRun;
    try {
      // A maintainer with a long lock_timeout, in a process of its own, waits in the second phase ...
      const child = runChild({ table: name, policy, withDefault: false, allowDestructive: true, lockTimeoutMs: 60_000, crash: 'none' });
      let pid = 0;
      // (PostgreSQL 13: its plain DETACH waits for the lock on the table)
      await waitUntil(
        concurrent() ? 'the DETACH CONCURRENTLY to wait in its second phase' : 'the DETACH to wait for its lock',
        async () => {
          const [r] = await db.sql<{ pid: number }[]>`select pid from pg_stat_activity
            where application_name = ${CHILD_APPLICATION_NAME} and datname = current_database() and wait_event_type = 'Lock' and query ilike ${concurrent() ? '%DETACH PARTITION%CONCURRENTLY%' : '%LOCK TABLE%'}`;
          pid = r?.pid ?? 0;
          return pid !== 0;
        },
        20_000,
      );
      expect(await pending(old)).toBe(concurrent()); // 14+: the first phase committed; 13: nothing committed
      // ... and its backend dies (an operator's pg_terminate_backend, an OOM kill).
      const [k] = await db.sql<{ ok: boolean }[]>`select pg_terminate_backend(${pid}::int) as ok`;
      expect(k!.ok).toBe(true);
      run = await child.done;
    } finally {
      await holder.end();
    }
    console.log(`[crash] child after pg_terminate_backend: exit ${run.code}; ${(run.stdout + run.stderr).trim().slice(0, 400)}`);
    // However the child ended, it did not finish the detach.
    expect(run.signal, run.stdout + run.stderr).toBeNull();
    expect(run.stdout).not.toContain('"done"');
    await childBackendsGone();
    expect(await pending(old)).toBe(concurrent());
    await finishes(t, name, old);
  });
});
