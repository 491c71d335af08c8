/**
 * Scenario 6 — live workload: maintenance day after day under a mixed application
 * workload that works on the very rows being moved, and what the application sees.
 *
 * The workload is the load tests' (test/support/workload.ts; the small version of this
 * scenario is test/runtime/live-maintenance.test.ts): connections of their own at READ
 * COMMITTED, through the parent only — inserters, updaters and a deleter by id,
 * upserters (INSERT ... ON CONFLICT DO UPDATE), and a reader counting a fixed baseline
 * of rows — each keeping a ledger of what the server acknowledged, checked against the
 * table afterwards.
 *
 * `events` (id bigint, at timestamptz, payload text, primary key (id, at)), RANGE (at)
 * daily with a default partition, policy premake 3 and retention 7 days (detach). The
 * workload's rows sit in the N days after the premade ones, all in the default
 * partition, beside far-future rows nobody tracks (which every ATTACH reads). The clock
 * travels one day per step (plan(..., { now })): each step creates the next day — its
 * workload rows move out of the default partition in the step that holds the table —
 * and retention detaches old days the workload does not touch. Default step limits:
 * every step is within them (no window).
 *
 * Baseline: the same workload, on a fresh database with the same data, for as long,
 * with no maintenance. Deterministic in what it does (a fixed clock, fixed sizes);
 * random only in the workload's picks of rows.
 */
import { apply, plan, type CreateOp, type OpResult, type ProgressEvent } from '../../src/index.js';
import { DEFAULT_MAX_DEFAULT_ROWS, DEFAULT_MAX_MOVE_ROWS } from '../../src/runtime/step-limits.js';
import { createWorkload, queuedDuring, QUEUED_MS, type Workload, type WorkloadReport } from '../../test/support/workload.js';
import { createOn, EVENTS_COLUMNS, eventsTable } from '../data.js';
import { checkpoint, client, DAY_MS, dayFragment, fmt, mdTable, percentile, ratio, sleep, tsLiteral, withScratch, type Ctx, type Section, type Sql } from '../lib.js';

/** The fixed clock the maintenance starts from (then one day per step). */
const NOW = new Date('2026-03-27T12:00:00Z');
const DAY0 = Date.UTC(2026, 2, 27);
const PREMAKE = 3;
const KEEP_DAYS = 7;
/** Days created behind today at setup, for retention to detach (untouched by the workload). */
const BACKFILL = 10;
const OLD_ROWS_PER_DAY = 2_000;
const WRITERS = { insert: 2, update: 2, delete: 1, upsert: 2 };
const READERS = 1;
const WRITER_COUNT = WRITERS.insert + WRITERS.update + WRITERS.delete + WRITERS.upsert;
/** Connections that work on seeded pools (updaters, deleters, upserters). */
const POOLED = WRITERS.update + WRITERS.delete + WRITERS.upsert;
/** Share of the seeded rows that is the readers' baseline (the rest are the writers' pools). */
const BASELINE_SHARE = 0.2;
/** Pause of each workload connection after each statement, ms (an application is rarely flat out). */
const THINK_MS = 1;
/** The workload alone before the first step, and between two days' maintenance, ms. */
const LEAD_MS = 1_000;
const PAUSE_MS = 1_000;
const LOCK_TIMEOUT_MS = 1_000;
/** apply()'s default maxWaitShare: the most of the time a failing step may keep the application queued. */
const MAX_WAIT_SHARE = 0.1;
const OLD_ID = 900_000_000;
const FAR_ID = 950_000_000;

const policy = { interval: '1 day', premake: PREMAKE, retention: { keep: `${KEEP_DAYS} days`, action: 'detach' as const } };
const dayStart = (d: number) => new Date(DAY0 + d * DAY_MS);

interface Layout {
  days: number;
  baseline: number;
  pool: number;
  /** The workload's first day (days after DAY0). */
  firstDay: number;
  keyOf: (id: number) => string;
}

