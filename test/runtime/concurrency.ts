/**
 * Helpers for the lock-safety and crash suites: a writer that inserts on its own
 * connection and times every insert, a transaction kept open on another connection,
 * bounded polling, small date helpers.
 */
import postgres from 'postgres';
import { quoteQualified, type QualifiedName } from '../../src/ddl/quote.js';
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

/** Exit code of test/runtime/crash-child.ts when it crashed where it was told to. */
export const CRASHED = 42;
/** application_name of the crash child's connections, to find its backends. */
export const CHILD_APPLICATION_NAME = 'dp-crash-child';
