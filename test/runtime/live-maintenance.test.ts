/**
 * Maintenance the application cannot notice. A mixed live workload (./workload.ts:
 * INSERT, UPDATE by id, DELETE by id and upserts on connections of their own, each
 * keeping a ledger of what the server acknowledged, plus a reader counting a fixed
 * baseline through the parent) runs at READ COMMITTED on rows that maintenance moves
 * out of the default partition, while maintenance creates partitions (rows moved),
 * retires old ones, needs and gets a window, creates LIST partitions on demand, and
 * is killed with SIGKILL at random moments ten times, checked after each kill.
 * Everything the application did must come out exactly as acknowledged.
 */
import { bigint, primaryKey, text } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { apply, ensurePartitions, list, plan, pgPartitionedTable, type ApplyResult, type MaintenancePolicyInput } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { partitionNames } from '../support/catalog.js';
import { addDays, crashChildGone, runCrashChild, sleep } from '../support/concurrency.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';
import { createWorkload, queuedDuring, type Workload, type WorkloadReport } from '../support/workload.js';

const db = useTestDatabase();

const NOW = new Date('2026-03-27T12:00:00Z');
const DAY0 = Date.parse('2026-03-27T00:00:00Z');
const DAY_MS = 86_400_000;
const LOCK_TIMEOUT_MS = 200;
const KILLS = 10;

/** Every counter of the report that must be 0, by name. */
function failures(r: WorkloadReport): Record<string, number> {
  return { lost: r.lost, duplicated: r.duplicated, stale: r.stale, zeroRow: r.zeroRow, resurrected: r.resurrected, unexpected: r.unexpected, refused: r.refused, readerMisses: r.readerMisses, readerExtras: r.readerExtras };
}
const ZERO = { lost: 0, duplicated: 0, stale: 0, zeroRow: 0, resurrected: 0, unexpected: 0, refused: 0, readerMisses: 0, readerExtras: 0 };

async function count(sqlText: string): Promise<number> {
  const [r] = await db.sql.unsafe<{ n: number }[]>(sqlText);
  return r!.n;
}

/** Rows in tables maintenance made that are not attached: rows the application cannot see. */
const hiddenRows = async () => {
  const tables = await db.sql<{ t: string }[]>`select c.oid::regclass::text as t from pg_class c where c.relkind = 'r' and not c.relispartition and obj_description(c.oid, 'pg_class') like 'drizzle-partitions:managed%'`;
  let n = 0;
  for (const { t } of tables) n += await count(`select count(*)::int as n from ${t}`);
  return n;
};

const fences = () => count(`select count(*)::int as n from pg_constraint where conname = 'drizzle_partitions_fence'`);

function summary(label: string, r: WorkloadReport, writers: number, applyMs: number, waitedMs: number, extra: string): string {
  return (
    `[live] ${label}: ${r.statements} statements; lost ${r.lost}, duplicated ${r.duplicated}, stale ${r.stale}, 0-row ${r.zeroRow}, resurrected ${r.resurrected}, ` +
    `refused ${r.refused}, reader misses ${r.readerMisses}; writer max ${r.latency.max.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, p50 ${r.latency.p50.toFixed(2)} ms; ` +
    `${writers} writers queued ${waitedMs.toFixed(0)} ms in all during ${applyMs.toFixed(0)} ms of maintenance (${((100 * waitedMs) / Math.max(1, applyMs * writers)).toFixed(1)} % of each writer's time); ${extra}`
  );
}

const notFailed = (r: ApplyResult) => r.results.filter((x) => x.status === 'failed').map((x) => `${x.op.kind} ${x.op.partition.name}: ${x.reason}`);

