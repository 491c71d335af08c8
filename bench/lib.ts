/**
 * Shared pieces of the benchmarks (bench/run.ts): options and sizes, timing,
 * percentiles, a round-trip counter, the single-row writer whose latency the
 * stall scenarios measure, scratch databases, pg_partman, and markdown tables.
 *
 * Benchmarks are not tests: nothing here is asserted by `npm test`.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import { createScratchDatabase, databaseFromUrl, type ScratchDatabase } from '../test/harness/client.js';

export type Sql = postgres.Sql<{}>;

// ---------------------------------------------------------------------------------
// Options

/** Every size a scenario uses; `--quick` and the flags below change them. */
export interface Sizes {
  /** Scenario 1: daily partitions created ahead on an empty parent. */
  createPartitions: number;
  /** Scenario 1: runs of each contestant (the median is reported). */
  createRepeats: number;
  /** Scenario 2: partition counts of the parents plan() and listPartitions() read. */
  planSizes: number[];
  /** Scenario 2: timed calls per measurement (after one warm-up); the median is reported. */
  planRepeats: number;
  /** Scenario 3: rows in the default partition's future range. */
  stallRows: number;
  /** Scenario 3: partitions created ahead (the rows are spread over them). */
  stallCreate: number;
  /** Scenario 3: old partitions retired. */
  stallRetire: number;
  /** Scenario 4: rows moved out of the default partition. */
  moveRows: number;
  /** Scenario 5: tables in the schema, and how many of them are partitioned. */
  tables: number;
  partitionedTables: number;
  /** Scenario 5: runs of each command (the median is reported). */
  generateRuns: number;
  /** Scenario 6: days of workload rows in the default partition (maintenance creates one a step). */
  liveDays: number;
  /** Scenario 6: workload rows per day (seeded: the readers' baseline and the writers' pools). */
  liveRowsPerDay: number;
  /** Scenario 6: untracked far-future rows in the default partition, which every ATTACH reads. */
  liveFarRows: number;
  /** Scenario 7: rows of the table an index is built on. */
  indexRows: number;
}

export const FULL_SIZES: Sizes = {
  createPartitions: 1000,
  createRepeats: 7,
  planSizes: [1000, 10_000],
  planRepeats: 15,
  stallRows: 1_000_000,
  stallCreate: 7,
  stallRetire: 7,
  moveRows: 1_000_000,
  tables: 200,
  partitionedTables: 50,
  generateRuns: 3,
  liveDays: 10,
  liveRowsPerDay: 20_000,
  liveFarRows: 500_000,
  indexRows: 1_000_000,
};

export const QUICK_SIZES: Sizes = {
  createPartitions: 200,
  createRepeats: 1,
  planSizes: [1000, 2000],
  planRepeats: 3,
  stallRows: 100_000,
  stallCreate: 7,
  stallRetire: 7,
  moveRows: 100_000,
  tables: 60,
  partitionedTables: 15,
  generateRuns: 1,
  liveDays: 5,
  liveRowsPerDay: 5_000,
  liveFarRows: 100_000,
  indexRows: 100_000,
};

export interface BenchOptions {
  quick: boolean;
  /** Admin URL of the server (a role that may create databases). */
  url: string;
  /** Scenario numbers to run (all when empty). */
  only: Set<number>;
  /** Where the markdown goes (default bench/results/latest.md). */
  out: string;
  sizes: Sizes;
}

