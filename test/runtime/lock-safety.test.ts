/**
 * Lock safety on real PostgreSQL: maintenance never stalls production traffic.
 * A writer inserts on its own connection while apply() creates and retires
 * partitions; a long transaction holds a conflicting lock (the step gives up after
 * its attempts, naming the holder, and the writer is held up at most one
 * lock_timeout); two maintainers race for one table.
 */
import { describe, expect, it } from 'vitest';
import { apply, plan, type ApplyResult, type MaintenancePolicyInput } from '../../src/index.js';
import { connect } from '../harness/client.js';
import { useTestDatabase, type Sql } from '../harness/db.js';
import { partitionNames } from '../support/catalog.js';
import { addDays, clientWithDebug, dayName, holdTransaction, latencyDuring, startWriter, waitUntil, type InsertSample } from '../support/concurrency.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';

const db = useTestDatabase();

/** The injected clock: the writer's rows are "now", in today's partition. */
const NOW = new Date('2026-03-27T12:00:00Z');

/** A statement apply() sent on its pinned connection: handed to the driver at `sent`, settled at `done` (performance.now()). */
interface Sent {
  text: string;
  sent: number;
  done: number;
  /** SQLSTATE it failed with. */
  code?: string;
}

/**
 * `sql` with every statement on the connections it reserves timed (apply() pins one
 * with reserve(); plan() is given the plain client). The interval is wider than the
 * server's work on the statement, never narrower: what happened on the server between
 * two moments happened between our two readings of the clock.
 */
function timedClient(sql: Sql, log: Sent[]): Sql {
  const timed = (unsafe: Sql['unsafe']) => (text: string, ...rest: unknown[]) => {
    const entry: Sent = { text, sent: performance.now(), done: Number.NaN };
    log.push(entry);
    return (unsafe as (text: string, ...rest: unknown[]) => Promise<unknown>)(text, ...rest).then(
      (rows) => {
        entry.done = performance.now();
        return rows;
      },
      (e: unknown) => {
        entry.done = performance.now();
        entry.code = (e as { code?: string }).code;
        throw e;
      },
    );
  };
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== 'reserve') return Reflect.get(target, prop, receiver);
      return async () => {
        const reserved = await target.reserve();
        return new Proxy(reserved, { get: (r, p, rr) => (p === 'unsafe' ? timed(r.unsafe) : Reflect.get(r, p, rr)) });
      };
    },
  });
}

/**
 * One lock attempt of apply() on the table: from sending the first statement that locks
 * the table (LOCK TABLE, ALTER TABLE ... ATTACH / DETACH) until its transaction ended
 * (for a statement run outside a transaction, DETACH ... CONCURRENTLY, until it
 * settled). Only in that time can the table's lock queue hold a request of apply's
 * that an insert waits behind.
 */
interface LockAttempt {
  from: number;
  to: number;
  /** lock_timeout in effect (ms) when the locking statement was sent. */
  lockTimeoutMs: number | undefined;
  /** How long the locking statement took, waiting for the lock included. */
  lockMs: number;
  /** SQLSTATE of the first statement of the attempt that failed (55P03: lock_timeout). */
  code: string | undefined;
}

/**
 * The statements of one message apply() sent: one statement, or a whole step sent at
 * once (`BEGIN;\n...;\nCOMMIT;`, one statement a line), which share its times.
 */
function statementsOf(text: string): string[] {
  return text
    .split(/;\s*\n/)
    .map((x) => x.trim().replace(/;$/, ''))
    .filter((x) => x !== '');
}

