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
import { withExecutor } from '../../src/runtime/executor.js';
import { LockTimeoutError } from '../../src/runtime/lock.js';
import type { CreateOp } from '../../src/runtime/plan.js';
import { batchSize, stepTogether } from '../../src/runtime/create-together.js';
import { CREATE_TOGETHER_BUDGET_MS } from '../../src/runtime/step-limits.js';
import { useTestDatabase } from '../harness/db.js';
import { partitionNames } from '../support/catalog.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-06-01T12:00:00Z');

/** How many tables each create's transaction attached, from its method ("in one transaction with N other(s)"). */
const togetherCounts = (r: ApplyResult) => r.results.filter((x) => x.op.kind === 'create').map((x) => 1 + Number(/ in one transaction with (\d+) other/.exec(x.method ?? '')?.[1] ?? 0));
const statuses = (r: ApplyResult) => r.results.map((x) => `${x.op.partition.name}: ${x.status}${x.reason ? ` (${x.reason})` : ''}`);

const attached = (parent: string) => partitionNames(db.sql, parent);

describe('one transaction for several', () => {
  it('waits for a lock on the parent at most lock_timeout, then fails whole: none attached', async () => {
    const t = eventsTable('at_whole', { interval: '1 day', premake: 3 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const ops = (await plan(db.sql, [t], { now: NOW })).tables[0]!.ops as CreateOp[];
    for (const op of ops) await db.sql.unsafe(`create table ${op.partition.name} (like at_whole)`);
    const holder = await db.sql.reserve();
    try {
      await holder.unsafe('begin');
      await holder.unsafe('lock table only at_whole in share update exclusive mode');
      const err = await withExecutor(db.sql, (ex) => stepTogether(ex, ops, { lockTimeoutMs: 50, attempts: 2, backoffMs: 1, maxWaitShare: 1 }, NOW, false)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).attempts).toBe(2);
      expect(await attached('at_whole')).toEqual([]);
    } finally {
      await holder.unsafe('rollback');
      holder.release();
    }
    await withExecutor(db.sql, (ex) => stepTogether(ex, ops, {}, NOW, false));
    expect(await attached('at_whole')).toEqual(ops.map((o) => o.partition.name).sort());
  });

  it('createBatchMs: 0 makes each partition in a transaction of its own; a bad value is refused naming the option', async () => {
    const t = eventsTable('at_zero', { interval: '1 day', premake: 4 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    await expect(apply(db.sql, p, { createBatchMs: -1 })).rejects.toMatchObject({ code: 'OPTION_INVALID', message: expect.stringContaining('createBatchMs') });
    expect(await attached('at_zero')).toEqual([]);
    const r = await apply(db.sql, p, { createBatchMs: 0 });
    expect(r.results.map((x) => x.method)).toEqual(Array(5).fill('created, attached'));
  });
});

describe('batch size', () => {
  it('starts at one, then fits the budget at the last time per step, within the bounds', () => {
    expect(batchSize(undefined, 50)).toBe(1);
    expect(batchSize(CREATE_TOGETHER_BUDGET_MS / 10, 50)).toBe(10);
    expect(batchSize(CREATE_TOGETHER_BUDGET_MS * 3, 50)).toBe(1);
    expect(batchSize(0, 7)).toBe(7);
  });
});

describe('beside a default partition', () => {
  it('makes the new partitions in place several per transaction holding the parent, each marked as ours; a rerun finds nothing to do', async () => {
    const t = eventsTable('at_dflt', { interval: '1 day', premake: 29 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops).toHaveLength(30);
    // a budget no step comes near: after the first step alone (nothing measured yet), the rest together
    const r = await apply(db.sql, p, { createBatchMs: 60_000 });
    expect(statuses(r)).toEqual(p.tables[0]!.ops.map((o) => `${o.partition.name}: done`));
    expect(r.results.map((x) => x.method)).toEqual(['created, attached in one step holding the table', ...Array(29).fill('created, attached in one step holding the table in one transaction with 28 other(s)')]);
    expect(await attached('at_dflt')).toEqual(['at_dflt_default', ...p.tables[0]!.ops.map((o) => o.partition.name)].sort());
    expect((await listPartitions(db.sql, t)).partitions.filter((x) => x.name !== 'at_dflt_default').every((x) => x.origin === 'maintenance')).toBe(true);
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });
});

describe('without a default partition', () => {
  it('attaches the new tables several per transaction: every partition there once, a rerun finds nothing to do', async () => {
    const t = eventsTable('at_many', { interval: '1 day', premake: 29 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops).toHaveLength(30);
    const r = await apply(db.sql, p, { createBatchMs: 60_000 });
    expect(statuses(r)).toEqual(p.tables[0]!.ops.map((o) => `${o.partition.name}: done`));
    // nothing measured yet: the first goes alone; then the rest together
    expect(togetherCounts(r)).toEqual([1, ...Array(29).fill(29)]);
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
    const r = await apply(db.sql, p, { createBatchMs: 60_000 });
    const failed = r.results.filter((x) => x.status === 'failed');
    expect(failed.map((x) => [x.op.partition.name, x.code])).toEqual([['at_clash_p20260602', '42P17']]);
    expect(failed[0]!.reason).toMatch(/overlap/);
    expect(r.results.filter((x) => x.status === 'done')).toHaveLength(11);
    // the first alone, then the other eleven in one transaction that gave way: each alone
    expect(r.results.map((x) => x.method ?? x.code)).toEqual(['created, attached', '42P17', ...Array(10).fill('created, attached')]);
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

  it('a lock on the parent that never comes: each new table fails with LOCK_TIMEOUT; made but not attached, they are attached by the next run', async () => {
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
