/**
 * apply makes several new partitions per short transaction (src/runtime/create-together.ts):
 * without a default partition by ATTACH, beside one in place in the step that holds the
 * parent. What that changes (fewer transactions, the same partitions), and where it
 * must not happen or must give way (a foreign key to or from the parent, a table that
 * cannot attach, rows that reached the default partition since the plan, a lock that
 * never comes).
 */
import { describe, expect, it } from 'vitest';
import { apply, listPartitions, plan, type ApplyResult } from '../../src/index.js';
import { batchSize } from '../../src/runtime/create-together.js';
import { CREATE_TOGETHER_BUDGET_MS } from '../../src/runtime/step-limits.js';
import { useTestDatabase } from '../harness/db.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-06-01T12:00:00Z');

/** How many tables each create's transaction attached, from its method ("in one transaction with N other(s)"). */
const togetherCounts = (r: ApplyResult) => r.results.filter((x) => x.op.kind === 'create').map((x) => 1 + Number(/ in one transaction with (\d+) other/.exec(x.method ?? '')?.[1] ?? 0));
const statuses = (r: ApplyResult) => r.results.map((x) => `${x.op.partition.name}: ${x.status}${x.reason ? ` (${x.reason})` : ''}`);

async function attached(parent: string): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ${parent}::regclass order by 1`;
  return rows.map((r) => r.name);
}

describe('batch size', () => {
  it('starts at one, then fits the budget at the last time per step, within the bounds', () => {
    expect(batchSize(undefined, 50)).toBe(1);
    expect(batchSize(CREATE_TOGETHER_BUDGET_MS / 10, 50)).toBe(10);
    expect(batchSize(CREATE_TOGETHER_BUDGET_MS * 3, 50)).toBe(1);
    expect(batchSize(0, 7)).toBe(7);
  });
});

describe('beside a default partition', () => {
  it('makes the new partitions in place several per transaction holding the parent; rows that reached the default since the plan make their transaction give way to one step each, the rows moved', async () => {
    const t = eventsTable('at_dflt', { interval: '1 day', premake: 29 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops).toHaveLength(30);
    // after the plan, rows of the third new day reach the default partition
    await db.sql.unsafe(`insert into at_dflt (id, at) select g, timestamptz '2026-06-03 00:00Z' + g * interval '1 minute' from generate_series(1, 25) g`);
    const r = await apply(db.sql, p);
    expect(statuses(r)).toEqual(p.tables[0]!.ops.map((o) => `${o.partition.name}: done`));
    expect(Math.max(...togetherCounts(r))).toBeGreaterThan(1);
    expect(r.results.find((x) => x.op.partition.name === 'at_dflt_p20260603')).toMatchObject({ movedRows: 25, method: 'created, attached in one step holding the table, 25 row(s) moved out of at_dflt_default' });
    expect(r.results.filter((x) => x.method?.startsWith('created, attached in one step holding the table'))).toHaveLength(30);
    const [moved] = await db.sql<{ n: number }[]>`select count(*)::int as n from at_dflt_p20260603`;
    expect(moved!.n).toBe(25);
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from at_dflt_default`;
    expect(left!.n).toBe(0);
    expect(await attached('at_dflt')).toEqual(['at_dflt_default', ...p.tables[0]!.ops.map((o) => o.partition.name)].sort());
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });
});

describe('without a default partition', () => {
  it('attaches the new tables several per transaction: every partition there once, a rerun finds nothing to do', async () => {
    const t = eventsTable('at_many', { interval: '1 day', premake: 29 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops).toHaveLength(30);
    const r = await apply(db.sql, p);
    expect(statuses(r)).toEqual(p.tables[0]!.ops.map((o) => `${o.partition.name}: done`));
    const counts = togetherCounts(r);
    expect(counts[0]).toBe(1); // nothing measured yet: the first goes alone
    expect(Math.max(...counts)).toBeGreaterThan(1);
    expect(await attached('at_many')).toEqual(p.tables[0]!.ops.map((o) => o.partition.name).sort());
    // Attached like any partition: the parent's primary key reaches every one, and they are ours.
    const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'at_many_pkey'::regclass`;
    expect(idx!.n).toBe(30);
    expect((await listPartitions(db.sql, t)).partitions.every((x) => x.origin === 'maintenance')).toBe(true);
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });

  it('a table that cannot attach (a partition of another name took its range after the plan) fails alone, naming itself; the others of its transaction are attached one by one', async () => {
    const t = eventsTable('at_clash', { interval: '1 day', premake: 11 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    const ops = p.tables[0]!.ops;
    // the second new table: the first goes alone, the second opens the first transaction of several
    const clash = ops[1]!;
    await db.sql.unsafe(`create table at_clash_other partition of at_clash for values from ('2026-06-02T00:00:00Z') to ('2026-06-03T00:00:00Z')`);
    expect(clash.partition.name).toBe('at_clash_p20260602');
    const r = await apply(db.sql, p);
    const failed = r.results.filter((x) => x.status === 'failed');
    expect(failed.map((x) => [x.op.partition.name, x.code])).toEqual([['at_clash_p20260602', '42P17']]);
    expect(failed[0]!.reason).toMatch(/overlap/);
    expect(r.results.filter((x) => x.status === 'done')).toHaveLength(11);
    expect(await attached('at_clash')).toEqual([...ops.filter((o) => o !== clash).map((o) => o.partition.name), 'at_clash_other'].sort());
  });

  it('a parent with a foreign key to or from it attaches one table per transaction (ATTACH then holds the other table against writes)', async () => {
    for (const [name, fk] of [
      ['at_referenced', (n: string) => `create table ${n}_ref (id bigint, at timestamptz, foreign key (id, at) references ${n} (id, at))`],
      ['at_referencing', (n: string) => `create table ${n}_target (id bigint primary key); alter table ${n} add foreign key (id) references ${n}_target (id)`],
    ] as const) {
      const t = eventsTable(name, { interval: '1 day', premake: 9 }, { withDefault: false });
      await createOn(db.sql, t, EVENTS_COLUMNS);
      await db.sql.unsafe(fk(name));
      const r = await apply(db.sql, await plan(db.sql, [t], { now: NOW }));
      expect(statuses(r).filter((s) => !s.endsWith('done'))).toEqual([]);
      expect(r.results.map((x) => x.method)).toEqual(Array(10).fill('created, attached'));
    }
  });

  it('a lock on the parent that never comes fails every new table with LOCK_TIMEOUT; made but not attached, they are attached by the next run', async () => {
    const t = eventsTable('at_locked', { interval: '1 day', premake: 5 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    const holder = await db.sql.reserve();
    try {
      await holder.unsafe('begin');
      // what a manual VACUUM or ANALYZE of the parent, or another ATTACH, holds
      await holder.unsafe('lock table only at_locked in share update exclusive mode');
      const r = await apply(db.sql, p, { lockTimeoutMs: 50, attempts: 1, maxWaitShare: 1 });
      expect(r.results.map((x) => [x.status, x.code])).toEqual(Array(6).fill(['failed', 'LOCK_TIMEOUT']));
      expect(await attached('at_locked')).toEqual([]);
    } finally {
      await holder.unsafe('rollback');
      holder.release();
    }
    const again = await apply(db.sql, await plan(db.sql, [t], { now: NOW }));
    expect(statuses(again)).toEqual(p.tables[0]!.ops.map((o) => `${o.partition.name}: done`));
    expect(again.results.every((x) => x.method === 'resumed, attached')).toBe(true);
    expect(await attached('at_locked')).toHaveLength(6);
  });
});
