/**
 * Helpers for the lock-safety and crash suites: a writer that inserts on its own
 * connection and times every insert, a transaction kept open on another connection,
 * bounded polling, small date helpers.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { quoteQualified, type QualifiedName } from '../../src/sql/quote.js';
import { connect, databaseFromUrl, type Sql } from '../harness/client.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A postgres.js client with a `debug` hook (every statement it builds, before sending). */
export function clientWithDebug(url: string, max: number, onQuery: (text: string) => void, applicationName?: string): Sql {
  const database = databaseFromUrl(url);
  return postgres(url, {
    ...(database ? { database } : {}),
    max,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 20,
    ...(applicationName ? { connection: { application_name: applicationName } } : {}),
    debug: (_connection, text) => onQuery(text),
  });
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface InsertSample {
  /** performance.now() when the insert was sent. */
  start: number;
  ms: number;
}

export interface Writer {
  readonly samples: InsertSample[];
  readonly errors: unknown[];
  /** Ids of the rows inserted successfully. */
  readonly inserted: number[];
  /** Stops the loop after the insert in flight and closes the connection. */
  stop(): Promise<void>;
}

/**
 * Inserts one row per statement (autocommit) into `table` in a loop, on a connection
 * of its own, timing each insert. `at()` gives each row's key. The loop ends on
 * `stop()` or after `maxMs`, whichever comes first.
 */
export async function startWriter(url: string, table: QualifiedName, at: (i: number) => Date, opts: { firstId: number; maxMs?: number }): Promise<Writer> {
  const sql = connect(url, { max: 1 });
  await sql`select 1`; // connected before the clock starts
  const samples: InsertSample[] = [];
  const errors: unknown[] = [];
  const inserted: number[] = [];
  const text = `insert into ${quoteQualified(table)} (id, at, payload) values ($1::int8, $2::timestamptz, 'writer')`;
  let stopped = false;
  const deadline = Date.now() + (opts.maxMs ?? 30_000);
  const loop = (async () => {
    for (let i = 0; !stopped && Date.now() < deadline; i++) {
      const id = opts.firstId + i;
      const start = performance.now();
      try {
        await sql.unsafe(text, [id, at(i).toISOString()]);
        inserted.push(id);
      } catch (e) {
        errors.push(e);
      }
      samples.push({ start, ms: performance.now() - start });
    }
  })();
  return {
    samples,
    errors,
    inserted,
    async stop() {
      stopped = true;
      await loop;
      await sql.end({ timeout: 5 });
    },
  };
}

/** The inserts that overlapped [from, to] (performance.now() times), with their max and p99. */
export function latencyDuring(samples: readonly InsertSample[], from: number, to: number): { n: number; max: number; p99: number; p50: number } {
  const ms = samples
    .filter((s) => s.start <= to && s.start + s.ms >= from)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const at = (q: number) => (ms.length === 0 ? 0 : ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!);
  return { n: ms.length, max: ms.length ? ms[ms.length - 1]! : 0, p99: at(0.99), p50: at(0.5) };
}

export interface Holder {
  readonly pid: number;
  /** Runs one more statement inside the open transaction. */
  run(text: string): Promise<unknown>;
  /** Ends the transaction (COMMIT) and closes the connection. */
  end(): Promise<void>;
}

/** Opens a transaction on a connection of its own (`BEGIN` + `statements`) and keeps it open. */
export async function holdTransaction(url: string, statements: string[], begin = 'BEGIN'): Promise<Holder> {
  const sql = connect(url, { max: 1 });
  const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  await sql.unsafe(begin);
  for (const s of statements) await sql.unsafe(s);
  let ended = false;
  return {
    pid: row!.pid,
    run: (text) => sql.unsafe(text),
    async end() {
      if (ended) return;
      ended = true;
      await sql.unsafe('COMMIT').catch(() => undefined);
      await sql.end({ timeout: 5 });
    },
  };
}

/** Days after `d` (UTC, exact 24 h steps). */
export function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * 86_400_000);
}

/** `name_pYYYYMMDD`, the name maintenance gives a daily partition. */
export function dayName(table: string, d: Date): string {
  return `${table}_p${d.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The line test/support/crash-child.ts prints when it begins apply(). */
export const APPLYING = 'applying';
/** Exit code of test/support/crash-child.ts when it crashed where it was told to. */
export const CRASHED = 42;
/** application_name of the crash child's connections, to find its backends. */
export const CHILD_APPLICATION_NAME = 'dp-crash-child';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How a crash child ended. */
export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs test/support/crash-child.ts (or `script`, e.g. convert-child.ts) on `url` with `args` (see its header); kills it
 * after `timeoutMs`. `applying` resolves true once it has begun apply() (false if it
 * ended before); `kill()` is `kill -9`.
 */
export function runCrashChild(url: string, args: Record<string, unknown>, timeoutMs = 30_000, script = CHILD): { pid: number; applying: Promise<boolean>; kill(): void; done: Promise<ChildRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ url, ...args })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let began: (v: boolean) => void = () => {};
  const applying = new Promise<boolean>((r) => (began = r));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.split('\n').includes(APPLYING)) began(true);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ChildRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      began(false);
      // 'exit' may come before the pipes are drained
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { pid: child.pid!, applying, kill: () => void child.kill('SIGKILL'), done };
}

/** Waits until the crash child's backends are gone (their transactions rolled back, their session advisory locks released). */
export async function crashChildGone(sql: Sql): Promise<void> {
  await waitUntil("the crashed maintainer's backends to exit", async () => {
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${CHILD_APPLICATION_NAME} and datname = current_database()`;
    return r!.n === 0;
  });
}
