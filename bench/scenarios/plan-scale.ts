/**
 * Scenario 2 — plan at scale: plan() and listPartitions() on parents with N daily
 * partitions (default 1,000 and 10,000) that are up to date (plan finds nothing to
 * do, the steady state a scheduled maintenance run meets): wall time, round trips,
 * the ratio to the bare catalog query, resident memory and growth from the smallest
 * size to the largest, each beside its goal (issue 15):
 *
 * - plan(): one round trip after the connection is set up (the session settings
 *   travel in the same message as the catalog statement; nothing is sent to give the
 *   connection back);
 * - plan() and listPartitions() at the largest size: at most 1.5× the bare query;
 * - resident memory of a process that calls plan() or listPartitions() once at the
 *   largest size: under 100 MB;
 * - growth from the smallest size to the largest: no faster than the bare query's.
 *
 * Baseline (the floor): one raw catalog query listing the same partitions with their
 * bounds (pg_inherits ⋈ pg_class, pg_get_expr). The catalog query listPartitions
 * sends is also replayed alone (captured from the driver, on a connection with the
 * same session settings), which splits its time into the server's part and ours.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The session settings plan() and listPartitions() read with (src/runtime/session.ts), for the replay. */
const READ_SETTINGS = `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET standard_conforming_strings = on; SET extra_float_digits = 1; SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'; SET jit = off`;

/** The goals. */
const MAX_RATIO = 1.5;
const MAX_RSS_MB = 100;
const WORK_ROUND_TRIPS = 1;

interface Measured {
  ms: number;
  roundTrips: number;
}

/**
 * Each of `fns` once as a warm-up, then `repeats` rounds in which each runs once, in
 * an order rotated every round: the contestants share whatever the machine does
 * meanwhile (a load that drifts during the run weighs on all of them alike). The
 * median time of each, and the round trips of one call.
 */
async function measureInterleaved<K extends string>(c: CountedSql, repeats: number, fns: Record<K, () => Promise<unknown>>): Promise<Record<K, Measured>> {
  const keys = Object.keys(fns) as K[];
  for (const k of keys) await fns[k]();
  const times = new Map<K, number[]>(keys.map((k) => [k, []]));
  const trips = new Map<K, number>();
  for (let i = 0; i < repeats; i++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(i + j) % keys.length]!;
      const r = await c.measure(fns[k]);
      times.get(k)!.push(r.ms);
      trips.set(k, r.roundTrips);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, { ms: median(times.get(k)!), roundTrips: trips.get(k)! }])) as Record<K, Measured>;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds src/ as the published ESM package (tsc, as `npm run build` does, without
 * declarations) into a temporary directory whose node_modules is the repository's, so
 * the memory probe runs what a user runs and the repository's dist/ (which other work
 * may be rebuilding) is neither needed nor touched. Returns its index.js and a clean-up.
 */
