/**
 * Maintenance on real PostgreSQL with an injected clock: premake, time travel
 * across DST changes, retention with each action, rows moved out of the default
 * partition, integer keys, LIST partitions on demand.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { apply, ensurePartitions, hash, listPartitions, pgPartitionedTable, plan, range, type MaintenancePolicyInput, type ProgressEvent } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { createOn, eventsTable, EVENTS_COLUMNS, idTable, tenantsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const DAY = 86_400_000;

async function maintain(table: ReturnType<typeof eventsTable>, now: Date, allowDestructive = true) {
  const p = await plan(db.sql, [table], { now });
  const r = await apply(db.sql, p, { allowDestructive, now });
  const failed = r.results.filter((x) => x.status === 'failed');
  if (failed.length) throw new Error(failed.map((f) => f.reason).join('\n'));
  return { p, r };
}

/** Top-level range partitions as [name, fromMs, toMs], sorted. */
async function spans(table: ReturnType<typeof eventsTable>) {
  const tree = await listPartitions(db.sql, table);
  return tree.partitions
    .filter((p) => p.bound.kind === 'range')
    .map((p) => {
      const b = p.bound as unknown as { from: { ord: bigint }[]; to: { ord: bigint }[] };
      return { name: p.name, from: Number(b.from[0]!.ord / 1000n), to: Number(b.to[0]!.ord / 1000n), origin: p.origin };
    })
    .sort((a, b) => a.from - b.from);
}

