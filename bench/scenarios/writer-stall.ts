/**
 * Scenario 3 — writer stall: a writer inserts single rows into today's partition,
 * one after another on its own connection, while maintenance creates the next K
 * daily partitions — whose range holds R rows sitting in the default partition —
 * and retires (detaches) old ones. Its p50 / p99 / max latency and failed inserts:
 *
 * - with no maintenance (the same writer alone, as long as our maintenance took);
 * - during drizzle-partitions: plan() + apply({ allowDestructive }) — each partition
 *   made empty beside the parent, then one transaction per partition that takes the
 *   parent (`LOCK TABLE ONLY ... ACCESS EXCLUSIVE`, under lock_timeout), moves that
 *   day's rows out of the default partition and attaches it; DETACH under
 *   lock_timeout, the parent taken first (plain DETACH: the parent has a default
 *   partition, which DETACH CONCURRENTLY refuses). R / K rows a day (1M / 7 ≈ 143k
 *   at full size) are more than one step may move while holding the table
 *   (maxMoveRows, 50,000 by default): plan() is given maxMoveRows raised to a day's
 *   rows, so every create runs as a step that holds the table for its day's move —
 *   the trade measured here. With the default limits plan() marks them
 *   `needsWindow` and apply() skips them (NEEDS_WINDOW);
 * - during naive DDL: the same partitions in the same order, each in one transaction
 *   (rows moved out of the default partition to a temporary table, `CREATE TABLE ...
 *   PARTITION OF`, rows inserted back — what pg_partman 4's partition_data_time does),
 *   then `DETACH PARTITION` without CONCURRENTLY and without lock_timeout.
 *
 * Each maintenance run gets a fresh database with the same data.
 */
import { apply, plan, type CreateOp, type MaintenanceOp, type PlanOptions, type ProgressEvent } from '../../src/index.js';
import { boundClause, boundLiteral, quoteQualified } from '../../src/ddl/index.js';
import { DEFAULT_MAX_DEFAULT_ROWS, DEFAULT_MAX_MOVE_ROWS } from '../../src/runtime/step-limits.js';
import { defaultRows, partitionCount, setupEvents, type EventsData } from '../data.js';
import {
  checkpoint,
  countedClient,
  fmt,
  mdTable,
  ratio,
  timed,
  tsLiteral,
  underWriter,
  utcDay,
  withScratch,
  writerAlone,
  writerStats,
  StepLog,
  type Ctx,
  type Section,
} from '../lib.js';

/** Days of past partitions kept besides the retired ones. */
const KEEP_DAYS = 14;

/**
 * Step limits that let every create of this scenario run as one step holding the
 * table: maxMoveRows raised to a day's rows (rounded up to 10,000), maxDefaultRows to
 * the rows of the default partition; never below the defaults.
 */
export function stallLimits(rows: number, days: number): Required<Pick<PlanOptions, 'maxMoveRows' | 'maxDefaultRows'>> {
  return {
    maxMoveRows: Math.max(DEFAULT_MAX_MOVE_ROWS, Math.ceil(rows / days / 10_000) * 10_000),
    maxDefaultRows: Math.max(DEFAULT_MAX_DEFAULT_ROWS, rows),
  };
}

/** The naive statements for one op, as one script (one transaction for a create). */
export function naiveSql(op: MaintenanceOp): string {
  if (op.kind === 'create') {
    const c = op as CreateOp;
    if (c.bound.kind !== 'range') throw new Error('naive DDL here is for range partitions');
    const pred = `"${c.keyColumn}" >= ${boundLiteral(c.bound.from[0]!)} AND "${c.keyColumn}" < ${boundLiteral(c.bound.to[0]!)}`;
    return [
      'BEGIN;',
      `CREATE TEMP TABLE bench_moving (LIKE ${quoteQualified(c.table)}) ON COMMIT DROP;`,
      c.default ? `WITH moved AS (DELETE FROM ${quoteQualified(c.default)} WHERE ${pred} RETURNING *) INSERT INTO bench_moving SELECT * FROM moved;` : '',
      `CREATE TABLE ${quoteQualified(c.partition)} PARTITION OF ${quoteQualified(c.table)} ${boundClause(c.bound)};`,
      `INSERT INTO ${quoteQualified(c.partition)} SELECT * FROM bench_moving;`,
      'COMMIT;',
    ].join('\n');
  }
  if (op.kind === 'retire') return `ALTER TABLE ${quoteQualified(op.table)} DETACH PARTITION ${quoteQualified(op.partition)};`;
  throw new Error(`naive DDL has no ${op.kind}`);
}