function lockAttempts(log: readonly Sent[], table: string): LockAttempt[] {
  const locks = new RegExp(`^(LOCK TABLE (ONLY )?|ALTER TABLE )("public"\\.)?"${table}" `);
  const setting = /^SET (LOCAL )?lock_timeout = (\d+)$/;
  const attempts: LockAttempt[] = [];
  let session: number | undefined;
  let local: number | undefined;
  let inTransaction = false;
  let open: LockAttempt | undefined;
  for (const s of log) {
    for (const text of statementsOf(s.text)) {
      const set = setting.exec(text);
      if (set) {
        if (set[1]) local = Number(set[2]);
        else session = Number(set[2]);
      } else if (text === 'RESET lock_timeout') session = undefined;
      else if (text === 'BEGIN') inTransaction = true;
      if (locks.test(text) && !open) {
        open = { from: s.sent, to: s.done, lockTimeoutMs: local ?? session, lockMs: s.done - s.sent, code: undefined };
        attempts.push(open);
      }
      if (open) open.code ??= s.code;
      // A message that failed ran none of its statements after the failing one: its
      // transaction stays open (failed) until the ROLLBACK that follows it.
      if ((text === 'COMMIT' && s.code === undefined) || text === 'ROLLBACK') {
        inTransaction = false;
        local = undefined;
      }
      if (open && !inTransaction) {
        open.to = s.done;
        open = undefined;
      }
    }
  }
  return attempts;
}

/** The time insert `s` spent while attempt `a` was under way (an upper bound of how long it queued behind it). */
function overlap(s: InsertSample, a: LockAttempt): number {
  return Math.max(0, Math.min(s.start + s.ms, a.to) - Math.max(s.start, a.from));
}

/**
 * What the writer's inserts during apply() (between `from` and `to`) owe to apply()'s lock
 * attempts. An insert that queued behind an attempt queued while the attempt's request
 * was in the lock queue, so it overlapped the attempt, for at least as long as it
 * queued: the overlaps are upper bounds of the queueing, whatever the load. An insert
 * made slow by the machine (scheduling, other test files) counts only for the part of it
 * that fell within an attempt.
 */
function queueing(samples: readonly InsertSample[], attempts: readonly LockAttempt[], from: number, to: number) {
  const q = {
    /** The most attempts one insert overlapped. */
    mostAttempts: 0,
    /** The longest time an insert overlapped an attempt. */
    longestQueued: 0,
    /** The time inserts overlapped attempts, in all. */
    queuedMs: 0,
    /** The slowest insert that overlapped no attempt (for the log: the machine's noise). */
    slowestElsewhere: 0,
  };
  for (const s of samples) {
    if (s.start > to || s.start + s.ms < from) continue;
    const overlaps = attempts.map((a) => overlap(s, a)).filter((ms) => ms > 0);
    if (overlaps.length === 0) q.slowestElsewhere = Math.max(q.slowestElsewhere, s.ms);
    q.mostAttempts = Math.max(q.mostAttempts, overlaps.length);
    for (const ms of overlaps) {
      q.longestQueued = Math.max(q.longestQueued, ms);
      q.queuedMs += ms;
    }
  }
  return q;
}

/**
 * The quiet time after a timed-out lock attempt: a step sleeps at least 11 lock timeouts
 * (maxWaitShare 0.1) before it tries again or ends. Between two attempts of apply's that
 * long, a writer that waited this long queued behind more than one, or behind a wait
 * that lock_timeout did not bound; scheduling noise, even on a loaded machine, is
 * orders of magnitude shorter.
 */
const quietMs = (lockTimeoutMs: number) => 11 * lockTimeoutMs;

const statuses = (r: ApplyResult) => r.results.map((x) => `${x.op.kind} ${x.op.partition.name}: ${x.status}${x.reason ? ` (${x.reason})` : ''}`);

async function rowsPerPartition(table: string): Promise<Map<string, number>> {
  const rows = await db.sql.unsafe<{ p: string; n: number }[]>(`select tableoid::regclass::text as p, count(*)::int as n from "${table}" group by 1`);
  return new Map(rows.map((r) => [r.p, r.n]));
}

const partitionsOf = (table: string) => partitionNames(db.sql, table);

/** Creates the table and its partitions as of `days` before NOW, with a few rows in each past day and today. */
async function setUp(name: string, policy: MaintenancePolicyInput, withDefault: boolean, days: number) {
  const t = eventsTable(name, policy, { withDefault });
  await createOn(db.sql, t, EVENTS_COLUMNS);
  const first = await apply(db.sql, await plan(db.sql, [t], { now: addDays(NOW, -days) }));
  expect(first.results.every((r) => r.status === 'done'), statuses(first).join('\n')).toBe(true);
  for (let d = -days; d <= 0; d++) {
    await db.sql.unsafe(`insert into "${name}" (id, at, payload) select ${(d + 100) * 1000} + g, $1::timestamptz + g * interval '1 minute', 'seed' from generate_series(1, 20) g`, [addDays(NOW, d).toISOString()]);
  }
  return t;
}

