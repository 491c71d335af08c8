/**
 * Scenario 8 — online conversion: copy throughput. A plain `events` table of M rows
 * (scenario 4's size, --move-rows) is converted: convertTable() makes the partitioned
 * copy (daily partitions over the data's range) with its change-capture trigger and
 * copies the rows in primary-key batches (convertTable's default of 10,000 rows a
 * transaction, no row locked, the position recorded each time); then, in the same
 * run, the copy is emptied and filled again by one plain `INSERT INTO copy SELECT *
 * FROM events` (the floor: same target, partitions and indexes). Rows per second,
 * ours ÷ the plain statement; the goal is at least 0.5× (issue 13). Verification and
 * the swap are timed too.
 */
import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { convertTable, pgPartitionedTable, range } from '../../src/index.js';
import { checkpoint, client, fmt, mdTable, ratio, timed, withScratch, type Ctx, type Section } from '../lib.js';

/** Rows copied per second, ours ÷ one INSERT ... SELECT: at least this (issue 13). */
const RATE_GOAL = 0.5;
/** Rows per batch, as convertTable's default. */
const BATCH_ROWS = 10_000;

export async function convertCopy(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const rows = ctx.sizes.moveRows;
  const now = new Date();
  const events = pgPartitionedTable(
    'events',
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: true, maintenance: { interval: '1 day', premake: 2 } }),
  );
  const r = await withScratch(ctx.opts.url, async (db) => {
    const sql = client(db.url, 2);
    try {
      ctx.log(`  setting up a plain table of ${rows} rows`);
      await sql.unsafe(`create table events (id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
      await sql.unsafe(`insert into events select g, now() - ((g::bigint * 7919) % 2592000) * interval '1 second', md5(g::text) from generate_series(1, ${rows}) g`);
      await sql.unsafe('vacuum analyze events');
      await checkpoint(sql);
      await sql.unsafe('select count(*) from events'); // warm
      ctx.log('  convertTable() up to the end of the copy');
      const copy = await timed(() => convertTable(sql, events, { now, batchRows: BATCH_ROWS, stopAfter: 'copied' }));
      const verify = await timed(() => convertTable(sql, events, { now, stopAfter: 'verified' }));
      ctx.log('  the floor: TRUNCATE the copy, one INSERT ... SELECT');
      await sql.unsafe('truncate events_dp_new');
      await checkpoint(sql);
      const raw = await timed(() => sql.unsafe('insert into events_dp_new select * from events'));
      const swap = await timed(() => convertTable(sql, events, { now }));
      const [parts] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from pg_inherits where inhparent = 'events'::regclass`);
      return { copyMs: copy.ms, verifyMs: verify.ms, rawMs: raw.ms, swapMs: swap.ms, partitions: parts!.n, phase: swap.value.phase };
    } finally {
      await sql.end();
    }
  });
  const rps = (ms: number) => (rows / ms) * 1000;
  const rate = rps(r.copyMs) / rps(r.rawMs);
  return {
    title: `8. Online conversion: copying ${rows.toLocaleString('en-US')} rows of a plain table into its partitioned copy`,
    intro: [
      `A plain \`events\` table of ${rows.toLocaleString('en-US')} rows over 30 days. convertTable() makes the partitioned copy (${r.partitions} partitions: the data's days, premake, a default) ` +
        `with its change-capture trigger and copies the rows in primary-key batches of ${BATCH_ROWS.toLocaleString('en-US')} (one round trip each, no row locked, deleted keys tombstoned, the position recorded in each batch). ` +
        'The floor: the same copy emptied and filled by one INSERT ... SELECT. The goal is at least 0.5× its rows per second.',
    ],
    tables: [
      mdTable(
        ['', 'drizzle-partitions', 'one INSERT ... SELECT (floor)', 'ours ÷ floor', 'goal'],
        [
          ['copy wall time (ours: making the copy + every batch), ms', fmt(r.copyMs), fmt(r.rawMs), ratio(r.copyMs, r.rawMs), ''],
          ['rows copied per second', fmt(rps(r.copyMs), 0), fmt(rps(r.rawMs), 0), ratio(rps(r.copyMs), rps(r.rawMs)), `≥ ${fmt(RATE_GOAL, 1)}× (${Number.isFinite(rate) && rate >= RATE_GOAL ? 'met' : 'NOT met'})`],
          ['verification (count + checksum of both, one snapshot), ms', fmt(r.verifyMs), '', '', ''],
          ['swap + foreign keys (none here), ms', fmt(r.swapMs), '', '', ''],
        ],
      ),
    ],
    notes: [`The conversion ended ${r.phase}.`],
    ms: performance.now() - t0,
  };
}
