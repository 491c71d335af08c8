/**
 * The benchmarks: drizzle-partitions against pg_partman and raw SQL, side by side in
 * one run on one server, reported as ratios.
 *
 *   npm run bench                 # full sizes (about 30 minutes at most on 2 cores)
 *   npm run bench -- --quick      # small sizes (a few minutes)
 *   npm run bench -- --help       # sizes, --url, --only
 *
 * Runs on the PostgreSQL server at 127.0.0.1:5432 (user postgres) unless --url says
 * otherwise, each scenario in fresh scratch databases dropped afterwards. Installs
 * nothing: when the server lacks pg_partman, its column is skipped and the report says
 * how to install it (Debian's postgresql-<major>-partman) before a re-run.
 * Prints markdown and writes it to bench/results/latest.md with the machine,
 * PostgreSQL version and settings, and the sizes used.
 *
 * Benchmarks are not tests: nothing here is asserted by `npm test`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { redactUrl } from '../test/harness/client.js';
import {
  client,
  findPartman,
  fmt,
  loadNow,
  machineFacts,
  parseOptions,
  serverFacts,
  USAGE,
  type Ctx,
  type Section,
} from './lib.js';
import { createAhead } from './scenarios/create-ahead.js';
import { planAtScale } from './scenarios/plan-scale.js';
import { writerStall } from './scenarios/writer-stall.js';
import { defaultMoveOut } from './scenarios/move-out.js';
import { postprocessCost } from './scenarios/postprocess.js';
import { liveWorkload } from './scenarios/live-workload.js';
import { concurrentIndex } from './scenarios/concurrent-index.js';
import { convertCopy } from './scenarios/convert-copy.js';

const SCENARIOS: { n: number; name: string; run: (ctx: Ctx) => Promise<Section> }[] = [
  { n: 1, name: 'create ahead', run: createAhead },
  { n: 2, name: 'plan at scale', run: planAtScale },
  { n: 3, name: 'writer stall', run: writerStall },
  { n: 4, name: 'default move-out', run: defaultMoveOut },
  { n: 5, name: 'post-processing cost', run: postprocessCost },
  { n: 6, name: 'live workload', run: liveWorkload },
  { n: 7, name: 'index on a live partitioned table', run: concurrentIndex },
  { n: 8, name: 'online conversion copy', run: convertCopy },
];

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const opts = parsed;
  const log = (line: string) => console.error(line);
  const started = new Date();
  const t0 = performance.now();
  const loadAtStart = loadNow();

  const admin = client(opts.url, 1);
  let ctx: Ctx;
  try {
    const facts = await serverFacts(admin);
    const partman = await findPartman(admin, facts);
    ctx = { opts, sizes: opts.sizes, facts, partman, log };
  } catch (e) {
    console.error(`bench: cannot use the server at ${redactUrl(opts.url)}: ${(e as Error).message}`);
    await admin.end().catch(() => undefined);
    return 2;
  } finally {
    await admin.end().catch(() => undefined);
  }
  log(`bench (${opts.quick ? 'quick' : 'full'}) on PostgreSQL ${ctx.facts.version}; ${ctx.partman.note}`);

  const sections: Section[] = [];
  const failures: string[] = [];
  for (const s of SCENARIOS) {
    if (opts.only.size > 0 && !opts.only.has(s.n)) continue;
    const load = loadNow();
    log(`scenario ${s.n}: ${s.name} (load ${load})`);
    try {
      const section = await s.run(ctx);
      section.load = load;
      sections.push(section);
      log(`  done in ${fmt(section.ms / 1000)} s`);
    } catch (e) {
      const msg = `scenario ${s.n} (${s.name}) failed: ${(e as Error).stack ?? e}`;
      log(`  ${msg}`);
      failures.push(msg);
      sections.push({ title: `${s.n}. ${s.name}`, intro: [], tables: [], notes: [`FAILED: ${(e as Error).message}`], ms: 0 });
    }
  }

  const m = machineFacts();
  const z = opts.sizes;
  const totalS = (performance.now() - t0) / 1000;
  const header = [
    `# drizzle-partitions benchmarks (${opts.quick ? 'quick' : 'full'} run)`,
    '',
    `- date: ${started.toISOString()}; the run took ${fmt(totalS / 60, 1)} min`,
    `- machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memory}, ${m.os}, Node ${m.node}; load average (1/5/15 min) ${loadAtStart} at start, ${loadNow()} at the end`,
    `- PostgreSQL ${ctx.facts.version} at ${redactUrl(opts.url).replace(/\/[^/]*$/, '')}; ${Object.entries(ctx.facts.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `- pg_partman: ${ctx.partman.note}`,
    `- sizes: create ahead ${z.createPartitions} partitions (median of ${z.createRepeats}); plan at scale ${z.planSizes.join(' and ')} partitions (median of ${z.planRepeats}); ` +
      `writer stall ${z.stallRows.toLocaleString('en-US')} rows, ${z.stallCreate} partitions created, ${z.stallRetire} retired; ` +
      `move-out ${z.moveRows.toLocaleString('en-US')} rows; post-processing ${z.tables} tables of which ${z.partitionedTables} partitioned (median of ${z.generateRuns}); ` +
      `live workload ${z.liveDays} days of ${z.liveRowsPerDay.toLocaleString('en-US')} rows beside ${z.liveFarRows.toLocaleString('en-US')} far-future rows in the default partition; ` +
      `index on a live table ${z.indexRows.toLocaleString('en-US')} rows`,
    `- ratios are ours ÷ baseline, measured in this run on this server: above 1× we are slower (or stall longer), below 1× faster. Scenarios ${
      opts.only.size ? [...opts.only].sort((a, b) => a - b).join(', ') : `1–${SCENARIOS.length}`
    } ran.`,
  ];
  const body = sections.map((s) => [`## ${s.title}`, '', ...s.intro.flatMap((l) => [l, '']), ...s.tables.flatMap((t) => [t, '']), ...s.notes.map((n) => `- ${n}`), s.notes.length ? '' : null, `(${fmt(s.ms / 1000)} s${s.load ? `; load average ${s.load} when it started` : ''})`].filter((x) => x !== null).join('\n'));
  const markdown = `${[header.join('\n'), ...body].join('\n\n')}\n`;
  console.log(markdown);

  const out = resolve(opts.out);
  // A run of some scenarios (--only) replaces their sections in the report and keeps the others.
  const report =
    opts.only.size > 0 && existsSync(out)
      ? mergeSections(readFileSync(out, 'utf8'), sections, `(Run alone on ${started.toISOString().slice(0, 10)} with \`--only ${[...opts.only].sort((a, b) => a - b).join(',')}\`${opts.quick ? ' --quick' : ''}, PostgreSQL ${ctx.facts.version}, ${m.cpus} CPUs, load average ${loadAtStart} at start; the other sections are from other runs.)`, body)
      : markdown;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, report);
  renameSync(tmp, out);
  log(`written to ${out} (${fmt(totalS)} s)`);
  return failures.length ? 1 : 0;
}

/**
 * The report `existing` with the sections of `ran` (rendered as `bodies`) in place of
 * its sections of the same number, each under `note`; a section it lacks is added in
 * its scenario's order.
 */
function mergeSections(existing: string, ran: readonly Section[], note: string, bodies: readonly string[]): string {
  const parts = existing.replace(/\n+$/, '').split(/\n(?=## \d+\. )/);
  const numberOf = (text: string) => Number(/^## (\d+)\. /.exec(text)?.[1] ?? NaN);
  const [head, ...old] = parts;
  const byNumber = new Map(old.map((p) => [numberOf(p), p.replace(/\n+$/, '')]));
  ran.forEach((s, i) => {
    const [title, ...rest] = bodies[i]!.split('\n');
    byNumber.set(numberOf(`## ${s.title}`), [title, '', note, ...rest].join('\n'));
  });
  return `${[head!.replace(/\n+$/, ''), ...[...byNumber.entries()].sort(([a], [b]) => a - b).map(([, text]) => text)].join('\n\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
