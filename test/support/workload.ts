/**
 * A mixed live workload with ledgers, for load tests that run maintenance (moving
 * rows between partitions, attaching, detaching) underneath an application and
 * must prove the application never notices.
 *
 * Every connection runs one kind of autocommit statement in a loop (READ
 * COMMITTED, through the parent only, the way an application that knows nothing
 * about partitions would) and keeps a ledger of what the server acknowledged.
 * After stop(), verify() reads the table back through the parent and compares:
 * any row lost, duplicated, stale or resurrected, any 0-row UPDATE/DELETE of a row
 * the ledger says exists, any error and any reader count short of the baseline is
 * counted in the report. With no maintenance running every counter is 0.
 *
 * Id layout: the baseline [baseline.from, baseline.to) is seeded and only read.
 * Writer connection `w` (inserters first, then updaters, deleters, upserters)
 * owns the block [firstBlockId + w * blockSize, firstBlockId + (w + 1) * blockSize):
 * updaters, deleters and upserters get its first `poolPerWriter` ids seeded
 * (payload 'seed'); inserters, and upserters past their pool, use fresh ids
 * from there on. A row's key is always keyOf(id).
 */
import { quoteIdent, quoteQualified, type QualifiedName } from '../../src/sql/quote.js';
import { connect, type Sql } from '../harness/client.js';
import { latencyDuring, sleep, type InsertSample } from './concurrency.js';

/** application_name of the workload's connections (default), to find its backends. */
export const WORKLOAD_APPLICATION_NAME = 'dp-workload';
/** Payload of every seeded row. */
export const SEED_PAYLOAD = 'seed';

export type WriterKind = 'insert' | 'update' | 'delete' | 'upsert';
export type WorkloadKind = WriterKind | 'read';

export interface WorkloadOptions {
  url: string;
  /** The partitioned parent: `id bigint not null, <keyColumn>, payload text, primary key (id, <keyColumn>)`. */
  table: QualifiedName;
  /** e.g. 'at' or 'tenant'. */
  keyColumn: string;
  /** SQL type the key literals are cast to: 'timestamptz', 'text', 'bigint'... */
  keyType: string;
  /** The key of row `id`, as a text literal of keyType (deterministic: a row's key never changes). */
  keyOf: (id: number) => string;
  /** Ids [from, to) are seeded by seed() and never touched by writers; the readers count them. */
  baseline: { from: number; to: number };
  /** Rows seeded for each updater / deleter / upserter to work on (its own disjoint block). */
  poolPerWriter: number;
  /** Connections of each kind, default 1 each. */
  writers?: { insert?: number; update?: number; delete?: number; upsert?: number };
  /** Reader connections, default 1. */
  readers?: number;
  /** Safety stop: loops end by themselves this long after start(), default 60 000 ms. */
  maxMs?: number;
  /** First id of the writers' blocks, default baseline.to. */
  firstBlockId?: number;
  /** Ids per writer block, default 1 000 000 (pool + every fresh id a writer may use). */
  blockSize?: number;
  /** Default WORKLOAD_APPLICATION_NAME. */
  applicationName?: string;
  /** Pause after each statement, ms (default 0: back to back). An application is rarely flat out. */
  thinkMs?: number;
}

/** The ids one writer connection owns: pool [from, poolTo) is seeded (none for inserters), fresh ids are [poolTo, to). */
export interface WorkloadBlock {
  kind: WriterKind;
  /** Connection index, also in the payloads it writes (`u1-17`: connection 1's 18th update; `i` insert, `s` upsert). */
  conn: number;
  from: number;
  poolTo: number;
  to: number;
}

/** What the server acknowledged (live; final after stop()). */
export interface WorkloadLedger {
  /** Rows that must exist in the writers' blocks, with their last acknowledged payload. */
  readonly payload: ReadonlyMap<number, string>;
  /** Acknowledged deletes. */
  readonly deleted: ReadonlySet<number>;
  /** Ids whose last statement failed: their state is unknown, they are left out of the checks. */
  readonly uncertain: ReadonlySet<number>;
}

