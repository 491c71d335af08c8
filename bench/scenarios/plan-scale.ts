/**
 * Scenario 2 — plan at scale: plan() and listPartitions() on parents with N daily
 * partitions (default 1,000 and 10,000) that are up to date (plan finds nothing to
 * do, the steady state a scheduled maintenance run meets), wall time and round trips.
 *
 * Baseline (the floor): one raw catalog query listing the same partitions with their
 * bounds (pg_inherits ⋈ pg_class, pg_get_expr). The catalog query listPartitions
 * sends is also replayed alone (captured from the driver), which splits its time
 * into the server's part and ours (session set-up, parsing bounds in JavaScript).
 */
import { listPartitions, plan } from '../../src/index.js';
import { createDailyPartitions, createOn, EVENTS_COLUMNS, eventsTable } from '../data.js';
import {
  countedClient,
  fmt,
  mdTable,
  median,
  ratio,
  timed,
  utcDay,
  withScratch,
  type Cell,
  type Ctx,
  type CountedSql,
  type Section,
} from '../lib.js';

const RAW_QUERY = `select c.relname, pg_get_expr(c.relpartbound, c.oid) as bound
from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`;

interface Measured {
  ms: number;
  roundTrips: number;
}

/** One warm-up call, then `repeats` timed ones: the median time, and the round trips of one call. */
async function measure(c: CountedSql, repeats: number, fn: () => Promise<unknown>): Promise<Measured> {
  await fn();
  const times: number[] = [];
  let roundTrips = 0;
  for (let i = 0; i < repeats; i++) {
    const r = await c.measure(fn);
    times.push(r.ms);
    roundTrips = r.roundTrips;
  }
  return { ms: median(times), roundTrips };
}

export async function planAtScale(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const premake = 4;
  const results: { n: number; setupMs: number; raw: Measured; list: Measured; treeQuery: Measured; plan: Measured; ops: number; problems: string[] }[] = [];
  for (const n of ctx.sizes.planSizes) {
    ctx.log(`  ${n} partitions: setting up`);
    results.push(
      await withScratch(ctx.opts.url, async (db) => {
        const c = countedClient(db.url, 2);
        try {
          const t = eventsTable('events', { interval: '1 day', premake });
          await createOn(c.sql, t, EVENTS_COLUMNS);
          // n partitions, the newest `premake` days ahead: nothing left to create.
          const now = new Date();
          const setup = await timed(() => createDailyPartitions(c.sql, 'events', utcDay(now, premake + 1 - n), n));
          await c.sql.unsafe('VACUUM ANALYZE');
          ctx.log(`  ${n} partitions: measuring (setup took ${fmt(setup.ms / 1000)} s)`);
          const repeats = ctx.sizes.planRepeats;
          const raw = await measure(c, repeats, () => c.sql.unsafe(RAW_QUERY));
          const list = await measure(c, repeats, () => listPartitions(c.sql, t));
          // The catalog query listPartitions sent, replayed alone.
          await c.measure(() => listPartitions(c.sql, t));
          const tree = [...c.sent].sort((a, b) => b.text.length - a.text.length)[0]!;
          const treeQuery = await measure(c, repeats, () => c.sql.unsafe(tree.text, tree.params as never[]));
          const planned = await measure(c, repeats, () => plan(c.sql, [t], { now }));
          const p = await plan(c.sql, [t], { now });
          const table = p.tables[0]!;
          return { n, setupMs: setup.ms, raw, list, treeQuery, plan: planned, ops: table.ops.length, problems: table.problems.map((x) => x.code) };
        } finally {
          await c.sql.end();
        }
      }),
    );
  }

  const header = ['', ...results.flatMap((r) => [`${r.n.toLocaleString('en-US')} partitions: ms`, 'round trips', 'ratio to raw query'])];
  const line = (label: string, pick: (r: (typeof results)[number]) => Measured, withRatio = true): Cell[] => [
    label,
    ...results.flatMap((r) => [fmt(pick(r).ms), pick(r).roundTrips, withRatio ? ratio(pick(r).ms, r.raw.ms) : '']),
  ];
  const rows = [
    line('raw catalog query (floor)', (r) => r.raw),
    line('listPartitions()', (r) => r.list),
    line('  its catalog query alone (replayed)', (r) => r.treeQuery),
    line('plan()', (r) => r.plan),
  ];
  const notes = results.map(
    (r) =>
      `${r.n} partitions: plan found ${r.ops} operation(s) to do${r.problems.length ? ` and problems ${[...new Set(r.problems)].join(', ')}` : ', no problem'}; setting the parent up (raw SQL, 250 per transaction) took ${fmt(r.setupMs / 1000)} s.`,
  );
  const big = results[results.length - 1];
  const small = results[0];
  if (big && small && big !== small) {
    const growth = (pick: (r: (typeof results)[number]) => number) => fmt(pick(big) / pick(small), 1);
    notes.push(
      `From ${small.n} to ${big.n} partitions (${fmt(big.n / small.n, 1)}× as many): raw query ${growth((r) => r.raw.ms)}×, listPartitions ${growth((r) => r.list.ms)}×, its catalog query ${growth((r) => r.treeQuery.ms)}×, plan ${growth((r) => r.plan.ms)}× the time.`,
    );
  }
  return {
    title: `2. Plan at scale: plan() and listPartitions() on ${ctx.sizes.planSizes.join(' and ')} partitions`,
    intro: [
      `A parent with N daily partitions (premake ${premake}, all of them there) and an empty default partition; median of ${ctx.sizes.planRepeats} calls after one warm-up. ` +
        'Round trips counted with postgres.js `debug` (one call). The floor is one catalog query of the partitions and their bounds.',
    ],
    tables: [mdTable(header, rows)],
    notes,
    ms: performance.now() - t0,
  };
}