describe('maintenance under a live mixed workload', () => {
  it(`RANGE beside a default partition: creates moving the workload's rows, retires, a window, ${KILLS} kill -9 — the application notices nothing`, async () => {
    const name = 'live_events';
    const policy: MaintenancePolicyInput = { interval: '1 day', premake: 6, retention: { keep: '3 days', action: 'detach' } };
    const t = eventsTable(name, policy);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    // Days -10 .. +6 exist; old rows nobody tracks in the days retention retires; a large
    // default partition (rows of 2030 that no partition will take) ATTACH must read.
    const first = await apply(db.sql, await plan(db.sql, [t], { now: NOW, backfill: 10 }));
    expect(notFailed(first)).toEqual([]);
    await db.sql.unsafe(`insert into ${name} (id, at, payload) select 900000000 + g, $1::timestamptz + g * interval '40 seconds', 'old' from generate_series(0, 19999) g`, [new Date(DAY0 - 10 * DAY_MS).toISOString()]);
    await db.sql.unsafe(`insert into ${name} (id, at, payload) select 950000000 + g, timestamptz '2030-01-01' + g * interval '1 second', 'far' from generate_series(0, 99999) g`);

    // The workload's rows all sit in days +7 .. +17: in the default partition until maintenance creates their day.
    const keyOf = (id: number) => new Date(DAY0 + 7 * DAY_MS + ((id * 7919) % (11 * 86_400)) * 1000).toISOString();
    const workload: Workload = createWorkload({
      url: db.url, table: { name }, keyColumn: 'at', keyType: 'timestamptz', keyOf,
      baseline: { from: 1, to: 3001 }, poolPerWriter: 3000, writers: { insert: 1, update: 2, delete: 1, upsert: 1 }, readers: 1, thinkMs: 1, maxMs: 120_000,
    });
    await workload.seed();
    await workload.start();

    const intervals: [number, number][] = [];
    let interrupted = 0;
    const afterKill: string[] = [];
    const windowed: [number, number][] = [];
    try {
      for (let k = 1; k <= KILLS; k++) {
        const now = addDays(NOW, k);
        // A maintainer in a process of its own, killed at a random moment of its apply().
        const child = runCrashChild(db.url, { table: name, policy, withDefault: true, now: now.toISOString(), lockTimeoutMs: LOCK_TIMEOUT_MS, allowDestructive: true, crash: 'none' }, 60_000);
        const began = await child.applying;
        const from = performance.now();
        if (began) {
          await sleep(Math.random() * 60);
          child.kill();
        }
        const run = await child.done;
        intervals.push([from, performance.now()]);
        if (run.signal === 'SIGKILL') interrupted++;
        else expect(run.code, run.stdout + run.stderr).toBe(0);
        await crashChildGone(db.sql);
        // Right after the kill: every row is visible through the parent, nothing waits in a hidden table, no fence.
        afterKill.push(`${k}:${run.signal ?? run.code}`);
        expect(await count(`select count(*)::int as n from ${name} where id >= 1 and id < 3001`)).toBe(3000);
        expect(await hiddenRows()).toBe(0);
        expect(await fences()).toBe(0);

        // The next run converges.
        const t0 = performance.now();
        const r = await apply(db.sql, await plan(db.sql, [t], { now }), { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS });
        intervals.push([t0, performance.now()]);
        expect(notFailed(r)).toEqual([]);
        const again = await plan(db.sql, [t], { now });
        expect(again.tables[0]!.ops).toEqual([]);
      }

      // Day +17 holds more of the workload's rows than a step may move (limit lowered to 100):
      // plan says it needs a window; apply leaves it; with window: true it is done, the
      // application waiting for the move.
      const now = addDays(NOW, KILLS + 1);
      const p = await plan(db.sql, [t], { now, maxMoveRows: 100 });
      const create = p.tables[0]!.ops.find((o) => o.kind === 'create')!;
      expect(create.kind === 'create' && create.needsWindow).toMatch(/more than 100 of its rows/);
      const t0 = performance.now();
      const skipped = await apply(db.sql, p, { lockTimeoutMs: LOCK_TIMEOUT_MS });
      expect(skipped.results.map((x) => [x.op.kind, x.status, x.code])).toEqual([
        ['create', 'skipped', 'NEEDS_WINDOW'],
        ['retire', 'skipped', undefined],
      ]);
      const done = await apply(db.sql, p, { lockTimeoutMs: LOCK_TIMEOUT_MS, window: true });
      windowed.push([t0, performance.now()]);
      expect(done.results.map((x) => [x.op.kind, x.status])).toEqual([
        ['create', 'done'],
        ['retire', 'skipped'],
      ]);
      expect(done.results[0]!.movedRows).toBeGreaterThan(100);
    } finally {
      await workload.stop();
    }

    const report = await workload.verify();
    const writes = report.samples.filter((s) => s.kind !== 'read');
    const applyMs = intervals.reduce((a, [f, to]) => a + (to - f), 0);
    const waited = queuedDuring(writes, intervals);
    const outsideWindow = writes.filter((s) => !windowed.some(([f, to]) => s.start >= f && s.start <= to));
    const max = Math.max(...outsideWindow.map((s) => s.ms));
    const leftInDefault = await count(`select count(*)::int as n from ${name}_default where at >= '${new Date(DAY0 + 7 * DAY_MS).toISOString()}' and at < '${new Date(DAY0 + 18 * DAY_MS).toISOString()}'`);
    console.log(summary('RANGE + default', report, workload.blocks.length, applyMs, waited, `writer max outside the window ${max.toFixed(1)} ms; kills that landed inside apply ${interrupted} of ${KILLS} (${afterKill.join(' ')}); rows left in the default for created days ${leftInDefault}`));

    expect(report.errors).toEqual([]);
    expect(failures(report)).toEqual(ZERO);
    expect(report.statements).toBeGreaterThan(1000);
    expect(leftInDefault).toBe(0);
    expect(await hiddenRows()).toBe(0);
    // Each statement waited at most one lock_timeout plus one step (generous: not a timing test, a bound on queueing).
    expect(max).toBeLessThan(LOCK_TIMEOUT_MS + 2000);
    // The days retention retired are gone from the parent (their rows were nobody's ledger), the rest are there.
    const parts = await partitionNames(db.sql, name);
    expect(parts).toContain(`${name}_p${new Date(DAY0 + 17 * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`);
    expect(parts).not.toContain(`${name}_p${new Date(DAY0 + 5 * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`);
  }, 240_000);

  it('RANGE without a default partition: creates ahead (several attached per transaction), retires by DETACH CONCURRENTLY then DROP (finished after kills) — the application notices nothing', async () => {
    const name = 'live_nodefault';
    const policy: MaintenancePolicyInput = { interval: '1 day', premake: 3, retention: { keep: '3 days', action: 'drop' } };
    const t = eventsTable(name, policy, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const first = await apply(db.sql, await plan(db.sql, [t], { now: NOW, backfill: 8 }));
    expect(notFailed(first)).toEqual([]);
    await db.sql.unsafe(`insert into ${name} (id, at, payload) select 900000000 + g, $1::timestamptz + g * interval '1 minute', 'old' from generate_series(0, 8 * 1440 - 1) g`, [new Date(DAY0 - 8 * DAY_MS).toISOString()]);
    // The workload's rows sit in days 0 .. 3, which exist and are never retired here.
    const keyOf = (id: number) => new Date(DAY0 + ((id * 7919) % (4 * 86_400)) * 1000).toISOString();
    const workload = createWorkload({
      url: db.url, table: { name }, keyColumn: 'at', keyType: 'timestamptz', keyOf,
      baseline: { from: 1, to: 2001 }, poolPerWriter: 2000, writers: { insert: 1, update: 1, delete: 1, upsert: 1 }, readers: 1, thinkMs: 1, maxMs: 120_000,
    });
    await workload.seed();
    await workload.start();
    const intervals: [number, number][] = [];
    const methods: string[] = [];
    // Each run from here makes 8 partitions more than the one before: without a default
    // partition, several are attached per transaction (create-together.ts; a budget no
    // step comes near, so that the first run surely groups them).
    const policyAt = (k: number): MaintenancePolicyInput => ({ ...policy, premake: policy.premake! + 8 * k });
    try {
      const t0 = performance.now();
      const wide = await apply(db.sql, await plan(db.sql, [eventsTable(name, policyAt(1), { withDefault: false })], { now: NOW }), { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS, createBatchMs: 60_000 });
      intervals.push([t0, performance.now()]);
      expect(notFailed(wide)).toEqual([]);
      expect(wide.results.filter((x) => x.op.kind === 'create')).toHaveLength(8);
      expect(wide.results.some((x) => x.method?.includes(' in one transaction with '))).toBe(true);
      methods.push(...wide.results.map((x) => `${x.op.kind}: ${x.method ?? x.reason}`));
      for (let k = 2; k <= 4; k++) {
        const now = addDays(NOW, k - 1);
        const child = runCrashChild(db.url, { table: name, policy: policyAt(k), withDefault: false, now: now.toISOString(), lockTimeoutMs: LOCK_TIMEOUT_MS, allowDestructive: true, crash: 'none' }, 60_000);
        const from = performance.now();
        if (await child.applying) {
          await sleep(Math.random() * 40);
          child.kill();
        }
        await child.done;
        intervals.push([from, performance.now()]);
        await crashChildGone(db.sql);
        expect(await count(`select count(*)::int as n from ${name} where id >= 1 and id < 2001`)).toBe(2000);
        const tk = eventsTable(name, policyAt(k), { withDefault: false });
        const t1 = performance.now();
        const r = await apply(db.sql, await plan(db.sql, [tk], { now }), { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS });
        intervals.push([t1, performance.now()]);
        expect(notFailed(r)).toEqual([]);
        methods.push(...r.results.map((x) => `${x.op.kind}: ${x.method ?? x.reason}`));
        expect((await plan(db.sql, [tk], { now })).tables[0]!.ops).toEqual([]);
        expect(await hiddenRows()).toBe(0);
      }
    } finally {
      await workload.stop();
    }
    const report = await workload.verify();
    const waited = queuedDuring(report.samples.filter((s) => s.kind !== 'read'), intervals);
    const applyMs = intervals.reduce((a, [f, to]) => a + (to - f), 0);
    console.log(summary('RANGE, no default', report, workload.blocks.length, applyMs, waited, `steps the converging runs did: ${methods.join('; ') || 'none left'}`));
    expect(report.errors).toEqual([]);
    expect(failures(report)).toEqual(ZERO);
    // the retired days are gone (dropped), the workload's days are all there
    const days = await partitionNames(db.sql, name);
    expect(days[0]).toBe(`${name}_p${new Date(DAY0).toISOString().slice(0, 10).replaceAll('-', '')}`);
    expect(await count(`select count(*)::int as n from pg_class where relname like '${name}_p2026031%'`)).toBe(0);
  }, 120_000);

  it('LIST on demand: each tenant gets its partition while its rows are written, updated, deleted and upserted — nothing lost, nothing refused', async () => {
    const name = 'live_tenants';
    const t = pgPartitionedTable(
      name,
      { id: bigint({ mode: 'number' }).notNull(), tenant: text().notNull(), payload: text() },
      (t) => [primaryKey({ columns: [t.id, t.tenant] })],
      (t) => list(t.tenant, { partitions: [{ values: ['t0'] }] }),
    );
    await createOn(db.sql, t, `"id" bigint NOT NULL, "tenant" text NOT NULL, "payload" text, PRIMARY KEY ("id", "tenant")`);
    // An unrelated table already has the name tenant t5's partition would get.
    await db.sql.unsafe(`create table ${name}_t5 (note text)`);
    const workload = createWorkload({
      url: db.url, table: { name }, keyColumn: 'tenant', keyType: 'text', keyOf: (id) => `t${id % 12}`,
      baseline: { from: 1, to: 2001 }, poolPerWriter: 2000, writers: { insert: 1, update: 1, delete: 1, upsert: 1 }, readers: 1, thinkMs: 1, maxMs: 120_000,
    });
    await workload.seed();
    await workload.start();
    const intervals: [number, number][] = [];
    const results: ApplyResult['results'] = [];
    try {
      for (let v = 1; v < 12; v++) {
        const t0 = performance.now();
        const r = await ensurePartitions(db.sql, t, [`t${v}`], { lockTimeoutMs: LOCK_TIMEOUT_MS });
        intervals.push([t0, performance.now()]);
        results.push(...r.results);
        await sleep(100);
      }
    } finally {
      await workload.stop();
    }
    const report = await workload.verify();
    const waited = queuedDuring(report.samples.filter((s) => s.kind !== 'read'), intervals);
    const applyMs = intervals.reduce((a, [f, to]) => a + (to - f), 0);
    const leftInDefault = await count(`select count(*)::int as n from ${name}_default`);
    console.log(summary('LIST on demand', report, workload.blocks.length, applyMs, waited, `moved ${results.map((r) => r.movedRows).join(', ')} row(s); left in the default ${leftInDefault}`));

    expect(results.map((r) => r.status)).toEqual(Array(11).fill('done'));
    for (const r of results) expect(r.movedRows).toBeGreaterThan(0);
    expect(results[4]!.op.partition.name).toMatch(/^live_tenants_t5_[0-9a-f]{8}$/); // t5's own name was taken
    expect(report.errors).toEqual([]);
    expect(failures(report)).toEqual(ZERO);
    expect(leftInDefault).toBe(0);
    expect(await hiddenRows()).toBe(0);
  }, 120_000);
});