export const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const USAGE = `npm run bench [-- options]

  --quick                 small sizes (a few minutes): 200 partitions, 100k rows, 1k/2k plan sizes, 60 tables, 5 live days of 5k rows
  --url <url>             server to run on (default ${DEFAULT_URL}); scratch databases are created and dropped there
  --only <1,2,...>        run only these scenarios (1 create ahead, 2 plan at scale, 3 writer stall, 4 default move-out,
                          5 post-processing, 6 live workload, 7 index on a live partitioned table,
                          8 online conversion copy)
  --out <file>            write the markdown here (default bench/results/latest.md; with --only, the scenarios that ran
                          replace their sections there and the others are kept)

  pg_partman is never installed by the bench: when the server lacks it, scenario 1's pg_partman column is skipped
  and the report says how to install it (Debian: apt-get install postgresql-<major>-partman), to re-run after.
  sizes (override --quick or the full defaults):
  --partitions <n>        scenario 1: partitions created ahead (full 1000)
  --create-repeats <n>    scenario 1: runs of each contestant, median reported (full 3)
  --plan-sizes <n,n>      scenario 2: partitions per parent (full 1000,10000)
  --plan-repeats <n>      scenario 2: rounds of timed calls, each contestant once a round (full 9)
  --stall-rows <n>        scenario 3: rows in the default partition's future range (full 1000000)
  --stall-create <n>      scenario 3: partitions created ahead (full 7)
  --stall-retire <n>      scenario 3: partitions retired (full 7)
  --move-rows <n>         scenarios 4 and 8: rows moved out of the default partition / copied by a conversion (full 1000000)
  --tables <n>            scenario 5: tables in the schema (full 200)
  --partitioned <n>       scenario 5: of which partitioned (full 50)
  --generate-runs <n>     scenario 5: runs of each command (full 3)
  --live-days <n>         scenario 6: days of workload rows in the default partition, one created per step (full 10)
  --live-rows-per-day <n> scenario 6: workload rows per day (full 20000)
  --live-far-rows <n>     scenario 6: untracked far-future rows in the default partition, read by every ATTACH (full 500000)
  --index-rows <n>        scenario 7: rows of the live table an index is built on (full 1000000)`;