export async function writerStall(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const { stallRows: rows, stallCreate: create, stallRetire: retire } = ctx.sizes;
  const now = new Date();
  const policy = { interval: '1 day', premake: create, retention: { keep: `${KEEP_DAYS} days`, action: 'detach' as const } };
  const data: EventsData = { now, pastDays: KEEP_DAYS + retire, pastRowsPerDay: 1000, markPastManaged: true, futureRows: rows, futureDays: create };
  // Today's partition, mid-day: the writer's rows never go to the default partition.
  const writer = (idBase: number) => ({ table: 'events', at: tsLiteral(new Date(utcDay(now).getTime() + 12 * 3_600_000)), idBase });
  const notes: string[] = [];
  const limits = stallLimits(rows, create);
  const raised = [
    limits.maxMoveRows > DEFAULT_MAX_MOVE_ROWS ? `maxMoveRows ${limits.maxMoveRows.toLocaleString('en-US')} (default ${DEFAULT_MAX_MOVE_ROWS.toLocaleString('en-US')})` : '',
    limits.maxDefaultRows > DEFAULT_MAX_DEFAULT_ROWS ? `maxDefaultRows ${limits.maxDefaultRows.toLocaleString('en-US')} (default ${DEFAULT_MAX_DEFAULT_ROWS.toLocaleString('en-US')})` : '',
  ].filter(Boolean);

  ctx.log(`  drizzle-partitions: setting up ${rows} rows`);
  const ours = await withScratch(ctx.opts.url, async (db) => {
    const c = countedClient(db.url, 2);
    try {
      const t = await setupEvents(c.sql, policy, data);
      await checkpoint(c.sql);
      ctx.log('  drizzle-partitions: plan() + apply() under the writer');
      let planMs = 0;
      let applyMs = 0;
      const holds: number[] = [];
      const steps = new StepLog();
      const r = await underWriter(db.url, writer(2_000_000_000), async () => {
        c.reset();
        steps.mark('plan()');
        const p = await timed(() => plan(c.sql, [t], { now, ...limits }));
        let attachAt = Number.NaN;
        const onProgress = (e: ProgressEvent) => {
          if (e.phase === 'attach') attachAt = performance.now();
          if (e.phase === 'attached') holds.push(performance.now() - attachAt);
          steps.mark(`${e.phase} ${e.op.partition.name}`);
        };
        const a = await timed(() => apply(c.sql, p.value, { now, allowDestructive: true, onProgress }));
        steps.mark('after maintenance');
        planMs = p.ms;
        applyMs = a.ms;
        return { plan: p.value, apply: a.value, roundTrips: c.count };
      });
      const ops = r.value.plan.tables[0]!.ops;
      const bad = r.value.apply.results.filter((x) => x.status !== 'done');
      if (bad.length) notes.push(`drizzle-partitions: ${bad.length} of ${r.value.apply.results.length} operations not done (first: ${bad[0]!.op.partition.name} ${bad[0]!.status}: ${bad[0]!.reason})`);
      const methods = [...new Set(r.value.apply.results.map((x) => `${x.op.kind}: ${x.method ?? x.status}`))];
      return { ...r, ops, planMs, applyMs, holds, roundTrips: r.value.roundTrips, methods, slowestDuring: steps.at(r.writer.slowestAt), left: await defaultRows(c.sql), partitions: await partitionCount(c.sql, 'events') };
    } finally {
      await c.sql.end();
    }
  });
  const creates = ours.ops.filter((o) => o.kind === 'create').length;
  const retires = ours.ops.filter((o) => o.kind === 'retire').length;

  ctx.log(`  naive DDL: setting up ${rows} rows`);
  const { alone, naive } = await withScratch(ctx.opts.url, async (db) => {
    const c = countedClient(db.url, 1);
    try {
      const t = await setupEvents(c.sql, policy, data);
      await checkpoint(c.sql);
      // The same partitions in the same order: this database's plan (read only).
      const ops = (await plan(c.sql, [t], { now, ...limits })).tables[0]!.ops;
      const same = ops.map((o) => `${o.kind} ${o.partition.name}`).join(',') === ours.ops.map((o) => `${o.kind} ${o.partition.name}`).join(',');
      if (!same) notes.push('the naive run planned other partitions than ours (the day changed during the run?)');
      const aloneMs = Math.min(120_000, Math.max(2_000, ours.ms));
      ctx.log(`  no maintenance: the writer alone for ${fmt(aloneMs / 1000)} s`);
      const alone = await writerAlone(db.url, writer(3_000_000_000), aloneMs);
      await checkpoint(c.sql);
      ctx.log('  naive DDL under the writer');
      c.reset();
      const steps = new StepLog();
      const naive = await underWriter(db.url, writer(4_000_000_000), async () => {
        for (const op of ops) {
          steps.mark(`${op.kind === 'create' ? 'create (one transaction)' : 'detach'} ${op.partition.name}`);
          await c.sql.unsafe(naiveSql(op));
        }
        steps.mark('after maintenance');
      });
      return { alone, naive: { ...naive, slowestDuring: steps.at(naive.writer.slowestAt), roundTrips: c.count, left: await defaultRows(c.sql), partitions: await partitionCount(c.sql, 'events') } };
    } finally {
      await c.sql.end();
    }
  });

  const s = { alone: writerStats(alone), ours: writerStats(ours.writer), naive: writerStats(naive.writer) };
  const row = (label: string, pick: (x: ReturnType<typeof writerStats>) => number, digits?: number) => [
    label,
    fmt(pick(s.alone), digits),
    fmt(pick(s.ours), digits),
    fmt(pick(s.naive), digits),
    ratio(pick(s.ours), pick(s.alone)),
    ratio(pick(s.ours), pick(s.naive)),
  ];
  const rowsOut = [
    row('writer p50 latency, ms', (x) => x.p50),
    row('writer p99 latency, ms', (x) => x.p99),
    row('writer max latency (stall), ms', (x) => x.max),
    row('inserts done', (x) => x.inserts, 0),
    row('inserts per second', (x) => x.perSecond, 0),
    ['inserts failed', s.alone.failed, s.ours.failed, s.naive.failed, '', ''],
    ['maintenance wall time, ms', '—', fmt(ours.ms), fmt(naive.ms), '', ratio(ours.ms, naive.ms)],
    ['  of which plan() / apply(), ms', '', `${fmt(ours.planMs)} / ${fmt(ours.applyMs)}`, '', '', ''],
    ['  longest create step holding the table (LOCK TABLE, move, ATTACH), ms', '', fmt(ours.holds.length ? Math.max(...ours.holds) : Number.NaN), '', '', ''],
    ['maintenance round trips', '—', ours.roundTrips, naive.roundTrips, '', ratio(ours.roundTrips, naive.roundTrips)],
    ['rows left in the default partition', rows, ours.left, naive.left, '', ''],
  ];
  for (const [who, x] of Object.entries(s)) if (x.failed) notes.push(`${who}: failed inserts: ${x.errors}`);
  notes.push(`drizzle-partitions did: ${ours.methods.join('; ')}.`);
  notes.push(
    `The writer's slowest insert began during — drizzle-partitions: ${ours.slowestDuring} (${fmt(s.ours.max)} ms); naive DDL: ${naive.slowestDuring} (${fmt(s.naive.max)} ms). ` +
      "(apply() reports each step when it begins: 'create' the empty table, 'attach' the step that holds the table while it moves the rows and attaches, 'detach'.)",
  );
  if (ours.partitions !== naive.partitions) notes.push(`partitions attached afterwards differ: ours ${ours.partitions}, naive ${naive.partitions}`);
  return {
    title: `3. Writer stall: ${creates} partitions created over ${rows.toLocaleString('en-US')} default-partition rows, ${retires} retired`,
    intro: [
      `\`events\` with ${data.pastDays + 1} daily partitions up to today (1,000 rows a day, marked as made by maintenance), retention ${policy.retention.keep}, premake ${create}; ` +
        `${rows.toLocaleString('en-US')} rows in the default partition spread over the next ${create} days. Maintenance creates those ${creates} partitions (moving the rows) and retires ${retires}.`,
      'drizzle-partitions: each partition is made empty beside the parent, then one transaction takes the parent (LOCK TABLE ONLY ... ACCESS EXCLUSIVE, under lock_timeout), ' +
        "moves that day's rows out of the default partition and attaches it: the writer waits for each such step. Retiring: DETACH under lock_timeout, the parent taken first " +
        '(plain DETACH: DETACH CONCURRENTLY refuses a table with a default partition). ' +
        (raised.length
          ? `A day holds ~${Math.round(rows / create).toLocaleString('en-US')} rows, more than one step may move while holding the table by default: plan() is given ${raised.join(' and ')}, ` +
            'so each create runs as one step holding the table for its day (with the defaults, plan() says they need a window and apply() skips them).'
          : `A day holds ~${Math.round(rows / create).toLocaleString('en-US')} rows, within the default step limits.`),
      `The writer: single-row INSERTs into today's partition on its own connection, back to back, each timed; it starts 300 ms before maintenance and stops 500 ms after it. ` +
        `"No maintenance": the same writer alone for as long as our maintenance took (at least 2 s). Naive DDL: per partition one transaction (rows to a temp table, CREATE TABLE ... PARTITION OF, rows back), then DETACH without CONCURRENTLY.`,
      "Where the writer waits: for ours, from LOCK TABLE to commit — the day's rows deleted from the default partition and inserted into the new one, and ATTACH's read of what the default still holds; " +
        "for naive DDL, from CREATE TABLE ... PARTITION OF (which reads the default too) to commit, with the rows inserted back — its DELETE ran before, with the default partition's row locks only " +
        '(scenario 6 shows what an application working on those rows sees of ours).',
    ],
    tables: [mdTable(['', 'no maintenance', 'drizzle-partitions', 'naive DDL', 'ours ÷ no maintenance', 'ours ÷ naive'], rowsOut)],
    notes,
    ms: performance.now() - t0,
  };
}