describe('time-range maintenance', () => {
  it('creates the current day and premake days ahead, marked as ours, and a rerun has nothing to do', async () => {
    const t = eventsTable('ev_basic', { interval: '1 day', premake: 3 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const now = new Date('2026-03-27T12:00:00Z');
    const p = await plan(db.sql, [t], { now });
    expect(p.tables[0]!.ops.map((o) => o.kind === 'create' && o.partition.name)).toEqual(['ev_basic_p20260327', 'ev_basic_p20260328', 'ev_basic_p20260329', 'ev_basic_p20260330']);
    expect(p.tables[0]!.problems.map((x) => x.code)).toContain('premake-short');
    const r = await apply(db.sql, p);
    expect(r.results.map((x) => x.status)).toEqual(['done', 'done', 'done', 'done']);
    const tree = await listPartitions(db.sql, t);
    expect(tree.partitions.map((x) => [x.name, x.origin])).toEqual([
      ['ev_basic_default', 'declared'],
      ['ev_basic_p20260327', 'maintenance'],
      ['ev_basic_p20260328', 'maintenance'],
      ['ev_basic_p20260329', 'maintenance'],
      ['ev_basic_p20260330', 'maintenance'],
    ]);
    const again = await plan(db.sql, [t], { now });
    expect(again.tables[0]!.ops).toEqual([]);
    expect(again.tables[0]!.problems).toEqual([]);
  });

  it('travels 70 days across both 2026 DST changes with daily partitions and 7-day retention', async () => {
    const t = eventsTable('ev_travel', { interval: '1 day', premake: 2, retention: { keep: '7 days', action: 'drop' } });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    let id = 0;
    for (let day = 0; day < 70; day++) {
      const now = new Date(Date.parse('2026-03-01T23:30:00Z') + day * DAY);
      await maintain(t, now);
      await db.sql`insert into ev_travel (id, at) values (${++id}, ${now})`;
      const s = await spans(t);
      for (const x of s) expect(x.to - x.from).toBe(DAY); // exactly 24 h in UTC, DST or not
      for (let i = 1; i < s.length; i++) expect(s[i]!.from).toBe(s[i - 1]!.to); // no gaps, no overlaps
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      expect(s[s.length - 1]!.from).toBe(today + 2 * DAY); // premake 2
      expect(s[0]!.from).toBeGreaterThanOrEqual(today - 7 * DAY); // retention
    }
    const [d] = await db.sql<{ n: number }[]>`select count(*)::int as n from ev_travel_default`;
    expect(d!.n).toBe(0);
    const [rows] = await db.sql<{ n: number }[]>`select count(*)::int as n from ev_travel`;
    expect(rows!.n).toBe(8); // today and the 7 kept days
  });

  it('hourly partitions over the US fall-back night stay 1 h wide in UTC', async () => {
    const t = eventsTable('ev_hourly', { interval: '1 hour', premake: 6 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    for (let h = 0; h < 30; h++) await maintain(t, new Date(Date.parse('2026-11-01T00:10:00Z') + h * 3_600_000));
    const s = await spans(t);
    expect(s.length).toBe(36);
    for (const x of s) expect(x.to - x.from).toBe(3_600_000);
    expect(s[0]!.name).toBe('ev_hourly_p20261101_0000'); // hourly names always carry the hour
    expect(s[5]!.name).toBe('ev_hourly_p20261101_0500');
  });

  it('monthly partitions are anchored on month starts (no hour kept), with retention by calendar months', async () => {
    const t = eventsTable('ev_monthly', { interval: '1 month', premake: 1, retention: { keep: '3 months', action: 'detach' } });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    for (let m = 0; m < 8; m++) await maintain(t, new Date(Date.UTC(2026, m, 17, 15, 45)));
    const s = await spans(t);
    expect(s.map((x) => new Date(x.from).toISOString().slice(0, 10))).toEqual(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01']);
    // detached partitions are kept as plain tables, marked retired
    const kept = await db.sql<{ relname: string; c: string }[]>`select relname, obj_description(oid, 'pg_class') as c from pg_class where relname like 'ev_monthly_p2026%' and relkind = 'r' and not relispartition order by relname`;
    expect(kept.map((k) => k.relname)).toEqual(['ev_monthly_p20260101', 'ev_monthly_p20260201', 'ev_monthly_p20260301', 'ev_monthly_p20260401']);
    for (const k of kept) expect(k.c).toMatch(/^drizzle-partitions:retired /);
  });

  it('never retires the default partition, declared partitions, or partitions it did not create', async () => {
    const t = eventsTable('ev_safe', { interval: '1 day', premake: 1, retention: { keep: '1 day', action: 'drop' } });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql.unsafe(`CREATE TABLE ev_safe_manual PARTITION OF ev_safe FOR VALUES FROM ('2020-01-01') TO ('2020-01-02')`);
    await maintain(t, new Date('2026-01-10T12:00:00Z'));
    await maintain(t, new Date('2026-02-10T12:00:00Z'));
    const names = (await listPartitions(db.sql, t)).partitions.map((p) => p.name);
    expect(names).toContain('ev_safe_default');
    expect(names).toContain('ev_safe_manual');
    expect(names).not.toContain('ev_safe_p20260110');
    // the manual partition of 2020 makes maintenance fill up to 1,000 missed days behind today: slow
  }, 120_000);

  it('retirement waits for an explicit opt-in', async () => {
    const t = eventsTable('ev_optin', { interval: '1 day', premake: 0, retention: { keep: '1 day', action: 'drop' } });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await maintain(t, new Date('2026-01-01T12:00:00Z'));
    const p = await plan(db.sql, [t], { now: new Date('2026-01-05T12:00:00Z') });
    const r = await apply(db.sql, p);
    const retire = r.results.find((x) => x.op.kind === 'retire')!;
    expect(retire.status).toBe('skipped');
    expect(retire.reason).toMatch(/--yes/);
    expect((await listPartitions(db.sql, t)).partitions.map((x) => x.name)).toContain('ev_optin_p20260101');
  });

  it('moves the rows of a new partition out of the default partition in the attach step, losing none', async () => {
    const t = eventsTable('ev_move', { interval: '1 month', premake: 0 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql`insert into ev_move (id, at) select g, timestamptz '2026-05-01' + (g % 1000) * interval '1 minute' from generate_series(1, 23456) g`;
    await db.sql`insert into ev_move (id, at) values (999999, '2026-06-02')`; // stays in the default
    const p = await plan(db.sql, [t], { now: new Date('2026-05-20T00:00:00Z') });
    const op = p.tables[0]!.ops[0]!;
    expect(op).toMatchObject({ kind: 'create', defaultRows: 23456, defaultSize: 23457, needsWindow: undefined });
    const events: ProgressEvent[] = [];
    const r = await apply(db.sql, p, { onProgress: (e) => events.push(e) });
    expect(r.results[0]).toMatchObject({ status: 'done', movedRows: 23456, method: 'created, attached in one step holding the table, 23456 row(s) moved out of ev_move_default' });
    expect(events.map((e) => [e.phase, e.movedRows])).toEqual([['create', undefined], ['attach', undefined], ['attached', 23456]]);
    const counts = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from ev_move group by 1 order by 1`;
    expect(counts).toEqual([{ t: 'ev_move_default', n: 1 }, { t: 'ev_move_p20260501', n: 23456 }]);
  });

  it('a foreign key into the table that would act on a moved row: plan() sees the reference (create-blocked); one made after the plan stops the step (ROWS_REFERENCED): nothing referencing is deleted, no row moves', async () => {
    const t = eventsTable('ev_fk', { interval: '1 month', premake: 0 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql`insert into ev_fk (id, at) values (1, '2026-05-02'), (2, '2026-05-03')`;
    await db.sql`create table ev_fk_refs (id int primary key, event_id bigint, event_at timestamptz, foreign key (event_id, event_at) references ev_fk (id, at) on delete cascade)`;
    const now = new Date('2026-05-20T00:00:00Z');
    // planned before the row that references one of them exists (plan() would see it: below)
    const p = await plan(db.sql, [t], { now });
    await db.sql`insert into ev_fk_refs values (10, 1, '2026-05-02')`;
    const r = await apply(db.sql, p);
    expect(r.results[0]).toMatchObject({ status: 'failed', code: 'ROWS_REFERENCED' });
    expect(r.results[0]!.reason).toContain('rows of ev_fk_p20260501 in default partition ev_fk_default cannot move');
    expect(r.results[0]!.reason).toContain('foreign key ev_fk_refs_event_id_event_at_fkey of table ev_fk_refs (ON DELETE CASCADE) would act on the rows that reference them');
    expect(await db.sql`select id from ev_fk_refs`).toEqual([{ id: 10 }]);
    expect(await db.sql`select tableoid::regclass::text as t, count(*)::int as n from ev_fk group by 1`).toEqual([{ t: 'ev_fk_default', n: 2 }]);

    // planned with the reference there: create-blocked, and apply leaves it alone
    const seen = await plan(db.sql, [t], { now });
    expect(seen.tables[0]!.problems.filter((x) => x.code === 'create-blocked').map((x) => [x.partition, x.message.includes('rows of public.ev_fk_refs reference rows of ev_fk_default')])).toEqual([['ev_fk_p20260501', true]]);
    expect((await apply(db.sql, seen)).results[0]).toMatchObject({ status: 'skipped', code: 'CREATE_BLOCKED' });

    // NO ACTION: the rows move unless one of them is referenced
    await db.sql`alter table ev_fk_refs drop constraint ev_fk_refs_event_id_event_at_fkey`;
    await db.sql`alter table ev_fk_refs add foreign key (event_id, event_at) references ev_fk (id, at)`;
    await db.sql`delete from ev_fk_refs`;
    const planned = await plan(db.sql, [t], { now });
    await db.sql`insert into ev_fk_refs values (10, 1, '2026-05-02')`;
    const again = await apply(db.sql, planned);
    expect(again.results[0]).toMatchObject({ status: 'failed', code: 'ROWS_REFERENCED' });
    expect(again.results[0]!.reason).toMatch(/cannot move: .*violates foreign key constraint/);
    await db.sql`delete from ev_fk_refs`;
    const done = await apply(db.sql, await plan(db.sql, [t], { now }));
    expect(done.results[0]).toMatchObject({ status: 'done', movedRows: 2 });
  });

  it('the default partition\'s user triggers do not fire for the move, and are as they were after it', async () => {
    const t = eventsTable('ev_trg', { interval: '1 month', premake: 0 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql`create table ev_trg_audit (op text, id bigint)`;
    await db.sql.unsafe(`create function ev_trg_row() returns trigger language plpgsql as $$ begin insert into ev_trg_audit values (TG_OP || ':' || TG_NAME, coalesce(NEW.id, OLD.id)); return coalesce(NEW, OLD); end $$`);
    for (const name of ['a_audit', 'b_always', 'c_off']) await db.sql.unsafe(`create trigger ${name} after insert or delete on ev_trg for each row execute function ev_trg_row()`);
    await db.sql`alter table ev_trg_default enable always trigger b_always`;
    await db.sql`alter table ev_trg_default disable trigger c_off`;
    await db.sql`insert into ev_trg (id, at) values (1, '2026-05-02'), (2, '2026-05-03')`;
    await db.sql`delete from ev_trg_audit`;
    const r = await apply(db.sql, await plan(db.sql, [t], { now: new Date('2026-05-20T00:00:00Z') }));
    expect(r.results[0]).toMatchObject({ status: 'done', movedRows: 2 });
    // PostgreSQL 13-14 mark the partitions' copies of the parent's triggers internal, which only a
    // superuser may switch off: there they fire for the move (README); from 15 they do not.
    if (db.serverMajor >= 15) expect(await db.sql`select * from ev_trg_audit`).toEqual([]);
    else expect((await db.sql`select * from ev_trg_audit`).length).toBeGreaterThan(0);
    expect(await db.sql`select tgname, tgenabled::text from pg_trigger where tgrelid = 'ev_trg_default'::regclass and (not tgisinternal or tgparentid <> 0) and tgconstraint = 0 order by 1`).toEqual([
      { tgname: 'a_audit', tgenabled: 'O' },
      { tgname: 'b_always', tgenabled: 'A' },
      { tgname: 'c_off', tgenabled: 'D' },
    ]);
  });

  it('beside a default partition, a partition with no rows to move is made in the one step that holds the parent; rows that reached the default since the plan make that step give way to a table made beside the parent and a move, losing none', async () => {
    const t = eventsTable('ev_inplace', { interval: '1 day', premake: 2 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const now = new Date('2026-05-20T12:00:00Z');
    const p = await plan(db.sql, [t], { now });
    expect(p.tables[0]!.ops.map((o) => (o.kind === 'create' ? [o.partition.name, o.defaultRows] : [o.kind]))).toEqual([
      ['ev_inplace_p20260520', 0],
      ['ev_inplace_p20260521', 0],
      ['ev_inplace_p20260522', 0],
    ]);
    // After the plan, rows for the second day reach the default partition.
    await db.sql`insert into ev_inplace (id, at) select g, timestamptz '2026-05-21 00:00Z' + g * interval '1 minute' from generate_series(1, 17) g`;
    const events: ProgressEvent[] = [];
    // the first step alone (nothing measured yet), then the other two in one transaction
    // (a budget no step comes near), which gives way to one step each
    const r = await apply(db.sql, p, { onProgress: (e) => events.push(e), createBatchMs: 60_000 });
    expect(r.results.map((x) => [x.op.partition.name, x.status, x.method, x.movedRows])).toEqual([
      ['ev_inplace_p20260520', 'done', 'created, attached in one step holding the table', 0],
      ['ev_inplace_p20260521', 'done', 'created, attached in one step holding the table, 17 row(s) moved out of ev_inplace_default', 17],
      ['ev_inplace_p20260522', 'done', 'created, attached in one step holding the table', 0],
    ]);
    // The transaction with the next day's, its own step in place, then the table made beside
    // the parent and attached with the move.
    expect(events.filter((e) => e.op.partition.name === 'ev_inplace_p20260521').map((e) => [e.phase, e.movedRows])).toEqual([
      ['create', undefined],
      ['attach', undefined],
      ['create', undefined],
      ['attach', undefined],
      ['create', undefined],
      ['attach', undefined],
      ['attached', 17],
    ]);
    const counts = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from ev_inplace group by 1 order by 1`;
    expect(counts).toEqual([{ t: 'ev_inplace_p20260521', n: 17 }]);
    // Made like any partition of ours: marked, no CHECK left, the parent's primary key built on it.
    const parts = await db.sql<{ name: string; comment: string | null; cons: string[] }[]>`
      select c.relname as name, obj_description(c.oid, 'pg_class') as comment,
        array(select conname::text from pg_constraint where conrelid = c.oid and contype <> 'n' order by 1) as cons
      from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'ev_inplace'::regclass and c.relname <> 'ev_inplace_default' order by 1`;
    expect(parts.map((x) => [x.name, x.comment?.startsWith('drizzle-partitions:managed '), x.cons])).toEqual(
      ['ev_inplace_p20260520', 'ev_inplace_p20260521', 'ev_inplace_p20260522'].map((n) => [n, true, [`${n}_pkey`]]),
    );
    expect((await plan(db.sql, [t], { now })).tables[0]!.ops).toEqual([]);
  });

  it("each slot of the policy is looked up among many partitions: one matching it is kept, one overlapping it without matching is reported misaligned and that slot left alone, the slots beside a MINVALUE and a MAXVALUE partition are judged by their bounds", async () => {
    const t = eventsTable('ev_slots', { interval: '1 day', premake: 4 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    // The 150 days up to today (2025-12-21 to 2026-05-19, what a binary search passes
    // over), one from MINVALUE below them, today's exactly, tomorrow's range half a day
    // off, and everything from the fourth day on in one MAXVALUE partition.
    const day = (d: string) => `timestamptz '${d} 00:00Z'`;
    await db.sql.unsafe(`create table ev_slots_old partition of ev_slots for values from (minvalue) to ('2025-12-21 00:00Z')`);
    await db.sql.unsafe(`do $$ begin for k in 0..149 loop execute format('create table ev_slots_d%s partition of ev_slots for values from (%L) to (%L)', k, timestamptz '2025-12-21 00:00Z' + k * interval '1 day', timestamptz '2025-12-21 00:00Z' + (k + 1) * interval '1 day'); end loop; end $$`);
    await db.sql.unsafe(`create table ev_slots_today partition of ev_slots for values from (${day('2026-05-20')}) to (${day('2026-05-21')})`);
    await db.sql.unsafe(`create table ev_slots_odd partition of ev_slots for values from ('2026-05-21 12:00Z') to ('2026-05-22 12:00Z')`);
    await db.sql.unsafe(`create table ev_slots_rest partition of ev_slots for values from (${day('2026-05-24')}) to (maxvalue)`);
    const p = (await plan(db.sql, [t], { now: new Date('2026-05-20T12:00:00Z') })).tables[0]!;
    // today: kept; the 21st and 22nd: ev_slots_odd overlaps both; the 23rd: free; the 24th: inside ev_slots_rest
    expect(p.ops.map((o) => (o.kind === 'create' ? o.partition.name : o.kind))).toEqual(['ev_slots_p20260523']);
    expect(p.problems.filter((x) => x.code === 'misaligned').map((x) => [x.partition, x.message])).toEqual([
      ['ev_slots_odd', "ev_slots_odd (FOR VALUES FROM ('2026-05-21 12:00:00+00') TO ('2026-05-22 12:00:00+00')) overlaps the policy's slot [2026-05-21 00:00:00+00, 2026-05-22 00:00:00+00) without matching it; that slot is left alone"],
      ['ev_slots_odd', "ev_slots_odd (FOR VALUES FROM ('2026-05-21 12:00:00+00') TO ('2026-05-22 12:00:00+00')) overlaps the policy's slot [2026-05-22 00:00:00+00, 2026-05-23 00:00:00+00) without matching it; that slot is left alone"],
      ['ev_slots_rest', "ev_slots_rest (FOR VALUES FROM ('2026-05-24 00:00:00+00') TO (MAXVALUE)) overlaps the policy's slot [2026-05-24 00:00:00+00, 2026-05-25 00:00:00+00) without matching it; that slot is left alone"],
    ]);
  });

  it('a step past the step limits needs a window: plan says why, apply leaves it (NEEDS_WINDOW) unless window: true', async () => {
    const t = eventsTable('ev_window', { interval: '1 day', premake: 0 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql`insert into ev_window (id, at) select g, timestamptz '2025-01-01' + g * interval '1 second' from generate_series(1, 30000) g`;
    await db.sql`insert into ev_window (id, at) select g, timestamptz '2026-05-20 00:00Z' + g * interval '1 second' from generate_series(1, 700) g`;
    const now = new Date('2026-05-20T12:00:00Z');

    // Within the limits (the defaults: 1,000,000 rows read, 50,000 moved): no window needed.
    const fits = await plan(db.sql, [t], { now });
    expect(fits.tables[0]!.ops[0]).toMatchObject({ kind: 'create', defaultRows: 700, defaultSize: 30700, needsWindow: undefined });

    // Limits lower than the table: the size of the default, then the rows to move.
    for (const [limits, why] of [
      [{ maxDefaultRows: 10_000 }, 'the default partition ev_window_default holds more than 10000 rows (maxDefaultRows), which ATTACH reads while the table is held'],
      [{ maxMoveRows: 500 }, 'more than 500 of its rows (maxMoveRows) belong to the new partition and move while the table is held'],
    ] as const) {
      const p = await plan(db.sql, [t], { now, ...limits });
      const op = p.tables[0]!.ops[0]!;
      expect(op.kind === 'create' && op.needsWindow).toBe(why);
      expect(p.tables[0]!.problems.find((x) => x.code === 'needs-window')?.message).toBe(
        `creating ev_window_p20260520 needs a maintenance window: ${why}; apply does it only with window: true (--window), when the application can wait for it`,
      );
      const r = await apply(db.sql, p);
      expect(r.results[0]).toMatchObject({ status: 'skipped', code: 'NEEDS_WINDOW' });
      expect(r.results[0]!.reason).toContain(why);
      expect((await listPartitions(db.sql, t)).partitions.map((x) => x.name)).toEqual(['ev_window_default']); // nothing was created
    }

    const p = await plan(db.sql, [t], { now, maxMoveRows: 500 });
    const r = await apply(db.sql, p, { window: true });
    expect(r.results[0]).toMatchObject({ status: 'done', movedRows: 700, method: 'created, attached in one step holding the table, 700 row(s) moved out of ev_window_default (window)' });
    const counts = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from ev_window group by 1 order by 1`;
    expect(counts).toEqual([{ t: 'ev_window_default', n: 30000 }, { t: 'ev_window_p20260520', n: 700 }]);
  });

  it.each([
    ['detach', { keep: '2 days', action: 'detach' }],
    ['drop', { keep: '2 days', action: 'drop' }],
    ['move to schema', { keep: '2 days', action: { moveToSchema: 'archive' } }],
  ] as const)('retention action: %s', async (label, retention) => {
    const name = `ev_ret_${label.replace(/ /g, '_')}`;
    const t = eventsTable(name, { interval: '1 day', premake: 0, retention: retention as MaintenancePolicyInput['retention'] });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await maintain(t, new Date('2026-01-01T12:00:00Z'));
    await db.sql.unsafe(`insert into "${name}" (id, at) values (1, '2026-01-01 10:00Z')`);
    const { r } = await maintain(t, new Date('2026-01-05T12:00:00Z'));
    const retire = r.results.find((x) => x.op.kind === 'retire')!;
    expect(retire.status).toBe('done');
    // the fallback names why: the default partition, or on PostgreSQL 13 the version (it has no DETACH CONCURRENTLY at all)
    expect(retire.method).toMatch(db.serverMajor < 14 ? new RegExp(`detach with lock_timeout \\(PostgreSQL ${db.serverMajor} has no DETACH CONCURRENTLY`) : /detach with lock_timeout \(the table has a default partition/);
    const rows = await db.sql<{ nspname: string; part: boolean }[]>`select n.nspname, c.relispartition as part from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ${`${name}_p20260101`}`;
    if (label === 'drop') expect(rows).toEqual([]);
    else {
      expect(rows).toEqual([{ nspname: label === 'detach' ? 'public' : 'archive', part: false }]);
      const schema = label === 'detach' ? 'public' : 'archive';
      const [kept] = await db.sql.unsafe(`select count(*)::int as n from "${schema}"."${name}_p20260101"`);
      expect(kept!.n).toBe(1); // the rows stay with the detached table
    }
  });

  it('retention action: move to another tablespace (the partition stays attached)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-ts-'));
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
    await db.sql.unsafe(`CREATE TABLESPACE dp_cold LOCATION '${dir}'`);
    try {
      const t = eventsTable('ev_cold', { interval: '1 day', premake: 0, retention: { keep: '2 days', action: { moveToTablespace: 'dp_cold' } } });
      await createOn(db.sql, t, EVENTS_COLUMNS);
      await maintain(t, new Date('2026-01-01T12:00:00Z'));
      const { r } = await maintain(t, new Date('2026-01-05T12:00:00Z'));
      expect(r.results.find((x) => x.op.kind === 'retire')).toMatchObject({ status: 'done' });
      const tree = await listPartitions(db.sql, t);
      expect(tree.partitions.find((p) => p.name === 'ev_cold_p20260101')?.tablespace).toBe('dp_cold');
      // its indexes went along
      const idx = await db.sql<{ ts: string | null }[]>`select t.spcname as ts from pg_index i join pg_class c on c.oid = i.indexrelid left join pg_tablespace t on t.oid = c.reltablespace where i.indrelid = 'ev_cold_p20260101'::regclass`;
      expect(idx.map((x) => x.ts)).toEqual(['dp_cold']);
      // moved once: the next run does not move it again
      const again = await plan(db.sql, [t], { now: new Date('2026-01-06T12:00:00Z') });
      expect(again.tables[0]!.ops.filter((o) => o.kind === 'retire' && o.partition.name === 'ev_cold_p20260101')).toEqual([]);
    } finally {
      await db.sql.unsafe(`DROP TABLE IF EXISTS ev_cold`);
      await db.sql.unsafe(`DROP TABLESPACE IF EXISTS dp_cold`);
    }
  });
});

describe('sub-partitioned partitions from the policy', () => {
  it('each new month is created HASH-partitioned, default rows routed into its sub-partitions, then attached', async () => {
    const t = pgPartitionedTable(
      'ev_sub',
      { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
      (t) => [primaryKey({ columns: [t.id, t.at] })],
      (t) => range(t.at, { maintenance: { interval: '1 month', premake: 1, partitionBy: hash(t.id, { partitions: 2 }) } }),
    );
    await createOn(db.sql, t, `"id" bigint NOT NULL, "at" timestamptz NOT NULL, PRIMARY KEY ("id", "at")`);
    await db.sql`insert into ev_sub select g, timestamptz '2026-03-05' + g * interval '1 minute' from generate_series(1, 1000) g`;
    const p = await plan(db.sql, [t], { now: new Date('2026-03-10T00:00:00Z') });
    const r = await apply(db.sql, p);
    expect(r.results.map((x) => [x.op.partition.name, x.status, x.movedRows])).toEqual([
      ['ev_sub_p20260301', 'done', 1000],
      ['ev_sub_p20260401', 'done', 0],
    ]);
    const tree = await listPartitions(db.sql, t);
    const march = tree.partitions.find((x) => x.name === 'ev_sub_p20260301')!;
    expect(march.partitionBy).toBe('HASH (id)');
    expect(march.children.map((c) => c.name)).toEqual(['ev_sub_p20260301_h2_0', 'ev_sub_p20260301_h2_1']);
    const counts = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from ev_sub group by 1 order by 1`;
    expect(counts.map((c) => c.t)).toEqual(['ev_sub_p20260301_h2_0', 'ev_sub_p20260301_h2_1']);
    expect(counts.reduce((a, c) => a + c.n, 0)).toBe(1000);
    const left = await db.sql`select conname from pg_constraint where conname like 'drizzle_partitions%'`;
    expect(left).toEqual([]);
  });

  it('a policy sub-partitioning whose key is not in the primary key is refused at definition time', () => {
    expect(() =>
      pgPartitionedTable(
        'ev_sub_bad',
        { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tenant: text().notNull() },
        (t) => [primaryKey({ columns: [t.id, t.at] })],
        (t) => range(t.at, { maintenance: { interval: '1 month', partitionBy: hash(t.tenant, { partitions: 2 }) } }),
      ),
    ).toThrow(/PRIMARY_KEY_MISSING_KEY_COLUMN[\s\S]*"tenant"/);
  });
});

describe('integer keys', () => {
  it('premakes ahead of max(id) and backfills behind, moving rows from the default', async () => {
    const t = idTable('ids', { interval: 1000, premake: 2 });
    await createOn(db.sql, t, `"id" bigint NOT NULL, "note" text`);
    await db.sql`insert into ids (id) select generate_series(1, 2500)`;
    const p = await plan(db.sql, [t], { backfill: 2 });
    expect(p.tables[0]!.ops.map((o) => o.kind === 'create' && `${o.partition.name}:${o.defaultRows}`)).toEqual(['ids_p0:999', 'ids_p1000:1000', 'ids_p2000:501', 'ids_p3000:0', 'ids_p4000:0']);
    const r = await apply(db.sql, p);
    expect(r.results.every((x) => x.status === 'done')).toBe(true);
    const [d] = await db.sql<{ n: number }[]>`select count(*)::int as n from ids_default`;
    expect(d!.n).toBe(0);
    const [all] = await db.sql<{ n: number }[]>`select count(*)::int as n from ids`;
    expect(all!.n).toBe(2500);
  });
});

describe('LIST partitions on demand', () => {
  it('creates the missing ones, moves their rows out of the default, skips existing ones', async () => {
    const t = tenantsTable('tenants_od');
    await createOn(db.sql, t, `"tenant" text NOT NULL, "n" integer`);
    await db.sql`insert into tenants_od values ('acme', 1), ('acme', 2), ('seed', 3), ('other', 4)`;
    const r = await ensurePartitions(db.sql, t, ['acme', 'globex', 'seed', "o'brien"]);
    expect(r.results.map((x) => [x.op.kind === 'create' && x.op.partition.name, x.status, x.movedRows])).toEqual([
      ['tenants_od_acme', 'done', 2],
      ['tenants_od_globex', 'done', 0],
      ['tenants_od_o_brien', 'done', 0],
    ]);
    const rows = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from tenants_od group by 1 order by 1`;
    expect(rows).toEqual([{ t: 'tenants_od_acme', n: 2 }, { t: 'tenants_od_default', n: 1 }, { t: 'tenants_od_seed', n: 1 }]);
    expect((await ensurePartitions(db.sql, t, ['acme'])).results).toEqual([]);
  });

  it('values whose names would collide, or run past 63 bytes, get distinct hashed names', async () => {
    const t = tenantsTable('tenants_nm');
    await createOn(db.sql, t, `"tenant" text NOT NULL, "n" integer`);
    const long = 'Wayne Enterprises '.repeat(5);
    const r = await ensurePartitions(db.sql, t, ['Wayne Enterprises', 'wayne-enterprises', long]);
    const names = r.results.map((x) => x.op.partition.name);
    expect(r.results.map((x) => x.status)).toEqual(['done', 'done', 'done']);
    expect(names[0]).toBe('tenants_nm_wayne_enterprises');
    expect(names[1]).toMatch(/^tenants_nm_wayne_enterprises_[0-9a-f]{8}$/);
    expect(Buffer.byteLength(names[2]!)).toBeLessThanOrEqual(63);
    await db.sql`insert into tenants_nm values ('wayne-enterprises', 1)`;
    const [row] = await db.sql<{ t: string }[]>`select tableoid::regclass::text as t from tenants_nm where tenant = 'wayne-enterprises'`;
    expect(row!.t).toBe(names[1]);
  });
});

describe('names maintenance derives', () => {
  it('a derived name an unrelated table already has: the slot gets the hashed fallback, and keeps it', async () => {
    const t = eventsTable('ev_taken', { interval: '1 day', premake: 1 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql.unsafe(`CREATE TABLE ev_taken_p20260302 (note text)`); // somebody else's table
    const now = new Date('2026-03-01T12:00:00Z');
    const p = await plan(db.sql, [t], { now });
    expect(p.tables[0]!.ops.map((o) => o.partition.name)).toEqual(['ev_taken_p20260301', expect.stringMatching(/^ev_taken_p20260302_[0-9a-f]{8}$/)]);
    const r = await apply(db.sql, p);
    expect(r.results.map((x) => x.status)).toEqual(['done', 'done']);
    const again = await plan(db.sql, [t], { now });
    expect(again.tables[0]!.ops).toEqual([]);
    expect(again.tables[0]!.problems.map((x) => x.code)).toEqual([]);
    expect((await db.sql`select count(*)::int as n from ev_taken_p20260302`)[0]!.n).toBe(0); // untouched
  });

  it('an integer slot whose derived name would pass 63 bytes is reported by plan (name-too-long, naming the table) and skipped', async () => {
    const name = 'i'.repeat(45);
    const t = idTable(name, { interval: 1000, premake: 0 });
    await createOn(db.sql, t, `"id" bigint NOT NULL, "note" text`);
    await db.sql.unsafe(`CREATE TABLE "${name}_low" PARTITION OF "${name}" FOR VALUES FROM (0) TO (999999999999999000)`);
    await db.sql.unsafe(`INSERT INTO "${name}" (id) VALUES (999999999999999999)`);
    const p = await plan(db.sql, [t], { now: new Date('2026-03-01T00:00:00Z') });
    expect(p.tables[0]!.ops).toEqual([]);
    const problem = p.tables[0]!.problems.find((x) => x.code === 'name-too-long')!;
    expect(problem.table).toBe(`public.${name}`);
    expect(problem.message).toContain(`would be named ${name}_p999999999999999000, 65 bytes (PostgreSQL keeps 63)`);
  });
});