/** Parses the command line (after `npm run bench --`). Throws with a sentence on a bad flag. */
export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const quick = args.includes('--quick');
  const sizes: Sizes = { ...(quick ? QUICK_SIZES : FULL_SIZES) };
  const opts: BenchOptions = { quick, url: DEFAULT_URL, only: new Set(), out: 'bench/results/latest.md', sizes };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, got ${JSON.stringify(v)}`);
    return n;
  };
  const sizeFlags: Record<string, (v: string) => void> = {
    '--partitions': (v) => (sizes.createPartitions = int('--partitions', v)),
    '--create-repeats': (v) => (sizes.createRepeats = int('--create-repeats', v)),
    '--plan-sizes': (v) => (sizes.planSizes = v.split(',').map((x) => int('--plan-sizes', x))),
    '--plan-repeats': (v) => (sizes.planRepeats = int('--plan-repeats', v)),
    '--stall-rows': (v) => (sizes.stallRows = int('--stall-rows', v)),
    '--stall-create': (v) => (sizes.stallCreate = int('--stall-create', v)),
    '--stall-retire': (v) => (sizes.stallRetire = int('--stall-retire', v)),
    '--move-rows': (v) => (sizes.moveRows = int('--move-rows', v)),
    '--tables': (v) => (sizes.tables = int('--tables', v)),
    '--partitioned': (v) => (sizes.partitionedTables = int('--partitioned', v)),
    '--generate-runs': (v) => (sizes.generateRuns = int('--generate-runs', v)),
    '--live-days': (v) => (sizes.liveDays = int('--live-days', v)),
    '--live-rows-per-day': (v) => (sizes.liveRowsPerDay = int('--live-rows-per-day', v)),
    '--live-far-rows': (v) => (sizes.liveFarRows = int('--live-far-rows', v)),
    '--index-rows': (v) => (sizes.indexRows = int('--index-rows', v)),
  };
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    if (raw === '--quick') continue;
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      const v = eq > 0 ? raw.slice(eq + 1) : args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--url') opts.url = value();
    else if (flag === '--out') opts.out = value();
    else if (flag === '--only') for (const x of value().split(',')) opts.only.add(int('--only', x));
    else if (flag in sizeFlags) sizeFlags[flag]!(value());
    else throw new Error(`unknown option ${raw} (see --help)`);
  }
  if (sizes.partitionedTables > sizes.tables) throw new Error('--partitioned cannot exceed --tables');
  return opts;
}

// ---------------------------------------------------------------------------------
// Timing and statistics

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs fn and returns its value with the wall time in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

// ---------------------------------------------------------------------------------
// Connections

/**
 * A postgres.js pool whose round trips are counted: postgres.js calls `debug` once
 * per query it sends (each is one round trip: we never pipeline).
 */
export interface CountedSql {
  sql: Sql;
  /** Queries sent since the last reset(). */
  readonly count: number;
  reset(): void;
  /** The statements sent since the last reset() (text and parameters), in order. */
  readonly sent: { text: string; params: unknown[] }[];
  /** Runs fn and returns its value, wall time and round trips. */
  measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; roundTrips: number }>;
}

export function countedClient(url: string, max = 2): CountedSql {
  let n = 0;
  let sent: { text: string; params: unknown[] }[] = [];
  const database = databaseFromUrl(url);
  const debug = (_connection: number, text: string, params: unknown[]) => {
    n++;
    if (sent.length < 100_000) sent.push({ text, params });
  };
  const sql = postgres(url, { ...(database ? { database } : {}), max, onnotice: () => {}, idle_timeout: 20, debug });
  return {
    sql,
    get count() {
      return n;
    },
    get sent() {
      return sent;
    },
    reset() {
      n = 0;
      sent = [];
    },
    async measure(fn) {
      n = 0;
      sent = [];
      const { value, ms } = await timed(fn);
      return { value, ms, roundTrips: n };
    },
  };
}

/** A plain postgres.js client (notices silenced). */
export function client(url: string, max = 1): Sql {
  const database = databaseFromUrl(url);
  return postgres(url, { ...(database ? { database } : {}), max, onnotice: () => {}, idle_timeout: 20 });
}

/**
 * Scratch databases kept until {@link ScratchKeeper.dropAll}, for runs that make many
 * files: dropping a database deletes its files, and for a while after, ext4 without a
 * journal (this machine's) looks at each freed inode whenever it makes a file, so a run
 * made right after another's drop paid up to twice as long for the same tables
 * (bench/README.md, "Where create ahead spends its time").
 */
export interface ScratchKeeper {
  /** A fresh scratch database, given to fn and kept. */
  use<T>(fn: (db: ScratchDatabase) => Promise<T>): Promise<T>;
  /** Drops every database {@link use} made. */
  dropAll(): Promise<void>;
}

/** A {@link ScratchKeeper} on the server of `adminUrl`. */
export function scratchKeeper(adminUrl: string): ScratchKeeper {
  const kept: ScratchDatabase[] = [];
  return {
    async use(fn) {
      const db = await createScratchDatabase(adminUrl, { prefix: 'dp_bench' });
      kept.push(db);
      return fn(db);
    },
    async dropAll() {
      for (const db of kept.splice(0)) await db.drop().catch((e) => console.error(`  (could not drop ${db.name}: ${(e as Error).message})`));
    },
  };
}

/**
 * A fresh scratch database on the server, given to fn and dropped afterwards
 * (also when fn throws).
 */
export async function withScratch<T>(adminUrl: string, fn: (db: ScratchDatabase) => Promise<T>): Promise<T> {
  const dbs = scratchKeeper(adminUrl);
  try {
    return await dbs.use(fn);
  } finally {
    await dbs.dropAll();
  }
}

/** `CHECKPOINT` (so one measurement does not pay for the previous one's dirty buffers); ignored without the right. */
export async function checkpoint(sql: Sql): Promise<void> {
  await sql.unsafe('CHECKPOINT').catch(() => undefined);
}

// ---------------------------------------------------------------------------------
// The writer

export interface WriterResult {
  /** Latency of each successful insert, ms. */
  latencies: number[];
  /** Inserts that failed, and their error codes (SQLSTATE or message) with counts. */
  failed: number;
  errors: Map<string, number>;
  /** How long the writer ran, ms. */
  ms: number;
  /** When the slowest insert started, ms since the epoch (see {@link epochNow}). */
  slowestAt: number;
}

export interface WriterHandle {
  /** Ask the writer to stop `tailMs` from now; resolves with its result once it has. */
  stop(tailMs?: number): Promise<WriterResult>;
}

/** What the writer inserts: rows into `table` with key `at` and ids from `idBase` on. */
export interface WriterSpec {
  table: string;
  /** The key of every row (a timestamptz literal). */
  at: string;
  idBase: number;
  /** Stop after this long whatever happens (default 10 minutes). */
  maxMs?: number;
}

/**
 * Starts a writer on its own connection, in a worker thread of its own (so our
 * maintenance's JavaScript on this thread cannot delay it): single-row INSERTs
 * into `table`, one after another, each timed with performance.now(). It stops by
 * itself `tailMs` after stop() is called, or after `maxMs` whatever happens (a
 * bounded loop). Failed inserts are counted and kept by error code, never hidden.
 * Resolves once the connection is up and a first insert went through.
 */
export async function startWriter(url: string, spec: WriterSpec): Promise<WriterHandle> {
  const worker = new Worker(new URL('./writer-worker.mjs', import.meta.url), {
    workerData: { url, database: databaseFromUrl(url), table: spec.table, at: spec.at, idBase: spec.idBase, maxMs: spec.maxMs ?? 600_000 },
  });
  let ready: () => void;
  let failed: (e: unknown) => void;
  const isReady = new Promise<void>((res, rej) => ((ready = res), (failed = rej)));
  const done = new Promise<WriterResult>((res, rej) => {
    worker.on('message', (m: { ready?: true; latencies?: Float64Array; failed?: number; errors?: [string, number][]; ms?: number; slowestAt?: number }) => {
      if (m.ready) ready();
      else if (m.latencies) res({ latencies: Array.from(m.latencies), failed: m.failed ?? 0, errors: new Map(m.errors ?? []), ms: m.ms ?? 0, slowestAt: m.slowestAt ?? 0 });
    });
    worker.on('error', (e) => (failed(e), rej(e)));
    worker.on('exit', (code) => rej(new Error(`the writer exited (code ${code}) without a result`)));
  });
  done.catch(() => undefined);
  await isReady;
  return {
    stop(tailMs = 500) {
      worker.postMessage({ stop: tailMs });
      return done.finally(() => void worker.terminate());
    },
  };
}

/** Runs `work` while a writer inserts; the writer starts `leadMs` before it and stops `tailMs` after. */
export async function underWriter<T>(
  url: string,
  writer: WriterSpec,
  work: () => Promise<T>,
  { leadMs = 300, tailMs = 500 } = {},
): Promise<{ value: T; ms: number; writer: WriterResult }> {
  const w = await startWriter(url, writer);
  await sleep(leadMs);
  let result: { value: T; ms: number };
  try {
    result = await timed(work);
  } catch (e) {
    await w.stop(0);
    throw e;
  }
  return { ...result, writer: await w.stop(tailMs) };
}

/** A writer alone for `ms` (the no-maintenance baseline). */
export async function writerAlone(url: string, writer: WriterSpec, ms: number): Promise<WriterResult> {
  const w = await startWriter(url, writer);
  await sleep(ms);
  return w.stop(0);
}

/** Now, in ms since the epoch with sub-ms precision, comparable with the writer thread's. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * What the maintenance was doing at a moment: a log of steps (each marked when it
 * began), read back as the step under way at `at`.
 */
export class StepLog {
  readonly steps: { at: number; what: string }[] = [];
  mark(what: string): void {
    this.steps.push({ at: epochNow(), what });
  }
  /** The step under way at `at` ('before maintenance' when none had begun). */
  at(at: number): string {
    let found = 'before maintenance';
    for (const s of this.steps) if (s.at <= at) found = s.what;
    return found;
  }
}

export function writerStats(w: WriterResult) {
  return {
    p50: percentile(w.latencies, 50),
    p99: percentile(w.latencies, 99),
    max: w.latencies.length ? w.latencies.reduce((a, b) => (b > a ? b : a), Number.NEGATIVE_INFINITY) : Number.NaN,
    inserts: w.latencies.length,
    failed: w.failed,
    perSecond: (w.latencies.length / w.ms) * 1000,
    errors: [...w.errors].map(([code, n]) => `${code} ×${n}`).join(', '),
  };
}

// ---------------------------------------------------------------------------------
// Dates (UTC day grid, as the runtime's daily slots)

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day holding `d`, moved by `days`. */
export function utcDay(d: Date, days = 0): Date {
  return new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS + days * DAY_MS);
}

/** `2026-01-01 00:00:00+00` */
export function tsLiteral(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}+00`;
}