export interface WorkloadReport {
  /** Statements executed by all loops (readers included). */
  statements: number;
  /** Acknowledged inserts/upserts, seeded pool rows and baseline rows missing through the parent. */
  lost: number;
  /** Ids present more than once through the parent (baseline and writer blocks). */
  duplicated: number;
  /** Rows whose payload is not the last acknowledged one. */
  stale: number;
  /** UPDATE/DELETE by id that returned 0 rows although the ledger says the row exists. */
  zeroRow: number;
  /** Acknowledged deletes whose row is back. */
  resurrected: number;
  /** Rows in the writers' blocks no ledger accounts for. */
  unexpected: number;
  /** Statements that failed (the first few in `errors`, with their SQLSTATE). */
  refused: number;
  /** Ids left out of the checks because a statement on them failed. */
  uncertain: number;
  /** Reader counts below the baseline size. */
  readerMisses: number;
  /** Reader counts above the baseline size. */
  readerExtras: number;
  errors: string[];
  /** ms, over all writer statements. */
  latency: { max: number; p99: number; p50: number; n: number };
  /** Time spent in writer statements that took {@link QUEUED_MS} or more (they queued for a lock), ms. */
  totalWaitMs: number;
  /** Every statement: performance.now() start, duration, kind. */
  samples: { start: number; ms: number; kind: WorkloadKind }[];
}

/** Counters kept while the loops run. */
export interface WorkloadCounters {
  statements: number;
  zeroRow: number;
  refused: number;
  readerMisses: number;
  readerExtras: number;
}

export interface Workload {
  readonly blocks: readonly WorkloadBlock[];
  readonly ledger: WorkloadLedger;
  /** Live counters (final after stop()), for a test to wait on: e.g. until the reader has missed rows. */
  readonly live: Readonly<WorkloadCounters>;
  /** Inserts the baseline and the pools through the parent (multi-row INSERT ... SELECT). Call before maintenance. */
  seed(): Promise<void>;
  /** Connects and starts every loop; resolves once each loop has run a few statements. */
  start(): Promise<void>;
  /** Stops the loops after their statement in flight and closes the connections. */
  stop(): Promise<void>;
  /** After stop(): compares the ledgers with the table read through the parent. */
  verify(): Promise<WorkloadReport>;
}

/** One statement a loop wants to run: `id` is the row it touches (none for readers); `ack` gets the rows on success. */
interface Step {
  id?: number;
  text: string;
  params: (string | number)[];
  ack(rows: readonly Record<string, unknown>[]): void;
}

const MAX_ERRORS = 10;

/** A statement that took this long (ms) waited for something: here, a lock. The rest take a millisecond or two. */
export const QUEUED_MS = 20;

/**
 * The time (ms) spent in statements that queued (took {@link QUEUED_MS} or more) and
 * began within one of `intervals` ([from, to] in performance.now() time).
 *
 * @example
 * ```ts
 * queuedDuring(report.samples.filter((s) => s.kind !== 'read'), [[t0, t1]]) / (t1 - t0); // share of apply's time spent waiting
 * ```
 */
export function queuedDuring(samples: readonly { start: number; ms: number }[], intervals: readonly (readonly [number, number])[]): number {
  return samples.filter((s) => s.ms >= QUEUED_MS && intervals.some(([from, to]) => s.start >= from && s.start <= to)).reduce((sum, s) => sum + s.ms, 0);
}
/** First letter of the payloads each kind writes. */
const PAYLOAD_PREFIX: Record<WorkloadKind, string> = { insert: 'i', update: 'u', delete: 'd', upsert: 's', read: 'r' };

