/**
 * Tablespaces and manual partition operations on a real server. Tablespaces are made
 * by the test "in place" (allow_in_place_tablespaces: a directory the server makes
 * under its own pg_tblspc), so the test runs the same on a local, an embedded or a
 * remote server. Checked in the catalog (pg_class.reltablespace of tables and
 * indexes). Each manual operation runs under a live mixed workload (inserts,
 * updates, deletes, upserts with ledgers, and a reader): no failed write, no lost
 * or stale row, and no writer waits longer than lock_timeout + 50 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigint, primaryKey, text } from 'drizzle-orm/pg-core';
import { apply, attachPartition, list, pgPartitionedTable, createPartition, detachPartition, movePartition, partitionTablespaces, plan } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';
import { createInPlaceTablespaces, dropTablespaces } from '../support/tablespaces.js';
import { createWorkload, type WorkloadReport } from '../support/workload.js';

const db = useTestDatabase();
const NOW = new Date('2026-03-10T12:00:00Z');
const DAY0 = Date.parse('2026-03-10T00:00:00Z');
const DAY_MS = 86_400_000;
const LOCK_TIMEOUT_MS = 200;
const suffix = `${process.pid}_${Date.now() % 100000}`;
const HOT = `tsm_hot_${suffix}`;
const COLD = `tsm_cold_${suffix}`;
const ZERO = { lost: 0, duplicated: 0, stale: 0, zeroRow: 0, resurrected: 0, unexpected: 0, refused: 0, readerMisses: 0, readerExtras: 0 };
const failures = (r: WorkloadReport) => ({ lost: r.lost, duplicated: r.duplicated, stale: r.stale, zeroRow: r.zeroRow, resurrected: r.resurrected, unexpected: r.unexpected, refused: r.refused, readerMisses: r.readerMisses, readerExtras: r.readerExtras });

/** Tablespace of each relation named (null: the database's default). */
async function placeOf(names: string[]): Promise<Record<string, string | null>> {
  const rows = await db.sql<{ n: string; ts: string | null }[]>`select c.relname as n, t.spcname as ts from pg_class c left join pg_tablespace t on t.oid = c.reltablespace where c.relname = any(${names})`;
  return Object.fromEntries(rows.map((r) => [r.n, r.ts]));
}

async function indexesOf(table: string): Promise<string[]> {
  const rows = await db.sql<{ n: string }[]>`select i.indexrelid::regclass::text as n from pg_index i join pg_class c on c.oid = i.indrelid where c.relname = ${table} order by 1`;
  return rows.map((r) => r.n.replace(/^.*\./, ''));
}

const day = (n: number) => new Date(DAY0 + n * DAY_MS).toISOString().slice(0, 10);

beforeAll(async () => {
  await createInPlaceTablespaces(db.sql, [HOT, COLD]);
});

afterAll(async () => {
  for (const t of ['tsm_events', 'tsm_man', 'tsm_import', 'tsm_ref', 'tsm_outside', 'tsm_lone', 'tsm_decl']) await db.sql.unsafe(`drop table if exists "${t}" cascade`);
  await db.sql.unsafe('drop schema if exists tsm_archive cascade');
  await dropTablespaces(db.sql, [HOT, COLD]);
});