describe('a writer during maintenance', () => {
  const policy: MaintenancePolicyInput = { interval: '1 day', premake: 6, retention: { keep: '3 days', action: 'detach' } };
  const LOCK_TIMEOUT_MS = 300;

  for (const withDefault of [false, true]) {
    const name = withDefault ? 'w_dflt' : 'w_nodflt';
    it(`is never failed nor held up beyond lock_timeout while partitions are created and retired (${withDefault ? 'default partition: plain DETACH' : 'no default: DETACH CONCURRENTLY'})`, async () => {
      const t = await setUp(name, policy, withDefault, 5);
      const p = await plan(db.sql, [t], { now: NOW });
      const ops = p.tables[0]!.ops;
      expect(ops.map((o) => `${o.kind} ${o.partition.name}`)).toEqual([
        ...[2, 3, 4, 5, 6].map((d) => `create ${dayName(name, addDays(NOW, d))}`),
        ...[-5, -4].map((d) => `retire ${dayName(name, addDays(NOW, d))}`),
      ]);

      const writer = await startWriter(db.url, { schema: 'public', name }, (i) => new Date(NOW.getTime() + i), { firstId: 10_000_000 });
      const log: Sent[] = [];
      let result: ApplyResult;
      let from = 0;
      let to = 0;
      try {
        await waitUntil('the writer to get going', () => writer.samples.length >= 50);
        from = performance.now();
        result = await apply(timedClient(db.sql, log), p, { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS, attempts: 6 });
        to = performance.now();
        // keep writing a little after, so the last step's commit is covered
        const after = writer.samples.length + 20;
        await waitUntil('a few more inserts', () => writer.samples.length >= after);
      } finally {
        await writer.stop();
      }

      const lat = latencyDuring(writer.samples, from, to);
      const attempts = lockAttempts(log, name);
      const q = queueing(writer.samples, attempts, from, to);
      console.log(
        `[lock-safety] writer during apply (${withDefault ? 'plain detach' : 'detach concurrently'}): ${lat.n} inserts in ${(to - from).toFixed(0)} ms, ` +
          `max ${lat.max.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, p50 ${lat.p50.toFixed(2)} ms (lock_timeout ${LOCK_TIMEOUT_MS} ms); ` +
          `${attempts.length} lock attempts (longest ${Math.max(...attempts.map((a) => a.to - a.from)).toFixed(1)} ms), an insert overlapped one for at most ${q.longestQueued.toFixed(1)} ms; ` +
          `the slowest insert outside them took ${q.slowestElsewhere.toFixed(1)} ms`,
      );
      expect(writer.errors).toEqual([]);
      expect(statuses(result), statuses(result).join('\n')).toEqual(result.results.map((x) => `${x.op.kind} ${x.op.partition.name}: done`));
      const retired = result.results.filter((r) => r.op.kind === 'retire').map((r) => r.method);
      // PostgreSQL 13 has no DETACH CONCURRENTLY: both tables get the lock_timeout fallback, which names the version
      const fallback = db.serverMajor < 14 ? `PostgreSQL ${db.serverMajor} has no DETACH CONCURRENTLY` : 'the table has a default partition';
      expect(retired).toEqual(
        withDefault || db.serverMajor < 14
          ? Array(2).fill(expect.stringMatching(new RegExp(`^detach with lock_timeout \\(${fallback}`)))
          : ['detach concurrently, table kept', 'detach concurrently, table kept'],
      );
      expect(lat.n).toBeGreaterThan(5); // the writer really ran during maintenance
      // Each attach transaction and each detach took the table in one attempt that went through,
      // and every attempt ran under lock_timeout: no request of apply's could keep the writer
      // waiting longer ... (without a default partition, several new tables are attached per
      // transaction: "in one transaction with N other(s)")
      const creates = result.results.filter((r) => r.op.kind === 'create');
      const perTransaction = creates.map((r) => 1 + Number(/ in one transaction with (\d+) other/.exec(r.method ?? '')?.[1] ?? 0));
      const attachTransactions = perTransaction.reduce((n, k) => n + 1 / k, 0);
      expect(attempts.filter((a) => a.code === undefined)).toHaveLength(Math.round(attachTransactions) + ops.length - creates.length);
      for (const a of attempts) expect(a.lockTimeoutMs).toBe(LOCK_TIMEOUT_MS);
      // ... and no insert waited anything like the quiet time after a timed-out attempt (only a wait
      // that lock_timeout did not bound would).
      expect(lat.max).toBeLessThan(quietMs(LOCK_TIMEOUT_MS));

      // Every row the writer inserted is there, in today's partition.
      const counts = await rowsPerPartition(name);
      expect(counts.get(dayName(name, NOW))).toBe(20 + writer.inserted.length);
      expect(await partitionsOf(name)).toEqual(
        [...(withDefault ? [`${name}_default`] : []), ...[-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((d) => dayName(name, addDays(NOW, d)))].sort(),
      );
      const again = await plan(db.sql, [t], { now: NOW });
      expect(again.tables[0]!.ops).toEqual([]);
    });
  }
});

describe('a long transaction holding a conflicting lock', () => {
  it('makes each blocked step fail with LOCK_TIMEOUT after its attempts, naming the holder; the writer waits at most one lock_timeout at a time and at most a tenth of the time in all; the next run converges', async () => {
    const name = 'held';
    const policy: MaintenancePolicyInput = { interval: '1 day', premake: 3, retention: { keep: '2 days', action: 'detach' } };
    const t = await setUp(name, policy, true, 3);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.ops.map((o) => `${o.kind} ${o.partition.name}`)).toEqual([
      ...[1, 2, 3].map((d) => `create ${dayName(name, addDays(NOW, d))}`),
      `retire ${dayName(name, addDays(NOW, -3))}`,
    ]);

    // An application transaction that wrote a row and stays open holds ROW EXCLUSIVE on
    // the table until it ends. Attaching beside the default partition and detaching both
    // take the table in ACCESS EXCLUSIVE mode first: each attempt waits lock_timeout for
    // it, and the writer's inserts queue behind that request meanwhile.
    const holder = await holdTransaction(db.url, [`INSERT INTO "${name}" (id, at, payload) VALUES (1, '${NOW.toISOString()}', 'held open')`]);
    const LOCK_TIMEOUT_MS = 100;
    const ATTEMPTS = 2;
    const log: Sent[] = [];
    const writer = await startWriter(db.url, { schema: 'public', name }, (i) => new Date(NOW.getTime() + i), { firstId: 20_000_000 });
    let result: ApplyResult;
    let from = 0;
    let to = 0;
    try {
      await waitUntil('the writer to get going', () => writer.samples.length >= 50);
      from = performance.now();
      result = await apply(timedClient(db.sql, log), p, { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS, attempts: ATTEMPTS });
      to = performance.now();
    } finally {
      await writer.stop();
      await holder.end();
    }
    const lat = latencyDuring(writer.samples, from, to);
    const attempts = lockAttempts(log, name);
    const q = queueing(writer.samples, attempts, from, to);
    // After each timed-out attempt a step sleeps at least the quiet time, jitter only lengthening it.
    const minMs = ATTEMPTS * (LOCK_TIMEOUT_MS + quietMs(LOCK_TIMEOUT_MS));
    console.log(
      `[lock-safety] blocked steps: ${result.results.map((r) => `${r.op.kind} ${r.op.partition.name} ${r.status} ${r.code ?? ''} in ${r.ms} ms`).join('; ')} ` +
        `(at least ${minMs} ms each); writer: ${lat.n} inserts, max ${lat.max.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, in inserts during lock attempts ${q.queuedMs.toFixed(0)} ms of ${(to - from).toFixed(0)} ms = ${((100 * q.queuedMs) / (to - from)).toFixed(1)} % (lock_timeout ${LOCK_TIMEOUT_MS} ms)\n` +
        `  ${attempts.length} lock attempts: ${attempts.map((a) => `${a.lockMs.toFixed(0)}/${(a.to - a.from).toFixed(0)} ms`).join(', ')} (lock statement/attempt); ` +
        `an insert overlapped one for at most ${q.longestQueued.toFixed(1)} ms; the slowest insert outside them took ${q.slowestElsewhere.toFixed(1)} ms\n` +
        `  holder pid ${holder.pid}; retire reason: ${result.results.at(-1)?.reason?.split('\n')[0]}`,
    );
    expect(writer.errors).toEqual([]);
    for (const r of result.results) {
      expect(r.status, statuses(result).join('\n')).toBe('failed');
      expect(r.code).toBe('LOCK_TIMEOUT');
      expect(r.attempts).toBe(ATTEMPTS);
      expect(r.reason).toContain(`no lock within ${LOCK_TIMEOUT_MS} ms in ${ATTEMPTS} attempts`);
      expect(r.reason).toContain(`pid ${holder.pid} `);
      expect(r.ms).toBeGreaterThanOrEqual(minMs - 20);
    }
    // Each step made its attempts at the table under lock_timeout, and each waited it out and gave up ...
    expect(attempts).toHaveLength(result.results.length * ATTEMPTS);
    for (const a of attempts) {
      expect(a.lockTimeoutMs).toBe(LOCK_TIMEOUT_MS);
      expect(a.code).toBe('55P03');
      expect(a.lockMs).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 1); // 1 ms: the server's clock is not ours
    }
    // ... the writer really queued behind them (so the bounds below are exercised) ...
    expect(lat.max).toBeGreaterThan(LOCK_TIMEOUT_MS / 2);
    expect(q.longestQueued).toBeGreaterThan(LOCK_TIMEOUT_MS / 2);
    // ... one at a time: no insert was under way during two attempts (between two, a step sleeps the quiet time) ...
    expect(q.mostAttempts).toBe(1);
    // ... no insert waited anything like the quiet time (only a wait that lock_timeout did not bound would) ...
    expect(lat.max).toBeLessThan(quietMs(LOCK_TIMEOUT_MS));
    // ... and for at most a tenth of the time apply ran: the time inserts overlapped an attempt, which is at
    // least the time they queued and, whatever the load, at most the attempts' own time (an insert made slow
    // by the machine between two attempts does not count).
    expect(q.queuedMs / (to - from)).toBeLessThanOrEqual(0.1);

    // Nothing was left behind (the new partitions, with no rows to move, are made in the
    // step that holds the parent); the holder is gone: the next run does everything.
    const next = await plan(db.sql, [t], { now: NOW });
    expect(next.tables[0]!.ops.map((o) => `${o.kind} ${o.partition.name}${o.kind === 'create' && o.resume ? ' (resume)' : ''}`)).toEqual([
      ...[1, 2, 3].map((d) => `create ${dayName(name, addDays(NOW, d))}`),
      `retire ${dayName(name, addDays(NOW, -3))}`,
    ]);
    const done = await apply(db.sql, next, { allowDestructive: true, lockTimeoutMs: LOCK_TIMEOUT_MS, attempts: ATTEMPTS });
    expect(statuses(done)).toEqual(done.results.map((x) => `${x.op.kind} ${x.op.partition.name}: done`));
    expect(await partitionsOf(name)).toEqual([`${name}_default`, ...[-2, -1, 0, 1, 2, 3].map((d) => dayName(name, addDays(NOW, d)))].sort());
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });
});