/** Builds a workload on `opts.table`; nothing runs until seed() / start(). */
export function createWorkload(opts: WorkloadOptions): Workload {
  if (!/^[a-z_][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?(\[\])?$/i.test(opts.keyType)) throw new Error(`keyType ${JSON.stringify(opts.keyType)} is not a plain type name`);
  const t = quoteQualified(opts.table);
  const key = quoteIdent(opts.keyColumn);
  const cast = `::${opts.keyType}`;
  const { from: baseFrom, to: baseTo } = opts.baseline;
  const baseSize = baseTo - baseFrom;
  const blockSize = opts.blockSize ?? 1_000_000;
  const firstBlockId = opts.firstBlockId ?? baseTo;
  const sep = opts.url.includes('?') ? '&' : '?';
  // Startup parameters (postgres.js passes unknown URL parameters on): they survive a reconnect.
  const url = `${opts.url}${sep}application_name=${encodeURIComponent(opts.applicationName ?? WORKLOAD_APPLICATION_NAME)}&default_transaction_isolation=${encodeURIComponent('read committed')}`;

  const blocks: WorkloadBlock[] = [];
  for (const kind of ['insert', 'update', 'delete', 'upsert'] as const) {
    for (let i = 0; i < (opts.writers?.[kind] ?? 1); i++) {
      const from = firstBlockId + blocks.length * blockSize;
      blocks.push({ kind, conn: blocks.length, from, poolTo: kind === 'insert' ? from : from + opts.poolPerWriter, to: from + blockSize });
    }
  }
  const blocksEnd = firstBlockId + blocks.length * blockSize;

  const payload = new Map<number, string>();
  const deleted = new Set<number>();
  const uncertain = new Set<number>();
  for (const b of blocks) for (let id = b.from; id < b.poolTo; id++) payload.set(id, SEED_PAYLOAD);

  const samples: WorkloadReport['samples'] = [];
  const errors: string[] = [];
  const counts: WorkloadCounters = { statements: 0, refused: 0, zeroRow: 0, readerMisses: 0, readerExtras: 0 };
  const loops: { sql: Sql; done: number; ended: boolean; promise: Promise<void> }[] = [];
  let stopped = false;

  const randomOf = (b: WorkloadBlock) => b.from + Math.floor(Math.random() * (b.poolTo - b.from));

  /** The next statement of a writer/reader loop, or undefined when it has nothing left to do. */
  function stepper(kind: WorkloadKind, b: WorkloadBlock | undefined): () => Step | undefined {
    let n = 0;
    let fresh = b ? b.poolTo : 0;
    const remaining = b && kind === 'delete' ? Array.from({ length: b.poolTo - b.from }, (_, i) => b.from + i) : [];
    const next = () => `${PAYLOAD_PREFIX[kind]}${b?.conn}-${n++}`;
    switch (kind) {
      case 'read':
        return () => ({
          text: `SELECT count(*) AS n FROM ${t} WHERE id >= $1::int8 AND id < $2::int8`,
          params: [baseFrom, baseTo],
          ack: (rows) => {
            const got = Number(rows[0]?.n);
            if (got < baseSize) counts.readerMisses++;
            if (got > baseSize) counts.readerExtras++;
          },
        });
      case 'insert':
        return () => {
          if (fresh >= b!.to) return undefined;
          const id = fresh++;
          const p = next();
          return { id, text: `INSERT INTO ${t} (id, ${key}, payload) VALUES ($1::int8, $2${cast}, $3::text)`, params: [id, opts.keyOf(id), p], ack: () => void payload.set(id, p) };
        };
      case 'update':
        return () => {
          if (b!.poolTo === b!.from) return undefined;
          const id = randomOf(b!);
          const p = next();
          return {
            id,
            text: `UPDATE ${t} SET payload = $2::text WHERE id = $1::int8 RETURNING id`,
            params: [id, p],
            ack: (rows) => {
              if (rows.length === 0) return void counts.zeroRow++;
              payload.set(id, p); // acknowledged: known again even if an earlier statement on it failed
              uncertain.delete(id);
            },
          };
        };
      case 'delete':
        return () => {
          if (remaining.length === 0) return undefined;
          const i = Math.floor(Math.random() * remaining.length);
          const id = remaining[i]!;
          remaining[i] = remaining[remaining.length - 1]!; // swap-remove: each id is deleted once
          remaining.pop();
          return {
            id,
            text: `DELETE FROM ${t} WHERE id = $1::int8 RETURNING id`,
            params: [id],
            ack: (rows) => {
              if (rows.length === 0) return void counts.zeroRow++; // still expected: it must show up in verify()
              payload.delete(id);
              deleted.add(id);
            },
          };
        };
      case 'upsert':
        return () => {
          const existing = b!.poolTo > b!.from && (Math.random() < 0.5 || fresh >= b!.to);
          if (!existing && fresh >= b!.to) return undefined;
          const id = existing ? randomOf(b!) : fresh++;
          const p = next();
          return {
            id,
            text: `INSERT INTO ${t} (id, ${key}, payload) VALUES ($1::int8, $2${cast}, $3::text) ON CONFLICT (id, ${key}) DO UPDATE SET payload = excluded.payload RETURNING id`,
            params: [id, opts.keyOf(id), p],
            ack: () => {
              payload.set(id, p);
              uncertain.delete(id);
            },
          };
        };
    }
  }

  /** Runs `nextStep` on `sql` until stop() or the deadline; records timing, errors and uncertainty. */
  async function run(kind: WorkloadKind, sql: Sql, nextStep: () => Step | undefined, deadline: number, loop: { done: number }): Promise<void> {
    while (!stopped && Date.now() < deadline) {
      const step = nextStep();
      if (!step) {
        loop.done = Math.max(loop.done, 3); // nothing left to do (pool used up): idle, but count as started
        await sleep(5);
        continue;
      }
      const start = performance.now();
      try {
        step.ack(await sql.unsafe(step.text, step.params));
      } catch (e) {
        counts.refused++;
        if (step.id !== undefined) uncertain.add(step.id);
        const err = e as { code?: string; message?: string };
        if (errors.length < MAX_ERRORS) errors.push(`${kind}${step.id === undefined ? '' : ` id ${step.id}`}: ${err.code ?? '?'} ${err.message ?? String(e)}`);
      }
      samples.push({ start, ms: performance.now() - start, kind });
      counts.statements++;
      loop.done++;
      if (opts.thinkMs) await sleep(opts.thinkMs);
    }
  }

  return {
    blocks,
    ledger: { payload, deleted, uncertain },
    live: counts,

    async seed() {
      const sql = connect(url, { max: 1 });
      try {
        const ranges: [number, number][] = [[baseFrom, baseTo], ...blocks.map((b): [number, number] => [b.from, b.poolTo])];
        for (const [from, to] of ranges) {
          for (let lo = from; lo < to; lo += 10_000) {
            const hi = Math.min(to, lo + 10_000);
            const keys = Array.from({ length: hi - lo }, (_, i) => opts.keyOf(lo + i));
            await sql.unsafe(
              `INSERT INTO ${t} (id, ${key}, payload) SELECT g, ($3::text::jsonb ->> (g - $1::int8)::int)${cast}, $4::text FROM generate_series($1::int8, $2::int8 - 1) g`,
              [lo, hi, JSON.stringify(keys), SEED_PAYLOAD],
            );
          }
        }
      } finally {
        await sql.end({ timeout: 5 });
      }
    },

    async start() {
      if (loops.length) throw new Error('workload already started');
      const deadline = Date.now() + (opts.maxMs ?? 60_000);
      const plan: [WorkloadKind, WorkloadBlock | undefined][] = [...blocks.map((b): [WorkloadKind, WorkloadBlock] => [b.kind, b]), ...Array.from({ length: opts.readers ?? 1 }, (): [WorkloadKind, undefined] => ['read', undefined])];
      const sqls = plan.map(() => connect(url, { max: 1 }));
      try {
        await Promise.all(sqls.map((sql) => sql`select 1`)); // connected before the clock starts
      } catch (e) {
        await Promise.all(sqls.map((sql) => sql.end({ timeout: 5 }).catch(() => {})));
        throw e;
      }
      plan.forEach(([kind, b], i) => {
        const loop = { sql: sqls[i]!, done: 0, ended: false, promise: Promise.resolve() };
        loop.promise = run(kind, loop.sql, stepper(kind, b), deadline, loop).finally(() => void (loop.ended = true));
        loops.push(loop);
      });
      while (!loops.every((l) => l.ended || l.done >= 3)) await sleep(5);
    },

    async stop() {
      stopped = true;
      await Promise.all(loops.map((l) => l.promise));
      await Promise.all(loops.map((l) => l.sql.end({ timeout: 5 }).catch(() => {})));
    },

    async verify() {
      if (loops.some((l) => !l.ended)) throw new Error('verify() before stop()');
      const sql = connect(url, { max: 1 });
      const report = { lost: 0, duplicated: 0, stale: 0, resurrected: 0, unexpected: 0 };
      try {
        // Baseline: every id exactly once.
        const [base] = await sql.unsafe<{ ids: string; dups: string }[]>(
          `SELECT count(*) AS ids, count(*) FILTER (WHERE n > 1) AS dups FROM (SELECT id, count(*) AS n FROM ${t} WHERE id >= $1::int8 AND id < $2::int8 GROUP BY id) s`,
          [baseFrom, baseTo],
        );
        report.lost += baseSize - Number(base!.ids);
        report.duplicated += Number(base!.dups);
        // Writers' blocks: every row, compared with the ledgers.
        const rows = await sql.unsafe<{ id: string; payload: string | null }[]>(`SELECT id, payload FROM ${t} WHERE id >= $1::int8 AND id < $2::int8`, [firstBlockId, blocksEnd]);
        const got = new Map<number, (string | null)[]>();
        for (const r of rows) {
          const id = Number(r.id);
          got.set(id, [...(got.get(id) ?? []), r.payload]);
        }
        for (const [id, payloads] of got) {
          if (payloads.length > 1) report.duplicated++;
          if (!payload.has(id) && !deleted.has(id) && !uncertain.has(id)) report.unexpected++;
        }
        for (const [id, p] of payload) {
          if (uncertain.has(id)) continue;
          const present = got.get(id);
          if (!present) report.lost++;
          else if (!present.includes(p)) report.stale++;
        }
        for (const id of deleted) if (!uncertain.has(id) && got.has(id)) report.resurrected++;
      } finally {
        await sql.end({ timeout: 5 });
      }
      const writes: InsertSample[] = samples.filter((s) => s.kind !== 'read');
      const latency = latencyDuring(writes, -Infinity, Infinity);
      return {
        ...report,
        ...counts,
        uncertain: uncertain.size,
        errors: [...errors],
        latency,
        totalWaitMs: queuedDuring(writes, [[-Infinity, Infinity]]),
        samples,
      };
    },
  };
}
