/**
 * Scenario 1 — create ahead: N daily partitions on an empty parent (with an empty
 * default partition), from today on.
 *
 * - drizzle-partitions: plan() + apply() with a policy of premake N - 1 (today's
 *   partition and N - 1 ahead): no rows to move, so the partitions are made in place
 *   (PARTITION OF) in transactions that hold the parent, sized to about 25 ms each.
 * - pg_partman: `partman.create_parent(..., p_type => 'native', p_interval => 'daily',
 *   p_premake => N - 1, p_start_partition => today)`, which makes the same N daily
 *   partitions and its own default partition.
 * - raw SQL (the floor): one script, `BEGIN; CREATE TABLE ... PARTITION OF ...` × N
 *   `; COMMIT;`, sent in one round trip.
 * - drizzle-partitions again on a parent without a default partition: the tables are
 *   made beside the parent (LIKE, 50 to a transaction) and ATTACHed in transactions of
 *   about 25 ms, which take only SHARE UPDATE EXCLUSIVE on the parent (the path the
 *   issue's lock goal names); beside it, that path's floor: one script that makes every
 *   table LIKE the parent, then ATTACHes each, in one transaction.
 *
 * Each contestant gets a fresh database on the same server, after a CHECKPOINT; the
 * databases are dropped together at the end, after a first round that is not counted.
 */
import { apply, plan } from '../../src/index.js';
import { createOn, EVENTS_COLUMNS, eventsTable, partitionCount, rawDailyLikeAttachSql, rawDailyPartitionSql } from '../data.js';
import {
  checkpoint,
  countedClient,
  createPartman,
  fmt,
  mdTable,
  median,
  ratio,
  tsLiteral,
  utcDay,
  scratchKeeper,
  type Ctx,
  type ScratchKeeper,
  type Section,
} from '../lib.js';

interface Run {
  ms: number;
  roundTrips: number;
  partitions: number;
  detail?: string;
}

interface Ours extends Run {
  planMs: number;
  applyMs: number;
  transactions: number;
}

/**
 * One script in one transaction: `PARTITION OF` beside an empty default partition, or
 * (`likeAttach`, on a parent without one) every table made `LIKE` the parent, then each
 * `ATTACH`ed — the floor of the path that keeps to SHARE UPDATE EXCLUSIVE on the parent.
 */
async function runRaw(dbs: ScratchKeeper, n: number, likeAttach = false): Promise<Run> {
  return dbs.use(async (db) => {
    const c = countedClient(db.url, 1);
    try {
      const t = eventsTable('events', { interval: '1 day', premake: n - 1 }, { withDefault: !likeAttach });
      await createOn(c.sql, t, EVENTS_COLUMNS);
      const today = utcDay(new Date());
      const days = Array.from({ length: n }, (_, k) => utcDay(today, k));
      const pairs = days.map((d) => rawDailyLikeAttachSql('events', d));
      const body = likeAttach ? [...pairs.map((x) => x[0]), ...pairs.map((x) => x[1])] : days.map((d) => rawDailyPartitionSql('events', d));
      const script = ['BEGIN;', ...body, 'COMMIT;'].join('\n');
      await checkpoint(c.sql);
      const r = await c.measure(() => c.sql.unsafe(script));
      return { ms: r.ms, roundTrips: r.roundTrips, partitions: (await partitionCount(c.sql, 'events')) - (likeAttach ? 0 : 1) };
    } finally {
      await c.sql.end();
    }
  });
}

async function runPartman(dbs: ScratchKeeper, n: number): Promise<Run> {
  return dbs.use(async (db) => {
    const c = countedClient(db.url, 1);
    try {
      await createPartman(c.sql);
      // pg_partman makes its own default partition: the parent alone here.
      await c.sql.unsafe(`CREATE TABLE "events" (${EVENTS_COLUMNS}) PARTITION BY RANGE ("at")`);
      // pg_partman cuts days in the session's time zone; ours are UTC days.
      await c.sql.unsafe(`SET TimeZone = 'UTC'`);
      const today = utcDay(new Date());
      await checkpoint(c.sql);
      const r = await c.measure(() =>
        c.sql.unsafe(
          `SELECT partman.create_parent(p_parent_table => 'public.events', p_control => 'at', p_type => 'native', p_interval => 'daily', p_premake => ${n - 1}, p_start_partition => '${tsLiteral(today)}')`,
        ),
      );
      return { ms: r.ms, roundTrips: r.roundTrips, partitions: (await partitionCount(c.sql, 'events')) - 1 };
    } finally {
      await c.sql.end();
    }
  });
}