describe('two maintainers on one table', () => {
  const policy: MaintenancePolicyInput = { interval: '1 day', premake: 2 };

  /**
   * Maintainer A is made slow deterministically: a reader of the default partition
   * blocks its first attach step (it takes the default partition before moving rows
   * and attaching), which retries (holding the maintainer lock) until the reader ends. The reader ends only once B has finished (skip) or is seen polling
   * for the lock (wait).
   */
  async function slowMaintainerA(name: string) {
    const t = eventsTable(name, policy);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const holder = await holdTransaction(db.url, [`LOCK TABLE "${name}_default" IN ACCESS SHARE MODE`]);
    let attachTries = 0;
    const sqlA = clientWithDebug(db.url, 2, (text) => {
      // each attempt of the attach step: the default partition is the lock it waits for
      if (text.includes(`\nLOCK TABLE ONLY "public"."${name}_default" IN ACCESS EXCLUSIVE MODE;\n`)) attachTries++;
    });
    const pA = await plan(sqlA, [t], { now: NOW });
    expect(pA.tables[0]!.ops).toHaveLength(3);
    // 8 attempts of 100 ms with backoff from 50 ms: seconds of retrying, far longer than B needs.
    const a = apply(sqlA, pA, { lockTimeoutMs: 100, attempts: 8, backoffMs: 50 }).finally(() => sqlA.end({ timeout: 5 }));
    a.catch(() => undefined);
    // A holds the maintainer lock (taken before any step) and its first ATTACH timed out.
    await waitUntil('A to retry its first attach step', () => attachTries >= 2);
    return { t, a, holder, attachTries: () => attachTries };
  }

  it("'skip': the second finds the table locked and skips it; the first does everything", async () => {
    const name = 'race_skip';
    const { t, a, holder, attachTries } = await slowMaintainerA(name);
    const sqlB = connect(db.url, { max: 2 });
    let b: ApplyResult;
    try {
      const pB = await plan(sqlB, [t], { now: NOW });
      expect(pB.tables[0]!.ops).toHaveLength(3);
      b = await apply(sqlB, pB, { concurrentMaintainer: 'skip' });
      expect(attachTries()).toBeGreaterThanOrEqual(2); // A was still retrying, holding the lock, all along
    } finally {
      await holder.end();
      await sqlB.end({ timeout: 5 });
    }
    const ra = await a;
    expect(b.skippedTables).toEqual([`public.${name}`]);
    expect(b.results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(b.results[0]!.reason).toMatch(/another maintainer holds the lock/);
    expect(ra.skippedTables).toEqual([]);
    expect(statuses(ra)).toEqual(ra.results.map((x) => `${x.op.kind} ${x.op.partition.name}: done`));
    expect(ra.results[0]!.attempts).toBeGreaterThan(1); // it really was held up while B ran
    expect(await partitionsOf(name)).toEqual([`${name}_default`, ...[0, 1, 2].map((d) => dayName(name, addDays(NOW, d)))]);
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });

  it("'wait': the second waits for the first, then finds its plan already done and changes nothing", async () => {
    const name = 'race_wait';
    const { t, a, holder } = await slowMaintainerA(name);
    let tries = 0;
    const sqlB = clientWithDebug(db.url, 2, (text) => {
      if (text.includes('pg_try_advisory_lock')) tries++;
    });
    let b: Promise<ApplyResult>;
    let bDoneAt = 0;
    let releasedAt = 0;
    try {
      // B plans while A is still at work: its plan holds the same three creates.
      const pB = await plan(sqlB, [t], { now: NOW });
      expect(pB.tables[0]!.ops.map((o) => o.partition.name)).toEqual([0, 1, 2].map((d) => dayName(name, addDays(NOW, d))));
      b = apply(sqlB, pB, { concurrentMaintainer: 'wait', maintainerWaitMs: 20_000 });
      b.then(() => (bDoneAt = performance.now())).catch(() => undefined);
      await waitUntil('B to find the lock taken and poll again', () => tries >= 2);
      expect(bDoneAt).toBe(0);
    } finally {
      releasedAt = performance.now();
      await holder.end();
    }
    let rb: ApplyResult;
    try {
      rb = await b;
    } finally {
      await sqlB.end({ timeout: 5 });
    }
    const ra = await a;
    expect(statuses(ra)).toEqual(ra.results.map((x) => `${x.op.kind} ${x.op.partition.name}: done`));
    // B waited: A could not finish (nor release the lock) before the reader ended.
    expect(bDoneAt).toBeGreaterThan(releasedAt);
    expect(rb.skippedTables).toEqual([]);
    // Nothing left to do: no step failed, none did anything twice.
    expect(rb.results.map((r) => r.status), statuses(rb).join('\n')).toEqual(['skipped', 'skipped', 'skipped']);
    for (const r of rb.results) expect(r.reason).toMatch(/already/);
    expect(await partitionsOf(name)).toEqual([`${name}_default`, ...[0, 1, 2].map((d) => dayName(name, addDays(NOW, d)))]);
    expect((await plan(db.sql, [t], { now: NOW })).tables[0]!.ops).toEqual([]);
  });
});