async function buildEsm(): Promise<{ index: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dp-bench-plan-'));
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = join(dir, 'dist', 'esm');
  await new Promise<void>((resolve, reject) => {
    // tsc emits even when src/ does not type-check (work in progress elsewhere).
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out, '--declaration', 'false', '--declarationMap', 'false'], { cwd: REPO_ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  const index = join(out, 'index.js');
  if (!existsSync(index)) throw new Error(`building the package into ${dir} did not produce dist/esm/index.js`);
  return { index, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Peak resident memory (MB) of a fresh plain-Node process that imports the built package and calls plan() or listPartitions() once (bench/plan-memory.mjs). */
function residentMb(index: string, url: string, what: 'plan' | 'list', premake: number): Promise<number> {
  const script = fileURLToPath(new URL('../plan-memory.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, index, url, what, String(premake)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`the memory probe (${what}) exited with ${code}: ${err.trim() || out.trim()}`));
      resolve((JSON.parse(line) as { maxRssBytes: number }).maxRssBytes / 1024 / 1024);
    });
  });
}

export async function planAtScale(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const premake = 4;
  const results: {
    n: number;
    setupMs: number;
    raw: Measured;
    list: Measured;
    listSizes: Measured;
    treeQuery: Measured;
    plan: Measured;
    planRssMb: number;
    listRssMb: number;
    ops: number;
    problems: string[];
  }[] = [];
  ctx.log('  building the package from src/ (tsc) for the memory probe');
  const built = await buildEsm();
  try {
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
            // The catalog query listPartitions sends (the longest statement), to be replayed alone.
            await c.measure(() => listPartitions(c.sql, t));
            const tree = [...c.sent].sort((a, b) => b.text.length - a.text.length)[0]!;
            const replay = await c.sql.reserve();
            let m: Record<'raw' | 'list' | 'listSizes' | 'treeQuery' | 'plan', Measured>;
            try {
              await replay.unsafe(READ_SETTINGS);
              m = await measureInterleaved(c, repeats, {
                raw: () => c.sql.unsafe(RAW_QUERY),
                list: () => listPartitions(c.sql, t),
                listSizes: () => listPartitions(c.sql, t, { sizes: true }),
                treeQuery: () => replay.unsafe(tree.text, tree.params as never[]),
                plan: () => plan(c.sql, [t], { now }),
              });
            } finally {
              replay.release();
            }
            const { raw, list, listSizes, treeQuery, plan: planned } = m;
            const p = await plan(c.sql, [t], { now });
            const table = p.tables[0]!;
            ctx.log(`  ${n} partitions: resident memory of one call in a process of its own`);
            const planRssMb = await residentMb(built.index, db.url, 'plan', premake);
            const listRssMb = await residentMb(built.index, db.url, 'list', premake);
            return { n, setupMs: setup.ms, raw, list, listSizes, treeQuery, plan: planned, planRssMb, listRssMb, ops: table.ops.length, problems: table.problems.map((x) => x.code) };
          } finally {
            await c.sql.end();
          }
        }),
      );
    }
  } finally {
    await built.remove();
  }

  const header = ['', ...results.flatMap((r) => [`${r.n.toLocaleString('en-US')} partitions: ms`, 'round trips', 'ratio to raw query'])];
  const line = (label: string, pick: (r: (typeof results)[number]) => Measured): Cell[] => [
    label,
    ...results.flatMap((r) => [fmt(pick(r).ms), pick(r).roundTrips, ratio(pick(r).ms, r.raw.ms)]),
  ];
  const rows = [
    line('raw catalog query (floor)', (r) => r.raw),
    line('listPartitions()', (r) => r.list),
    line('listPartitions({ sizes: true })', (r) => r.listSizes),
    line('  its catalog query alone (replayed)', (r) => r.treeQuery),
    line('plan()', (r) => r.plan),
  ];
  const memory = mdTable(
    ['resident memory, one call in a plain Node process of its own importing the built package (MB, Node included)', ...results.map((r) => `${r.n.toLocaleString('en-US')} partitions`)],
    [
      ['plan()', ...results.map((r) => fmt(r.planRssMb, 0))],
      ['listPartitions()', ...results.map((r) => fmt(r.listRssMb, 0))],
    ],
  );

  const big = results[results.length - 1]!;
  const small = results[0]!;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  // Each measured call follows a warm-up on the same client, which learnt the server
  // version: every statement counted is the call's own work.
  const work = (m: Measured) => m.roundTrips;
  const goals: Cell[][] = [
    [`plan() round trips after the connection is set up (${big.n.toLocaleString('en-US')} partitions)`, `${WORK_ROUND_TRIPS}`, `${work(big.plan)} (the settings and the catalog statement in one message; nothing sent to give the connection back)`, met(work(big.plan) <= WORK_ROUND_TRIPS)],
    [`plan() ÷ raw catalog query (${big.n.toLocaleString('en-US')} partitions)`, `≤ ${fmt(MAX_RATIO, 1)}×`, ratio(big.plan.ms, big.raw.ms), met(big.plan.ms <= MAX_RATIO * big.raw.ms)],
    [`listPartitions() ÷ raw catalog query (${big.n.toLocaleString('en-US')} partitions)`, `≤ ${fmt(MAX_RATIO, 1)}×`, ratio(big.list.ms, big.raw.ms), met(big.list.ms <= MAX_RATIO * big.raw.ms)],
    [`plan() resident memory (${big.n.toLocaleString('en-US')} partitions)`, `< ${MAX_RSS_MB} MB`, `${fmt(big.planRssMb, 0)} MB`, met(big.planRssMb < MAX_RSS_MB)],
    [`listPartitions() resident memory (${big.n.toLocaleString('en-US')} partitions)`, `< ${MAX_RSS_MB} MB`, `${fmt(big.listRssMb, 0)} MB`, met(big.listRssMb < MAX_RSS_MB)],
  ];
  if (big !== small) {
    const growth = (pick: (r: (typeof results)[number]) => Measured) => pick(big).ms / pick(small).ms;
    const rawGrowth = growth((r) => r.raw);
    const sizes = `${small.n.toLocaleString('en-US')} → ${big.n.toLocaleString('en-US')} partitions`;
    goals.push(
      [`plan() growth, ${sizes}`, `≤ the raw query's (${fmt(rawGrowth, 1)}×)`, `${fmt(growth((r) => r.plan), 1)}×`, met(growth((r) => r.plan) <= rawGrowth)],
      [`listPartitions() growth, ${sizes}`, `≤ the raw query's (${fmt(rawGrowth, 1)}×)`, `${fmt(growth((r) => r.list), 1)}×`, met(growth((r) => r.list) <= rawGrowth)],
    );
  }
  const notes = results.map(
    (r) =>
      `${r.n} partitions: plan found ${r.ops} operation(s) to do${r.problems.length ? ` and problems ${[...new Set(r.problems)].join(', ')}` : ', no problem'}; setting the parent up (raw SQL, 250 per transaction) took ${fmt(r.setupMs / 1000)} s.`,
  );
  if (big !== small) {
    const growth = (pick: (r: (typeof results)[number]) => number) => fmt(pick(big) / pick(small), 1);
    notes.push(
      `From ${small.n} to ${big.n} partitions (${fmt(big.n / small.n, 1)}× as many): raw query ${growth((r) => r.raw.ms)}×, listPartitions ${growth((r) => r.list.ms)}× (with sizes ${growth((r) => r.listSizes.ms)}×), its catalog query ${growth((r) => r.treeQuery.ms)}×, plan ${growth((r) => r.plan.ms)}× the time.`,
    );
  }
  return {
    title: `2. Plan at scale: plan() and listPartitions() on ${ctx.sizes.planSizes.join(' and ')} partitions`,
    intro: [
      `A parent with N daily partitions (premake ${premake}, all of them there) and an empty default partition; median of ${ctx.sizes.planRepeats} calls after one warm-up, the contestants taking turns (each round runs each once, in an order rotated every round). ` +
        'Round trips counted with postgres.js `debug` (one call after a warm-up; one per message sent: nothing is pipelined, and a message may carry several statements). The floor is one catalog query of the partitions and their bounds. ' +
        'Sizes (pg_total_relation_size per partition) are read only when asked for (`{ sizes: true }`; the CLI `status` asks).',
    ],
    tables: [mdTable(['goal (issue 15)', 'goal', 'measured', ''], goals), mdTable(header, rows), memory],
    notes,
    ms: performance.now() - t0,
  };
}