async function runOurs(dbs: ScratchKeeper, n: number, notes: string[], withDefault = true): Promise<Ours> {
  return dbs.use(async (db) => {
    const c = countedClient(db.url, 2);
    try {
      const t = eventsTable('events', { interval: '1 day', premake: n - 1 }, { withDefault });
      await createOn(c.sql, t, EVENTS_COLUMNS);
      await checkpoint(c.sql);
      const now = new Date();
      const p = await c.measure(() => plan(c.sql, [t], { now }));
      const a = await c.measure(() => apply(c.sql, p.value, { now }));
      const transactions = c.sent.filter((q) => /^\s*begin\b/i.test(q.text)).length;
      const bad = a.value.results.filter((r) => r.status !== 'done');
      if (bad.length) notes.push(`drizzle-partitions${withDefault ? '' : ' (no default partition)'}: ${bad.length} of ${a.value.results.length} operations not done (first: ${bad[0]!.status}: ${bad[0]!.reason})`);
      const partitions = (await partitionCount(c.sql, 'events')) - (withDefault ? 1 : 0);
      return { ms: p.ms + a.ms, planMs: p.ms, applyMs: a.ms, roundTrips: p.roundTrips + a.roundTrips, transactions, partitions };
    } finally {
      await c.sql.end();
    }
  });
}

/** The goals of issue 15 for create ahead of 1,000 partitions: ours ÷ pg_partman and ours ÷ the raw script, wall time, at most. */
const GOAL_VS_PARTMAN = 0.7;
const GOAL_VS_RAW = 1.5;

/** The run of median wall time. */
function medianRun<T extends Run>(runs: T[]): T {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)]!;
}

