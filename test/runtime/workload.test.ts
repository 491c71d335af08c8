/**
 * Self-test of the live workload (./workload.ts) with no maintenance running:
 * on its own every counter comes out 0; rows changed, hidden or refused behind
 * its back are reported, so the checker can fail.
 */
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/sql/quote.js';
import { useTestDatabase } from '../harness/db.js';
import { sleep, waitUntil } from '../support/concurrency.js';
import { createWorkload, WORKLOAD_APPLICATION_NAME, type WorkloadOptions, type WorkloadReport } from '../support/workload.js';

const db = useTestDatabase();

const DAY0 = Date.parse('2026-03-01T00:00:00Z');
const MINUTES = 5 * 1440;
/** Spreads consecutive ids over 5 days (7919 is prime to 7200): days 1-4 have a partition each, day 5 lands in the default. */
const keyOf = (id: number) => new Date(DAY0 + ((id * 7919) % MINUTES) * 60_000).toISOString();

/** `name (id, at, payload)` partitioned by range (at): four daily partitions and a default. */
async function createEvents(name: string): Promise<void> {
  const q = quoteIdent(name);
  await db.sql.unsafe(`CREATE TABLE ${q} (id bigint NOT NULL, at timestamptz NOT NULL, payload text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`);
  for (let d = 0; d < 4; d++) {
    const from = new Date(DAY0 + d * 86_400_000).toISOString();
    const to = new Date(DAY0 + (d + 1) * 86_400_000).toISOString();
    await db.sql.unsafe(`CREATE TABLE ${quoteIdent(`${name}_d${d}`)} PARTITION OF ${q} FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
  await db.sql.unsafe(`CREATE TABLE ${quoteIdent(`${name}_default`)} PARTITION OF ${q} DEFAULT`);
}

/** The one row a query returns. */
function first<T>(rows: readonly T[]): T {
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const options = (name: string, more: Partial<WorkloadOptions> = {}): WorkloadOptions => ({
  url: db.url,
  table: { name },
  keyColumn: 'at',
  keyType: 'timestamptz',
  keyOf,
  baseline: { from: 0, to: 2000 },
  poolPerWriter: 200,
  maxMs: 10_000,
  ...more,
});

/** The counters that must all be 0 when nothing interferes. */
const counters = (r: WorkloadReport) => ({
  lost: r.lost,
  duplicated: r.duplicated,
  stale: r.stale,
  zeroRow: r.zeroRow,
  resurrected: r.resurrected,
  unexpected: r.unexpected,
  refused: r.refused,
  uncertain: r.uncertain,
  readerMisses: r.readerMisses,
  readerExtras: r.readerExtras,
});
const ZERO = { lost: 0, duplicated: 0, stale: 0, zeroRow: 0, resurrected: 0, unexpected: 0, refused: 0, uncertain: 0, readerMisses: 0, readerExtras: 0 };

describe('the live workload', () => {
  it('runs every kind of statement and comes out clean when nothing interferes', async () => {
    await createEvents('events');
    const w = createWorkload(options('events'));
    await w.seed();
    await w.start();
    try {
      const { n } = first(await db.sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = ${WORKLOAD_APPLICATION_NAME}`);
      expect(n).toBe(5); // 4 writers + 1 reader
      await sleep(1500);
    } finally {
      await w.stop();
    }
    const r = await w.verify();
    expect(counters(r)).toEqual(ZERO);
    expect(r.errors).toEqual([]);
    expect(r.statements).toBeGreaterThan(100);
    expect(new Set(r.samples.map((s) => s.kind))).toEqual(new Set(['insert', 'update', 'delete', 'upsert', 'read']));
    expect(r.latency.n).toBe(r.samples.filter((s) => s.kind !== 'read').length);
    expect(r.latency.max).toBeGreaterThanOrEqual(r.latency.p99);
    expect(r.totalWaitMs).toBeGreaterThanOrEqual(0);
    expect(w.ledger.deleted.size).toBeGreaterThan(0);
    // Every row went through the parent to the partition of its key.
    const { misplaced } = first(await db.sql<{ misplaced: number }[]>`select count(*)::int as misplaced from events where (tableoid = 'events_default'::regclass) <> (at >= ${new Date(DAY0 + 4 * 86_400_000).toISOString()}::timestamptz)`);
    expect(misplaced).toBe(0);
  });

  it('reports rows deleted, changed and added behind its back', async () => {
    await createEvents('tampered');
    const w = createWorkload(options('tampered', { poolPerWriter: 5 })); // the updater hits each of its 5 rows often
    await w.seed();
    const [inserter, updater, , upserter] = w.blocks;
    await w.start(); // the inserter's first row is acknowledged by now
    try {
      await db.sql`delete from tampered where id = any(${[5, inserter!.from, updater!.from]}::int8[])`;
      await waitUntil('a reader miss and a 0-row update', () => w.live.readerMisses > 0 && w.live.zeroRow > 0);
    } finally {
      await w.stop();
    }
    const deletedId = [...w.ledger.deleted][0]!;
    await db.sql`insert into tampered (id, at, payload) values (${deletedId}, ${keyOf(deletedId)}::timestamptz, 'back')`; // resurrected
    await db.sql`update tampered set payload = 'tampered' where id = ${upserter!.from}`; // stale
    await db.sql`insert into tampered (id, at, payload) values (7, ${keyOf(7)}::timestamptz + interval '1 second', 'twin')`; // duplicated
    await db.sql`insert into tampered (id, at, payload) values (${inserter!.to - 1}, ${keyOf(inserter!.to - 1)}::timestamptz, 'stray')`; // unexpected
    const r = await w.verify();
    expect(r.zeroRow).toBeGreaterThan(0); // the updater's UPDATE of its deleted row
    expect(r.readerMisses).toBeGreaterThan(0); // baseline row 5
    expect({ ...counters(r), zeroRow: 0, readerMisses: 0 }).toEqual({ ...ZERO, lost: 3, stale: 1, duplicated: 1, resurrected: 1, unexpected: 1 });
  });

  it('reports the rows of a partition detached under it as missing', async () => {
    await createEvents('hidden');
    const w = createWorkload(options('hidden', { poolPerWriter: 5 }));
    await w.seed();
    const updater = w.blocks[1]!;
    // A daily partition (not the default) holding one of the updater's rows.
    const { p } = first(await db.sql<{ p: string }[]>`
      select (select c.relname from pg_class c where c.oid = h.tableoid) as p from hidden h
      where h.id >= ${updater.from} and h.id < ${updater.poolTo} and h.tableoid <> 'hidden_default'::regclass limit 1`);
    await w.start();
    try {
      await db.sql.unsafe(`ALTER TABLE hidden DETACH PARTITION ${quoteIdent(p)}`);
      await waitUntil('a reader miss and a 0-row update', () => w.live.readerMisses > 0 && w.live.zeroRow > 0);
    } finally {
      await w.stop();
    }
    const r = await w.verify();
    // Every row left behind in the detached table and not written again through the parent since.
    const { hidden } = first(await db.sql.unsafe<{ hidden: number }[]>(`select count(*)::int as hidden from ${quoteIdent(p)} d where not exists (select 1 from hidden h where h.id = d.id)`));
    expect(hidden).toBeGreaterThan(300); // about a fifth of the 2000 baseline rows, at least
    expect(r.readerMisses).toBeGreaterThan(0);
    expect(r.zeroRow).toBeGreaterThan(0);
    expect({ ...counters(r), zeroRow: 0, readerMisses: 0 }).toEqual({ ...ZERO, lost: hidden });
  });

  it('counts refused statements and leaves their rows out of the checks', async () => {
    await createEvents('refusing');
    const w = createWorkload(options('refusing', { poolPerWriter: 5 }));
    await w.seed();
    await db.sql`alter table refusing add constraint no_updates check (payload is null or payload not like 'u%')`; // every UPDATE fails
    await w.start();
    try {
      await sleep(200);
    } finally {
      await w.stop();
    }
    const r = await w.verify();
    expect(r.refused).toBe(r.samples.filter((s) => s.kind === 'update').length);
    expect(r.refused).toBeGreaterThan(0);
    expect(r.errors[0]).toMatch(/^update id \d+: 23514 /);
    expect(r.uncertain).toBe(5); // the updater's whole pool
    expect({ ...counters(r), refused: 0, uncertain: 0 }).toEqual(ZERO);
  });
});