function layoutOf(days: number, rowsPerDay: number): Layout {
  const total = days * rowsPerDay;
  const baseline = Math.round(total * BASELINE_SHARE);
  const pool = Math.floor((total - baseline) / POOLED);
  const firstDay = PREMAKE + 1;
  const seconds = days * 86_400;
  // Consecutive ids spread evenly over the days (7919 is prime to days × 86,400 for days < 7919).
  const keyOf = (id: number) => new Date(DAY0 + firstDay * DAY_MS + ((id * 7919) % seconds) * 1000).toISOString();
  return { days, baseline, pool, firstDay, keyOf };
}

async function count(sql: Sql, text: string): Promise<number> {
  const [r] = await sql.unsafe<{ n: number }[]>(text);
  return r!.n;
}

/** Rows in tables maintenance made that are not attached: rows the application cannot see. */
async function hiddenRows(sql: Sql): Promise<number> {
  const tables = await sql<{ t: string }[]>`select c.oid::regclass::text as t from pg_class c where c.relkind = 'r' and not c.relispartition and obj_description(c.oid, 'pg_class') like 'drizzle-partitions:managed%'`;
  let n = 0;
  for (const { t } of tables) n += await count(sql, `select count(*)::int as n from ${t}`);
  return n;
}

/**
 * `events` as the scenario wants it, in a fresh database: days -BACKFILL .. +PREMAKE
 * made by maintenance (with untracked old rows), the far-future rows and the
 * workload's seeded rows in the default partition; VACUUM ANALYZE, CHECKPOINT.
 */
async function setup(sql: Sql, url: string, layout: Layout, farRows: number, maxMs: number) {
  const t = eventsTable('events', policy);
  await createOn(sql, t, EVENTS_COLUMNS);
  const first = await apply(sql, await plan(sql, [t], { now: NOW, backfill: BACKFILL }), { now: NOW });
  const bad = first.results.filter((r) => r.status !== 'done');
  if (bad.length) throw new Error(`setup: ${bad[0]!.op.partition.name} ${bad[0]!.status}: ${bad[0]!.reason}`);
  const oldDays = BACKFILL + PREMAKE + 1;
  const old = oldDays * OLD_ROWS_PER_DAY;
  await sql.unsafe(
    `insert into events (id, at, payload) select ${OLD_ID} + g, '${tsLiteral(dayStart(-BACKFILL))}'::timestamptz + (g::float8 / ${old}) * interval '${oldDays} days', 'old' from generate_series(0, ${old - 1}) g`,
  );
  await sql.unsafe(`insert into events (id, at, payload) select ${FAR_ID} + g, timestamptz '2030-01-01 00:00:00+00' + g * interval '1 second', 'far' from generate_series(0, ${farRows - 1}) g`);
  const workload = createWorkload({
    url,
    table: { name: 'events' },
    keyColumn: 'at',
    keyType: 'timestamptz',
    keyOf: layout.keyOf,
    baseline: { from: 1, to: 1 + layout.baseline },
    poolPerWriter: layout.pool,
    writers: WRITERS,
    readers: READERS,
    thinkMs: THINK_MS,
    maxMs,
  });
  await workload.seed();
  await sql.unsafe('VACUUM ANALYZE events');
  await checkpoint(sql);
  return { t, workload };
}

/** One day's maintenance. */
interface Step {
  day: number;
  now: Date;
  planMs: number;
  /** apply() wall time, [from, to] in performance.now() time. */
  from: number;
  to: number;
  results: OpResult[];
  /** The create: rows of the default partition (ATTACH reads them) and rows it moved. */
  defaultSize: number;
  movedRows: number;
  needsWindow?: string | undefined;
  /** The attach step (LOCK TABLE, move, ATTACH, commit), ms. */
  holdMs: number;
}

const writesOf = (r: WorkloadReport) => r.samples.filter((s) => s.kind !== 'read');
const readsOf = (r: WorkloadReport) => r.samples.filter((s) => s.kind === 'read');
const maxOf = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY) : Number.NaN);