export async function createAhead(ctx: Ctx): Promise<Section> {
  const n = ctx.sizes.createPartitions;
  const reps = ctx.sizes.createRepeats;
  const t0 = performance.now();
  const notes: string[] = [];
  const runs = { raw: [] as Run[], rawAttach: [] as Run[], partman: [] as Run[], ours: [] as Ours[], noDefault: [] as Ours[] };
  if (!ctx.partman.available) notes.push(ctx.partman.note);
  // Each repetition in another order, so none always goes first. The databases are
  // dropped only at the end (see scratchKeeper): no run pays for an earlier one's drop.
  // A first round, not counted, runs while drops made before this scenario may still
  // cost (and warms the server's caches).
  const dbs = scratchKeeper(ctx.opts.url);
  const contestants = [
    { name: 'raw SQL', run: async () => runs.raw.push(await runRaw(dbs, n)) },
    ...(ctx.partman.available ? [{ name: 'pg_partman', run: async () => runs.partman.push(await runPartman(dbs, n)) }] : []),
    { name: 'drizzle-partitions', run: async () => runs.ours.push(await runOurs(dbs, n, notes)) },
    { name: 'drizzle-partitions, no default partition', run: async () => runs.noDefault.push(await runOurs(dbs, n, notes, false)) },
    { name: 'raw SQL, LIKE + ATTACH', run: async () => runs.rawAttach.push(await runRaw(dbs, n, true)) },
  ];
  try {
    for (let r = -1; r < reps; r++) {
      for (let k = 0; k < contestants.length; k++) {
        const c = contestants[(r + 1 + k) % contestants.length]!;
        ctx.log(`  ${r < 0 ? 'warm-up round (not counted)' : `repetition ${r + 1} of ${reps}`}: ${c.name}`);
        await c.run();
      }
      if (r < 0) for (const xs of [runs.raw, runs.rawAttach, runs.partman, runs.ours, runs.noDefault]) xs.length = 0;
    }
  } finally {
    await dbs.dropAll();
  }
  const raw = medianRun(runs.raw);
  const partman = runs.partman.length ? medianRun(runs.partman) : undefined;
  const oursRun = medianRun(runs.ours);
  const noDefault = medianRun(runs.noDefault);
  const rawAttach = medianRun(runs.rawAttach);
  const ours = { plan: { ms: oursRun.planMs }, apply: { ms: oursRun.applyMs }, transactions: oursRun.transactions, total: oursRun };
  if (reps > 1) {
    const spread = (xs: Run[]) => xs.map((x) => fmt(x.ms, 0)).join(', ');
    notes.push(
      `Median of ${reps} runs each (fresh database every time, order rotated); all runs, ms — drizzle-partitions: ${spread(runs.ours)}; pg_partman: ${spread(runs.partman) || '—'}; raw SQL: ${spread(runs.raw)}; ` +
        `drizzle-partitions without a default partition: ${spread(runs.noDefault)}; raw SQL, LIKE + ATTACH: ${spread(runs.rawAttach)}.`,
    );
    // Round k ran the contestants back to back: a load that drifts between rounds moves all of them.
    const paired = (of: Run[], base: Run[]) => {
      const r = of.map((o, k) => o.ms / base[k]!.ms);
      return `${fmt(median(r), 2)}× (rounds ${fmt(Math.min(...r), 2)}–${fmt(Math.max(...r), 2)}×)`;
    };
    notes.push(
      `Round by round (each round runs the contestants back to back), the median of the ratios: ours ÷ raw ${paired(runs.ours, runs.raw)}${runs.partman.length ? `; ours ÷ pg_partman ${paired(runs.ours, runs.partman)}` : ''}; ` +
        `without a default partition, ours ÷ raw ${paired(runs.noDefault, runs.raw)}${runs.partman.length ? `, ours ÷ pg_partman ${paired(runs.noDefault, runs.partman)}, the LIKE + ATTACH floor ÷ pg_partman ${paired(runs.rawAttach, runs.partman)}` : ''}, ours ÷ that floor ${paired(runs.noDefault, runs.rawAttach)}.`,
    );
  }
  if (partman) {
    notes.push(
      `pg_partman took ${fmt(partman.ms / raw.ms, 2)}× the raw script here, so the goal of ≤ ${fmt(GOAL_VS_PARTMAN, 2)}× pg_partman asks for ${fmt((GOAL_VS_PARTMAN * partman.ms) / raw.ms, 2)}× the raw script, which makes the same tables in one transaction (see bench/README.md, "Where create ahead spends its time").`,
    );
  }

  const per = (r: Run | undefined) => (r ? r.ms / Math.max(1, r.partitions) : undefined);
  const goal = (ours: number, base: number | undefined, most: number) => {
    if (base === undefined) return '';
    return `≤ ${fmt(most, 2)}× (${ours / base <= most ? 'met' : 'NOT met'})`;
  };
  const rows = [
    ['wall time, ms', fmt(ours.total.ms), fmt(partman?.ms), fmt(raw.ms), ratio(ours.total.ms, partman?.ms), ratio(ours.total.ms, raw.ms)],
    ['  goal (issue 15, at 1,000 partitions)', '', '', '', goal(ours.total.ms, partman?.ms, GOAL_VS_PARTMAN), goal(ours.total.ms, raw.ms, GOAL_VS_RAW)],
    ['  of which plan() / apply(), ms', `${fmt(ours.plan.ms)} / ${fmt(ours.apply.ms)}`, '', '', '', ''],
    ['ms per partition', fmt(per(ours.total)), fmt(per(partman)), fmt(per(raw)), ratio(per(ours.total), per(partman)), ratio(per(ours.total), per(raw))],
    ['round trips', ours.total.roundTrips, partman?.roundTrips, raw.roundTrips, ratio(ours.total.roundTrips, partman?.roundTrips), ratio(ours.total.roundTrips, raw.roundTrips)],
    ['round trips per partition', fmt(ours.total.roundTrips / Math.max(1, ours.total.partitions)), fmt(partman ? partman.roundTrips / Math.max(1, partman.partitions) : undefined), fmt(raw.roundTrips / Math.max(1, raw.partitions)), '', ''],
    ['transactions', ours.transactions, partman ? 1 : undefined, 1, '', ''],
    ['partitions created (default excluded)', ours.total.partitions, partman?.partitions, raw.partitions, '', ''],
  ];
  const noDefaultRows = [
    ['wall time, ms', fmt(noDefault.ms), fmt(rawAttach.ms), ratio(noDefault.ms, partman?.ms), ratio(noDefault.ms, raw.ms), ratio(noDefault.ms, rawAttach.ms), ratio(noDefault.ms, ours.total.ms)],
    ['  goal (issue 15, at 1,000 partitions)', '', '', goal(noDefault.ms, partman?.ms, GOAL_VS_PARTMAN), goal(noDefault.ms, raw.ms, GOAL_VS_RAW), '', ''],
    ['  the LIKE + ATTACH floor ÷ the baselines', '', '', ratio(rawAttach.ms, partman?.ms), ratio(rawAttach.ms, raw.ms), '', ''],
    ['  of which plan() / apply(), ms', `${fmt(noDefault.planMs)} / ${fmt(noDefault.applyMs)}`, '', '', '', '', ''],
    ['round trips', noDefault.roundTrips, rawAttach.roundTrips, '', '', '', ''],
    ['transactions', noDefault.transactions, 1, '', '', '', ''],
  ];
  for (const [who, r] of [['pg_partman', partman], ['raw SQL', raw], ['raw SQL, LIKE + ATTACH', rawAttach], ['drizzle-partitions', ours.total], ['drizzle-partitions (no default partition)', noDefault]] as const) {
    if (r && r.partitions !== n) notes.push(`${who} made ${r.partitions} partitions, not ${n}`);
  }
  return {
    title: `1. Create ahead: ${n} daily partitions on an empty parent`,
    intro: [
      `Parent \`events\` (id bigint, at timestamptz, payload text, primary key (id, at)), RANGE (at), with an empty default partition; ${n} daily partitions from today (UTC).`,
      `drizzle-partitions: plan() + apply() (no rows to move out of the default partition, so the partitions are made in place, in transactions each sent as one message: LOCK TABLE ONLY the parent and the default partition, then CREATE TABLE ... PARTITION OF and COMMENT for as many partitions as fit about 25 ms at the last transaction's pace; with rows to move, the table is first made beside the parent, 50 to a transaction, and a step of its own moves them and ATTACHes it). ` +
        `${ctx.partman.available ? `pg_partman ${ctx.partman.version}: one create_parent(p_premake => ${n - 1}) call` : 'pg_partman: not run (not available on the server, see below)'}. Raw SQL: one script of ${n} CREATE TABLE ... PARTITION OF in one transaction. ` +
        `Second table: drizzle-partitions on a parent without a default partition, where the tables are made beside the parent (50 to a transaction) and ATTACHed in transactions of about 25 ms, which take only SHARE UPDATE EXCLUSIVE on the parent (reads and writes go on); beside it, the floor of that path: one script that makes every table LIKE the parent, then ATTACHes each, in one transaction; the other baselines are the same runs as above (pg_partman 4 always makes a default partition, then LIKE and ATTACH for each partition in the one transaction of create_parent; a raw CREATE TABLE ... PARTITION OF takes the parent in ACCESS EXCLUSIVE mode with or without one). A fresh database each time, all dropped at the end (a drop slows the making of files for a while after it on this machine's file system, see bench/README.md); a first round not counted; median of ${reps}.`,
    ],
    tables: [
      mdTable(['', 'drizzle-partitions', 'pg_partman', 'raw SQL (floor)', 'ours ÷ pg_partman', 'ours ÷ raw'], rows),
      mdTable(['without a default partition (tables made beside the parent, then ATTACHed several to a transaction: SHARE UPDATE EXCLUSIVE on the parent)', 'drizzle-partitions', 'raw SQL, LIKE + ATTACH (floor)', 'ours ÷ pg_partman', 'ours ÷ raw', 'ours ÷ LIKE + ATTACH', 'ours ÷ ours with a default'], noDefaultRows),
    ],
    notes,
    ms: performance.now() - t0,
  };
}