/** `20260101` (the runtime's daily partition name fragment). */
export function dayFragment(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

// ---------------------------------------------------------------------------------
// The server and pg_partman

export interface ServerFacts {
  version: string;
  versionNum: number;
  settings: Record<string, string>;
}

export const REPORTED_SETTINGS = ['shared_buffers', 'max_wal_size', 'fsync', 'synchronous_commit', 'wal_level', 'work_mem', 'max_locks_per_transaction', 'max_connections'];

export async function serverFacts(sql: Sql): Promise<ServerFacts> {
  const [v] = await sql<{ version: string; num: string }[]>`select current_setting('server_version') as version, current_setting('server_version_num') as num`;
  const rows = await sql<{ name: string; setting: string }[]>`select name, current_setting(name) as setting from pg_settings where name = any(${REPORTED_SETTINGS})`;
  return { version: v!.version, versionNum: Number(v!.num), settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
}

export interface PartmanStatus {
  available: boolean;
  version?: string;
  /** Found (and its version), or why it is not there and how to install it. */
  note: string;
}

/**
 * Whether the server offers pg_partman. A benchmark installs nothing: when the server
 * lacks it, the pg_partman columns are skipped and the note says how to install it
 * (Debian's `postgresql-<major>-partman`, on the server's machine) before a re-run.
 */
export async function findPartman(sql: Sql, facts: ServerFacts): Promise<PartmanStatus> {
  const [row] = await sql<{ v: string }[]>`select default_version as v from pg_available_extensions where name = 'pg_partman'`;
  if (row?.v) return { available: true, version: row.v, note: `pg_partman ${row.v} is available on the server` };
  const major = Math.floor(facts.versionNum / 10000);
  return {
    available: false,
    note:
      `pg_partman is not available on the server, so the pg_partman column is skipped (not run). To include it, install it on the ` +
      `server's machine (on Debian, as root: \`apt-get install postgresql-${major}-partman\`), then re-run the bench`,
  };
}

/** `CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;` in a scratch database. */
export async function createPartman(sql: Sql): Promise<void> {
  await sql.unsafe('CREATE SCHEMA IF NOT EXISTS partman');
  await sql.unsafe('CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman');
}

// ---------------------------------------------------------------------------------
// Machine

export function machineFacts(): { cpus: number; cpuModel: string; memory: string; load: string; node: string; os: string } {
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  return {
    cpus,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB (${(os.freemem() / 2 ** 30).toFixed(1)} GiB free)`,
    load: loadNow(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

export function loadNow(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}

// ---------------------------------------------------------------------------------
// Output

export type Cell = string | number | undefined;

/** A number for a table cell: ms with one decimal under 100, none above; '—' for missing. */
export function fmt(v: number | undefined, digits?: number): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return '∞';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** `ours / baseline` as `1.23×`; '—' when either is missing or the baseline is 0. */
export function ratio(ours: number | undefined, base: number | undefined): string {
  if (ours === undefined || base === undefined || Number.isNaN(ours) || Number.isNaN(base) || base === 0) return '—';
  return `${fmt(ours / base, ours / base >= 100 ? 0 : 2)}×`;
}

export function mdTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = (r: readonly Cell[]) => `| ${r.map((c) => String(c ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`;
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [cells(header), cells(align), ...rows.map(cells)].join('\n');
}

/** One scenario's part of the report. */
export interface Section {
  title: string;
  /** Lines printed before the table (what was measured, sizes). */
  intro: string[];
  tables: string[];
  /** Lines after the tables (verifications, skipped columns, observations). */
  notes: string[];
  ms: number;
  /** Load average (1 / 5 / 15 min) when the scenario started (set by run.ts). */
  load?: string;
}

/** What every scenario is given. */
export interface Ctx {
  opts: BenchOptions;
  sizes: Sizes;
  facts: ServerFacts;
  partman: PartmanStatus;
  /** Progress to stderr (the report goes to stdout). */
  log: (line: string) => void;
}