export async function liveWorkload(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const { liveDays: days, liveRowsPerDay: perDay, liveFarRows: farRows } = ctx.sizes;
  const layout = layoutOf(days, perDay);
  const maxMs = 30 * 60_000;
  const notes: string[] = [];

  // With maintenance.
  ctx.log(`  with maintenance: setting up ${days} days of ${perDay} workload rows and ${farRows} far-future rows in the default partition`);
  const live = await withScratch(ctx.opts.url, async (db) => {
    const sql = client(db.url, 2);
    let workload: Workload | undefined;
    try {
      const s = await setup(sql, db.url, layout, farRows, maxMs);
      workload = s.workload;
      ctx.log(`  with maintenance: ${WRITER_COUNT} writers and ${READERS} reader, one day of maintenance a step for ${days} days`);
      await workload.start();
      const started = performance.now();
      const steps: Step[] = [];
      let stopped = 0;
      try {
        await sleep(LEAD_MS);
        for (let k = 1; k <= days; k++) {
          const now = new Date(NOW.getTime() + k * DAY_MS);
          const p0 = performance.now();
          const p = await plan(sql, [s.t], { now });
          const planMs = performance.now() - p0;
          const create = p.tables[0]!.ops.find((o): o is CreateOp => o.kind === 'create');
          let attachAt = Number.NaN;
          let holdMs = Number.NaN;
          const onProgress = (e: ProgressEvent) => {
            if (e.phase === 'attach') attachAt = performance.now();
            if (e.phase === 'attached') holdMs = performance.now() - attachAt;
          };
          const from = performance.now();
          const a = await apply(sql, p, { now, allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS, onProgress });
          const to = performance.now();
          const made = a.results.find((r) => r.op.kind === 'create');
          steps.push({
            day: PREMAKE + k,
            now,
            planMs,
            from,
            to,
            results: a.results,
            defaultSize: create?.defaultSize ?? 0,
            movedRows: made?.movedRows ?? 0,
            needsWindow: create?.needsWindow,
            holdMs,
          });
          ctx.log(`    day ${k}: ${a.results.map((r) => `${r.op.kind} ${r.op.partition.name} ${r.status}${r.movedRows ? ` (${r.movedRows} moved)` : ''}`).join(', ')} in ${fmt(to - from)} ms`);
          await sleep(PAUSE_MS);
        }
      } finally {
        await workload.stop();
        stopped = performance.now();
      }
      const report = await workload.verify();
      const created = steps.filter((x) => x.results.some((r) => r.op.kind === 'create' && r.status === 'done')).length;
      const leftInDefault = await count(sql, `select count(*)::int as n from events_default where at >= '${tsLiteral(dayStart(layout.firstDay))}' and at < '${tsLiteral(dayStart(layout.firstDay + created))}'`);
      const workloadLeft = await count(sql, `select count(*)::int as n from events_default where at >= '${tsLiteral(dayStart(layout.firstDay))}' and at < '${tsLiteral(dayStart(layout.firstDay + days))}'`);
      const attached = (await sql<{ name: string }[]>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`).map((r) => r.name);
      return { report, steps, started, stopped, leftInDefault, workloadLeft, hidden: await hiddenRows(sql), attached };
    } finally {
      await workload?.stop().catch(() => undefined);
      await sql.end();
    }
  });
  const durationMs = live.stopped - live.started;

  // The same workload, as long, with no maintenance.
  ctx.log(`  no maintenance: setting up the same data; the workload alone for ${fmt(durationMs / 1000)} s`);
  const alone = await withScratch(ctx.opts.url, async (db) => {
    const sql = client(db.url, 1);
    let workload: Workload | undefined;
    try {
      const s = await setup(sql, db.url, layout, farRows, maxMs);
      workload = s.workload;
      await workload.start();
      const started = performance.now();
      try {
        await sleep(durationMs);
      } finally {
        await workload.stop();
      }
      const report = await workload.verify();
      return { report, started, hidden: await hiddenRows(sql) };
    } finally {
      await workload?.stop().catch(() => undefined);
      await sql.end();
    }
  });

  // Figures.
  const L = live.report;
  const A = alone.report;
  const intervals = live.steps.map((s): [number, number] => [s.from, s.to]);
  // The same intervals, as far from the start, in the run without maintenance: what queues there is the floor (CPU, not locks).
  const shifted = intervals.map(([f, to]): [number, number] => [alone.started + (f - live.started), alone.started + (to - live.started)]);
  const applyMs = intervals.reduce((sum, [f, to]) => sum + (to - f), 0);
  const queued = { live: queuedDuring(writesOf(L), intervals), alone: queuedDuring(writesOf(A), shifted) };
  const share = { live: queued.live / (applyMs * WRITER_COUNT), alone: queued.alone / (applyMs * WRITER_COUNT) };
  const allResults = live.steps.flatMap((s) => s.results);
  const notDone = allResults.filter((r) => r.status !== 'done');
  const creates = allResults.filter((r) => r.op.kind === 'create' && r.status === 'done');
  const retires = allResults.filter((r) => r.op.kind === 'retire' && r.status === 'done');
  const moved = creates.reduce((sum, r) => sum + (r.movedRows ?? 0), 0);
  const holds = live.steps.map((s) => s.holdMs).filter((x) => Number.isFinite(x));
  const attachTotal = holds.reduce((a, b) => a + b, 0);
  // A plain DETACH (the table has a default partition) holds the parent too; its result's ms (whole ms) is the step.
  const detachTotal = retires.reduce((sum, r) => sum + r.ms, 0);
  const holdTotal = attachTotal + detachTotal;
  const longestHold = Math.max(maxOf(holds), maxOf(retires.map((r) => r.ms)));
  const windows = live.steps.filter((s) => s.needsWindow);
  const maxBound = longestHold + LOCK_TIMEOUT_MS;

  const zero = (label: string, alone: number | undefined, live: number) => [label, alone ?? '—', live, '0', live === 0 && (alone ?? 0) === 0 ? 'met' : 'NOT met'];
  const correctness = [
    zero('rows lost (acknowledged, seeded or baseline rows missing through the parent)', A.lost, L.lost),
    zero('rows duplicated', A.duplicated, L.duplicated),
    zero('rows stale (payload not the last acknowledged)', A.stale, L.stale),
    zero('UPDATE / DELETE by id that found 0 rows', A.zeroRow, L.zeroRow),
    zero('deleted rows back (resurrected)', A.resurrected, L.resurrected),
    zero("rows no ledger accounts for (unexpected)", A.unexpected, L.unexpected),
    zero('statements refused (errors)', A.refused, L.refused),
    zero('reader counts short of the baseline (misses)', A.readerMisses, L.readerMisses),
    zero('reader counts above the baseline', A.readerExtras, L.readerExtras),
    zero('rows left in the default partition for created days', undefined, live.leftInDefault),
    zero('rows in unattached tables maintenance made (hidden)', alone.hidden, live.hidden),
    zero('maintenance steps not done (failed, skipped, needing a window)', undefined, notDone.length + windows.length),
  ];

  const wA = A.latency;
  const wL = L.latency;
  const rA = readsOf(A).map((s) => s.ms);
  const rL = readsOf(L).map((s) => s.ms);
  const perSecond = (r: WorkloadReport, ms: number) => (writesOf(r).length / ms) * 1000;
  const performanceRows = [
    ['writer statements', wA.n, wL.n, ratio(wL.n, wA.n), ''],
    ['writer statements per second', fmt(perSecond(A, durationMs), 0), fmt(perSecond(L, durationMs), 0), ratio(perSecond(L, durationMs), perSecond(A, durationMs)), ''],
    ['writer p50 latency, ms', fmt(wA.p50), fmt(wL.p50), ratio(wL.p50, wA.p50), '—'],
    ['writer p99 latency, ms', fmt(wA.p99), fmt(wL.p99), ratio(wL.p99, wA.p99), '—'],
    [
      'writer max latency, ms',
      fmt(wA.max),
      fmt(wL.max),
      ratio(wL.max, wA.max),
      `≤ longest step holding the table + lock_timeout = ${fmt(longestHold)} + ${fmt(LOCK_TIMEOUT_MS)} ms (${wL.max <= maxBound ? 'met' : 'NOT met'})`,
    ],
    ['reader p50 / max latency, ms', `${fmt(percentile(rA, 50))} / ${fmt(maxOf(rA))}`, `${fmt(percentile(rL, 50))} / ${fmt(maxOf(rL))}`, ratio(maxOf(rL), maxOf(rA)), ''],
    [
      `writers' queued time (statements of ${QUEUED_MS} ms or more begun during apply) ÷ (apply time × ${WRITER_COUNT} writers)`,
      fmt(share.alone, 3),
      fmt(share.live, 3),
      '',
      `— (reported: the writers wait for the steps that hold the table, below; maxWaitShare ${fmt(MAX_WAIT_SHARE, 1)} bounds only the queueing behind a step that fails to get its lock, test/runtime/lock-safety.test.ts)`,
    ],
    ['  share of apply time in steps holding the table (attach steps and DETACHes: the writers wait for them by design)', '', fmt(holdTotal / applyMs, 3), '', ''],
    ['  queued time, ms (no maintenance: the same intervals of its run)', fmt(queued.alone, 0), fmt(queued.live, 0), '', ''],
    ['  apply time (all steps), ms / of which attach steps / DETACHes', '', `${fmt(applyMs, 0)} / ${fmt(attachTotal, 0)} / ${fmt(detachTotal, 0)}`, '', ''],
    ['rows moved per second (rows moved ÷ time of the attach steps: LOCK TABLE, move, ATTACH reading the default)', '', fmt((moved / attachTotal) * 1000, 0), '', '— (scenario 4: ≥ 0.7× raw SQL)'],
    ['rows moved per second of apply time', '', fmt((moved / applyMs) * 1000, 0), '', ''],
  ];

  const stepRows = live.steps.map((s) => {
    const during = writesOf(L).filter((x) => x.start <= s.to && x.start + x.ms >= s.from);
    const create = s.results.find((r) => r.op.kind === 'create');
    const retired = s.results.filter((r) => r.op.kind === 'retire');
    return [
      `${s.now.toISOString().slice(0, 10)}: events_p${dayFragment(dayStart(s.day))}`,
      create ? `${create.status}${create.code ? ` ${create.code}` : ''}` : 'none',
      s.defaultSize.toLocaleString('en-US'),
      s.movedRows.toLocaleString('en-US'),
      fmt(s.holdMs),
      retired.length ? `${retired.length} (${fmt(maxOf(retired.map((r) => r.ms)))} ms)` : '0',
      fmt(s.planMs),
      fmt(s.to - s.from),
      fmt(maxOf(during.map((x) => x.ms))),
    ];
  });

  if (L.errors.length) notes.push(`with maintenance, errors: ${L.errors.join('; ')}`);
  if (A.errors.length) notes.push(`no maintenance, errors: ${A.errors.join('; ')}`);
  if (L.uncertain || A.uncertain) notes.push(`ids left out of the checks after a failed statement: ${A.uncertain} without, ${L.uncertain} with maintenance`);
  for (const r of notDone) notes.push(`${r.op.kind} ${r.op.partition.name} ${r.status}${r.code ? ` (${r.code})` : ''}: ${r.reason}`);
  for (const s of windows) notes.push(`day +${s.day} needed a window: ${s.needsWindow}`);
  const methods = [...new Set(allResults.filter((r) => r.status === 'done').map((r) => `${r.op.kind}: ${(r.method ?? '').replace(/\d[\d,]* row\(s\)/, 'N row(s)')}`))];
  notes.push(`drizzle-partitions did: ${methods.join('; ')}. ${creates.length} day(s) created (${moved.toLocaleString('en-US')} rows moved), ${retires.length} retired; ${live.workloadLeft} workload row(s) left in the default partition at the end (days not created: 0 expected); ${live.attached.length} partitions attached at the end.`);
  notes.push(
    `maxWaitShare (${MAX_WAIT_SHARE}) bounds the time the application queues behind a step that waits for its lock (lock_timeout, then a backoff of at least lock_timeout × (1 + 1 ÷ maxWaitShare)). ` +
      `A step that holds the table (${fmt(holdTotal / applyMs, 2)} of apply time here) makes the writers wait for it by design, so the queued share is about that share plus the no-maintenance floor (${fmt(share.alone, 2)}), whatever maxWaitShare says.`,
  );
  notes.push(
    `The workload and the maintenance share this process's event loop (the workload's statements are timed there): maintenance's JavaScript is in the writers' latencies too. ` +
      `A statement counts as queued at ${QUEUED_MS} ms or more; on a busy machine some queue for CPU, which the no-maintenance column shows.`,
  );

  const seeded = layout.baseline + POOLED * layout.pool;
  return {
    title: `6. Live workload: ${days} days of maintenance under ${WRITER_COUNT} writers and ${READERS} reader`,
    intro: [
      `\`events\` (id bigint, at timestamptz, payload text, primary key (id, at)), RANGE (at) daily with a default partition; policy premake ${PREMAKE}, retention ${KEEP_DAYS} days (detach). ` +
        `Set up at a fixed clock (${NOW.toISOString()}): days −${BACKFILL} … +${PREMAKE} made by maintenance (${OLD_ROWS_PER_DAY.toLocaleString('en-US')} untracked rows a day); ` +
        `in the default partition, the workload's ${seeded.toLocaleString('en-US')} seeded rows spread over days +${layout.firstDay} … +${layout.firstDay + days - 1} (~${perDay.toLocaleString('en-US')} a day) ` +
        `and ${farRows.toLocaleString('en-US')} untracked rows in 2030, which every ATTACH reads.`,
      `The workload (test/support/workload.ts), at READ COMMITTED through the parent, ${THINK_MS} ms pause after each statement: ${WRITERS.insert} inserters, ${WRITERS.update} updaters by id, ${WRITERS.delete} deleter by id, ` +
        `${WRITERS.upsert} upserters (INSERT ... ON CONFLICT DO UPDATE) on pools of ${layout.pool.toLocaleString('en-US')} seeded rows each, and ${READERS} reader counting a baseline of ${layout.baseline.toLocaleString('en-US')} rows; every acknowledged statement in a ledger, checked against the table at the end.`,
      `Maintenance: ${days} steps, the clock one day later each (plan(db, [events], { now }) then apply(..., { allowDestructive: true, lockTimeoutMs: ${LOCK_TIMEOUT_MS} })), ${fmt(PAUSE_MS / 1000, 1)} s apart: ` +
        `each creates the next day — its ~${perDay.toLocaleString('en-US')} workload rows move out of the default partition and the partition is attached in one transaction holding the parent — and retention detaches old days. ` +
        `Default step limits (maxMoveRows ${DEFAULT_MAX_MOVE_ROWS.toLocaleString('en-US')}, maxDefaultRows ${DEFAULT_MAX_DEFAULT_ROWS.toLocaleString('en-US')}): no window. ` +
        `No maintenance: a fresh database with the same data, the same workload for as long (${fmt(durationMs / 1000)} s).`,
    ],
    tables: [
      mdTable(['must be 0', 'no maintenance', 'with maintenance', 'goal', 'met?'], correctness),
      mdTable(['', 'no maintenance', 'with maintenance', 'with ÷ no', 'goal'], performanceRows),
      mdTable(['step (clock): day created', 'create', 'rows in the default partition (plan)', 'rows moved', 'step holding the table, ms', 'retired (longest)', 'plan(), ms', 'apply(), ms', 'writer max during apply, ms'], stepRows),
    ],
    notes,
    ms: performance.now() - t0,
  };
}