describe('tablespaces', () => {
  it('new partitions and their indexes go to the policy tablespace; a move takes every index along, under a live workload', async () => {
    const t = eventsTable('tsm_events', { interval: '1 day', premake: 2, tablespace: HOT }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const first = await apply(db.sql, await plan(db.sql, [t], { now: NOW, backfill: 1 }));
    expect(first.results.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done']);
    const p0 = `tsm_events_p${day(0).replaceAll('-', '')}`;
    const idx = await indexesOf(p0);
    expect(idx.length).toBeGreaterThan(0);
    expect(Object.values(await placeOf([p0, ...idx]))).toEqual(Array(idx.length + 1).fill(HOT));

    const workload = createWorkload({
      url: db.url, table: { name: 'tsm_events' }, keyColumn: 'at', keyType: 'timestamptz',
      keyOf: (id) => new Date(DAY0 + ((id * 7919) % 86_400) * 1000).toISOString(),
      baseline: { from: 1, to: 301 }, poolPerWriter: 300, thinkMs: 1, maxMs: 30_000,
    });
    await workload.seed();
    await workload.start();
    const moved = await movePartition(db.sql, t, { partition: p0, tablespace: COLD }, { lockTimeoutMs: LOCK_TIMEOUT_MS });
    await workload.stop();
    const report = await workload.verify();
    console.log(`[tablespaces] move ${p0}: ${moved.method}, ${moved.ms} ms; ${report.statements} statements, writer max ${report.latency.max.toFixed(1)} ms`);
    expect(moved).toMatchObject({ status: 'done', operation: 'move' });
    expect(failures(report)).toEqual(ZERO);
    expect(report.latency.max).toBeLessThanOrEqual(LOCK_TIMEOUT_MS + 50);
    expect(Object.values(await placeOf([p0, ...idx]))).toEqual(Array(idx.length + 1).fill(COLD));

    const places = await partitionTablespaces(db.sql, t);
    const mine = places.find((p) => p.name === p0)!;
    expect(mine.tablespace).toBe(COLD);
    expect(mine.indexes.map((i) => i.tablespace)).toEqual(idx.map(() => COLD));
    expect(places.filter((p) => p.name !== p0).every((p) => p.tablespace === HOT && p.indexes.every((i) => i.tablespace === HOT))).toBe(true);
  });

  it('a sub-partitioned partition moves with its sub-partitions and all their indexes', async () => {
    await db.sql.unsafe(`create table tsm_lone (id bigint not null, at timestamptz not null, k int not null, primary key (id, at, k)) partition by range (at)`);
    await db.sql.unsafe(`create table tsm_lone_a partition of tsm_lone for values from ('2026-01-01') to ('2026-02-01') partition by hash (k)`);
    await db.sql.unsafe(`create table tsm_lone_a0 partition of tsm_lone_a for values with (modulus 2, remainder 0)`);
    await db.sql.unsafe(`create table tsm_lone_a1 partition of tsm_lone_a for values with (modulus 2, remainder 1)`);
    await db.sql.unsafe(`create index on tsm_lone (k)`);
    // one leaf already there (a move that stopped halfway): skipped, the rest moved
    await db.sql.unsafe(`alter table tsm_lone_a0 set tablespace "${COLD}"`);
    const r = await movePartition(db.sql, { name: 'tsm_lone' }, { partition: 'tsm_lone_a', tablespace: COLD });
    expect(r.status).toBe('done');
    // tsm_lone_a1 and tsm_lone_a; the four leaf indexes and tsm_lone_a's two partitioned ones
    expect(r.method).toBe(`moved to tablespace ${COLD}: 2 table(s), 6 index(es) rewritten`);
    const leaves = ['tsm_lone_a0', 'tsm_lone_a1'];
    const idx = [...(await indexesOf('tsm_lone_a0')), ...(await indexesOf('tsm_lone_a1'))];
    expect(idx.length).toBe(4);
    expect(Object.values(await placeOf([...leaves, ...idx]))).toEqual(Array(6).fill(COLD));
    // the sub-partitioned partition records it too: sub-partitions made later go there
    expect((await placeOf(['tsm_lone_a'])).tsm_lone_a).toBe(COLD);
  });
});

describe('manual partition operations', () => {
  it('create, attach, move (tablespace, schema) and detach under a live workload: no failed write, waits within lock_timeout + 50 ms', async () => {
    const t = eventsTable('tsm_man', { interval: '1 day', premake: 0 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    for (const n of [0, 1]) expect((await createPartition(db.sql, t, { bound: { from: day(n), to: day(n + 1) } })).status).toBe('done');
    // a table filled outside the partitioned table, to attach for day 2
    await db.sql.unsafe(`create table tsm_import (like tsm_man including all)`);
    await db.sql.unsafe(`insert into tsm_import select 5000000 + g, timestamptz '${day(2)}' + g * interval '1 minute', 'imported' from generate_series(0, 999) g`);

    const workload = createWorkload({
      url: db.url, table: { name: 'tsm_man' }, keyColumn: 'at', keyType: 'timestamptz',
      keyOf: (id) => new Date(DAY0 + ((id * 7919) % (2 * 86_400)) * 1000).toISOString(),
      baseline: { from: 1, to: 301 }, poolPerWriter: 300, thinkMs: 1, maxMs: 30_000,
    });
    await workload.seed();
    await workload.start();
    const opts = { lockTimeoutMs: LOCK_TIMEOUT_MS };
    const results = [
      await createPartition(db.sql, t, { bound: { from: day(3), to: day(4) }, tablespace: HOT }, opts),
      await attachPartition(db.sql, t, { partition: 'tsm_import', bound: { from: day(2), to: day(3) } }, opts),
      await movePartition(db.sql, t, { partition: `tsm_man_p${day(0).replaceAll('-', '')}`, tablespace: COLD }, opts),
      await movePartition(db.sql, t, { partition: `tsm_man_p${day(1).replaceAll('-', '')}`, schema: 'tsm_archive' }, opts),
      await detachPartition(db.sql, t, { partition: 'tsm_import' }, opts),
    ];
    await workload.stop();
    const report = await workload.verify();
    for (const r of results) console.log(`[manual] ${r.operation} ${r.partition.name}: ${r.status} ${r.method ?? r.reason} (${r.ms} ms)`);
    console.log(`[manual] ${report.statements} statements, writer max ${report.latency.max.toFixed(1)} ms, p99 ${report.latency.p99.toFixed(1)} ms`);
    expect(results.map((r) => [r.operation, r.status, r.reason])).toEqual([
      ['create', 'done', undefined], ['attach', 'done', undefined], ['move', 'done', undefined], ['move', 'done', undefined], ['detach', 'done', undefined],
    ]);
    expect(failures(report)).toEqual(ZERO);
    expect(report.latency.max).toBeLessThanOrEqual(LOCK_TIMEOUT_MS + 50);

    const parts = await db.sql<{ n: string; ts: string | null }[]>`select c.oid::regclass::text as n, t.spcname as ts from pg_inherits i join pg_class c on c.oid = i.inhrelid left join pg_tablespace t on t.oid = c.reltablespace where i.inhparent = 'tsm_man'::regclass order by 1`;
    expect(parts.map((p) => [p.n, p.ts])).toEqual([
      [`tsm_archive.tsm_man_p${day(1).replaceAll('-', '')}`, null],
      [`tsm_man_p${day(0).replaceAll('-', '')}`, COLD],
      [`tsm_man_p${day(3).replaceAll('-', '')}`, HOT],
    ]);
    expect(Object.values(await placeOf(await indexesOf(`tsm_man_p${day(3).replaceAll('-', '')}`)))).toEqual([HOT]);
    // the attached table kept its rows and lost the CHECK it was attached with (DETACH CONCURRENTLY adds one of its own); detached, it is a table again
    const [imp] = await db.sql<{ n: number; checks: number; part: boolean }[]>`select (select count(*)::int from tsm_import) as n, (select count(*)::int from pg_constraint where conrelid = 'tsm_import'::regclass and conname = 'drizzle_partitions_bound') as checks, (select relispartition from pg_class where oid = 'tsm_import'::regclass) as part`;
    expect(imp).toEqual({ n: 1000, checks: 0, part: false });
  });

  it('refuses the default partition, tables not partitions of the table, bad bounds and missing tablespaces, with a code and nothing done', async () => {
    const t = eventsTable('tsm_ref', { interval: '1 day', premake: 0 }, { withDefault: true });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql.unsafe(`insert into tsm_ref values (1, '${day(0)}T01:00:00Z', 'a'), (2, '${day(5)}T01:00:00Z', 'b')`);
    await db.sql.unsafe(`create table tsm_outside (like tsm_ref including all)`);
    await db.sql.unsafe(`insert into tsm_outside values (3, '${day(9)}T00:00:00Z', 'far')`);

    const refusals = [
      await detachPartition(db.sql, t, { partition: 'tsm_ref_default' }),
      await movePartition(db.sql, t, { partition: 'tsm_ref_default', tablespace: COLD }),
      await detachPartition(db.sql, t, { partition: 'tsm_outside' }),
      await movePartition(db.sql, t, { partition: 'tsm_events_p20260310', schema: 'tsm_archive' }),
      await createPartition(db.sql, t, { bound: { values: ['x'] } }),
      await createPartition(db.sql, t, { bound: { from: 'not a time', to: day(1) } }),
      await createPartition(db.sql, t, { bound: { from: day(0), to: day(1) }, tablespace: 'tsm_no_such_tablespace' }),
      await attachPartition(db.sql, t, { partition: 'tsm_outside', bound: { from: day(0), to: day(1) } }),
      await attachPartition(db.sql, t, { partition: 'tsm_ref_default', bound: { from: day(0), to: day(1) } }),
    ];
    expect(refusals.map((r) => [r.status, r.code])).toEqual([
      ['refused', 'PARTITION_IS_DEFAULT'],
      ['refused', 'PARTITION_IS_DEFAULT'],
      ['refused', 'NOT_A_PARTITION'],
      ['refused', 'NOT_A_PARTITION'],
      ['refused', 'BOUND_INVALID'],
      ['refused', 'BOUND_INVALID'],
      ['refused', 'TABLESPACE_NOT_FOUND'],
      ['refused', 'ROWS_OUTSIDE_BOUND'],
      ['refused', 'ALREADY_A_PARTITION'],
    ]);
    for (const r of refusals) expect(r.reason).toMatch(/tsm_|tablespace|bound|time/);
    // nothing done: the default partition in place, no CHECK left on tsm_outside, no new partition
    const [state] = await db.sql<{ parts: number; checks: number; dflt: string | null }[]>`select (select count(*)::int from pg_inherits where inhparent = 'tsm_ref'::regclass) as parts, (select count(*)::int from pg_constraint where conrelid = 'tsm_outside'::regclass and contype = 'c') as checks, (select t.spcname from pg_class c left join pg_tablespace t on t.oid = c.reltablespace where c.relname = 'tsm_ref_default') as dflt`;
    expect(state).toEqual({ parts: 1, checks: 0, dflt: null });
    // a partition the schema declares belongs to the migrations: no detach, no schema move by hand
    const decl = pgPartitionedTable('tsm_decl', { id: bigint({ mode: 'number' }).notNull(), region: text().notNull() }, (t) => [primaryKey({ columns: [t.id, t.region] })], (t) => list(t.region, { partitions: [{ values: ['eu'] }] }));
    await createOn(db.sql, decl, `"id" bigint NOT NULL, "region" text NOT NULL, PRIMARY KEY ("id", "region")`);
    const [eu] = await db.sql<{ n: string }[]>`select inhrelid::regclass::text as n from pg_inherits where inhparent = 'tsm_decl'::regclass`;
    const declared = [await detachPartition(db.sql, decl, { partition: eu!.n }), await movePartition(db.sql, decl, { partition: eu!.n, schema: 'tsm_archive' })];
    expect(declared.map((r) => [r.status, r.code])).toEqual([['refused', 'PARTITION_DECLARED'], ['refused', 'PARTITION_DECLARED']]);
    // beside the default partition, a created partition takes its rows out of it
    const made = await createPartition(db.sql, t, { bound: { from: day(0), to: day(1) } });
    expect(made).toMatchObject({ status: 'done', movedRows: 1 });
  });
});
