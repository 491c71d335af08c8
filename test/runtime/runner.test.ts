/**
 * Maintenance that runs itself (startMaintenance) on real PostgreSQL: one runner
 * maintains and records its runs; of two runners (two connections of one process, or
 * two processes) only one maintains, and the other takes over when the first stops or
 * is killed; errors go to onError and the runner keeps going; `status --stale-after`
 * reports a maintenance that has not succeeded for too long. Nothing here waits for a
 * time: every wait polls the runner's callbacks, the record or the catalog.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceStatus, startMaintenance, type MaintenanceRun } from '../../src/index.js';
import { connect } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { holdTransaction, waitUntil } from '../support/concurrency.js';
import { forEachDriver, type DriverHandle } from '../support/drivers.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../support/fixtures.js';
import { getPartitioning } from '../../src/index.js';
import { declaredPartitionsSql, partitionByClause } from '../../src/ddl/index.js';
import { createProject, pgConfig, type Project } from '../support/project.js';

const db = useTestDatabase();

const NOW = new Date('2026-03-27T12:00:00Z');
const POLICY = { interval: '1 day', premake: 1 } as const;
/** The runner's advisory lock namespace ('DPRU'), as pg_locks shows it in classid. */
const RUNNER_LOCK_SPACE = 0x44505255;

/** The partitions of `table`, by name. */
async function partitionsOf(run: (text: string) => Promise<Record<string, unknown>[]>, table: string): Promise<string[]> {
  const rows = await run(`select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = '${table}'::regclass order by 1`);
  return rows.map((r) => r.name as string);
}

/** application_name of the session holding runner `name`'s lock (undefined when none does). */
async function lockHolder(name: string): Promise<string | undefined> {
  const [row] = await db.sql<{ app: string }[]>`select a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and l.classid = ${RUNNER_LOCK_SPACE}::oid and l.objid = (hashtext(${name}))::oid and l.objsubid = 2`;
  return row?.app;
}

async function runnerLocks(run: (text: string) => Promise<Record<string, unknown>[]>): Promise<number> {
  const [row] = await run(`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = ${RUNNER_LOCK_SPACE}::oid`);
  return row!.n as number;
}

/** Everything a test's runner reported. */
function observe() {
  const o = { runs: [] as MaintenanceRun[], errors: [] as unknown[], waits: 0 };
  return { o, hooks: { onRun: (r: MaintenanceRun) => void o.runs.push(r), onError: (e: unknown) => void o.errors.push(e), onWait: () => void o.waits++ } };
}

forEachDriver('startMaintenance', (get, driver) => {
  const create = async (h: DriverHandle, t: ReturnType<typeof eventsTable>) => {
    const p = getPartitioning(t)!;
    await h.direct(`CREATE TABLE "${p.table.name}" (${EVENTS_COLUMNS}) ${partitionByClause(p)}`);
    for (const s of declaredPartitionsSql(p)) await h.direct(s);
  };

  it('one runner creates the partitions, records each run, and releases its lock on stop()', async () => {
    const h = get();
    const name = `run_${driver.slug}`;
    const t = eventsTable(name, POLICY);
    await create(h, t);
    const { o, hooks } = observe();
    const runner = startMaintenance(h.db, [t], { every: 20, name: driver.slug, planOptions: { now: NOW }, ...hooks });
    try {
      await waitUntil('two runs', () => o.runs.length >= 2);
      expect(runner.state).toBe('maintaining');
    } finally {
      await runner.stop();
    }
    expect(runner.state).toBe('stopped');
    expect(o.errors).toEqual([]);
    expect(o.waits).toBe(0);
    // the first run made today's and tomorrow's partitions; the next found nothing to do
    expect(o.runs[0]).toMatchObject({ outcome: 'ok', done: 2, failed: 0, skipped: 0 });
    expect(o.runs[1]).toMatchObject({ outcome: 'ok', done: 0, failed: 0 });
    expect(await partitionsOf(h.direct, name)).toEqual([`${name}_default`, `${name}_p20260327`, `${name}_p20260328`]);
    // the record holds the last run, the one onRun saw last
    const last = o.runs.at(-1)!;
    const [s] = await maintenanceStatus(h.db, [t]);
    expect(s!.last).toMatchObject({ runner: driver.slug, everyMs: 20, outcome: 'ok', done: last.done, failed: 0, error: null });
    expect(s!.last!.finishedAt.getTime()).toBe(last.finishedAt.getTime());
    expect(s!.last!.lastSuccessAt!.getTime()).toBe(last.finishedAt.getTime());
    expect(s!.stale).toBe(false);
    // stop() resolved after the lock was released
    expect(await runnerLocks(h.direct)).toBe(0);
    // a second stop() is the same promise, already resolved
    await runner.stop();
  });

  it('a second runner on the same database waits while the first maintains', async () => {
    const h = get();
    const name = `two_${driver.slug}`;
    const t = eventsTable(name, POLICY);
    await create(h, t);
    const a = observe();
    const b = observe();
    const first = startMaintenance(h.db, [t], { every: 20, name: `two_${driver.slug}`, planOptions: { now: NOW }, ...a.hooks });
    let second: ReturnType<typeof startMaintenance> | undefined;
    try {
      await waitUntil('the first runner to run', () => a.o.runs.length >= 1);
      second = startMaintenance(h.db, [t], { every: 20, name: `two_${driver.slug}`, planOptions: { now: NOW }, ...b.hooks });
      await waitUntil('the second runner to check twice', () => b.o.waits >= 2);
      expect(b.o.runs).toEqual([]);
      expect(second.state).toBe('waiting');
      expect(first.state).toBe('maintaining');
      await first.stop();
      await waitUntil('the second runner to take over', () => b.o.runs.length >= 1);
      expect(second.state).toBe('maintaining');
    } finally {
      await first.stop();
      await second?.stop();
    }
    expect([...a.o.errors, ...b.o.errors]).toEqual([]);
    expect(await runnerLocks(h.direct)).toBe(0);
  });
});

describe('startMaintenance on two connections of one process', () => {
  it('only one runner maintains; stop() releases the lock and the other takes over', async () => {
    const name = 'runner_two_pools';
    const t = eventsTable(name, POLICY);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    // two drivers, two pools: what two parts of an application, or two applications, would have
    const sqlA = connect(db.url, { max: 3 });
    await sqlA.unsafe(`select 1`);
    const poolB = new pg.Pool({ connectionString: db.url, max: 3, application_name: 'runner-b' });
    poolB.on('error', () => {});
    const a = observe();
    const b = observe();
    const opts = { every: 20, name: 'two-pools', planOptions: { now: NOW } };
    const runnerA = startMaintenance(sqlA, [t], { ...opts, ...a.hooks });
    let runnerB: ReturnType<typeof startMaintenance> | undefined;
    try {
      await waitUntil('A to run', () => a.o.runs.length >= 1);
      runnerB = startMaintenance(poolB, [t], { ...opts, ...b.hooks });
      await waitUntil('B to find A maintaining three times', () => b.o.waits >= 3);
      expect(b.o.runs).toEqual([]);
      expect(runnerB.state).toBe('waiting');
      expect(await lockHolder('two-pools')).not.toBe('runner-b');

      await runnerA.stop();
      const runsOfA = a.o.runs.length;
      await waitUntil('B to take over', () => b.o.runs.length >= 1);
      expect(runnerB.state).toBe('maintaining');
      expect(await lockHolder('two-pools')).toBe('runner-b');
      expect(a.o.runs.length).toBe(runsOfA); // A ran no more after stop()
      expect(b.o.runs[0]).toMatchObject({ outcome: 'ok', done: 0 }); // A had made them
    } finally {
      await runnerA.stop();
      await runnerB?.stop();
      await sqlA.end({ timeout: 5 });
      await poolB.end();
    }
    expect([...a.o.errors, ...b.o.errors]).toEqual([]);
    expect(await lockHolder('two-pools')).toBeUndefined();
    expect(await partitionsOf((x) => db.sql.unsafe(x), name)).toEqual([`${name}_default`, `${name}_p20260327`, `${name}_p20260328`]);
  });
});

describe('startMaintenance errors', () => {
  it('a table whose plan fails goes to onError; the other tables are maintained; the runner keeps going', async () => {
    const good = eventsTable('runner_good', POLICY);
    const missing = eventsTable('runner_missing', POLICY); // never created
    await createOn(db.sql, good, EVENTS_COLUMNS);
    const { o, hooks } = observe();
    const runner = startMaintenance(db.sql, [good, missing], { every: 20, name: 'errors', planOptions: { now: NOW }, ...hooks });
    try {
      await waitUntil('two runs', () => o.runs.length >= 2);
    } finally {
      await runner.stop();
    }
    expect(o.errors.length).toBeGreaterThanOrEqual(2);
    expect(o.errors[0]).toMatchObject({ code: '42P01' }); // undefined_table, as PostgreSQL reported it
    expect((o.errors[0] as Error).message).toContain('runner_missing');
    for (const r of o.runs.slice(0, 2)) expect(r.outcome).toBe('failed');
    expect(o.runs[0]!.tables).toMatchObject([
      { table: { name: 'runner_good' }, outcome: 'ok', done: 2 },
      { table: { name: 'runner_missing' }, outcome: 'failed', done: 0 },
    ]);
    expect(await partitionsOf((x) => db.sql.unsafe(x), 'runner_good')).toEqual(['runner_good_default', 'runner_good_p20260327', 'runner_good_p20260328']);
    const [g, m] = await maintenanceStatus(db.sql, [good, missing]);
    expect(g!.last).toMatchObject({ outcome: 'ok', error: null });
    expect(m!.last).toMatchObject({ outcome: 'failed', lastSuccessAt: null });
    expect(m!.last!.error).toBe('relation "public.runner_missing" does not exist');
    expect(m!.message).toMatch(/^maintenance has never succeeded; last run failed/);
  });

  it('failed steps go to onError as MAINTENANCE_FAILED and are recorded; the next run that succeeds records the success', async () => {
    const name = 'runner_locked';
    const t = eventsTable(name, POLICY);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    // Beside a default partition a new partition is made holding the parent in ACCESS
    // EXCLUSIVE mode, which a transaction that read the table keeps it from getting
    // (plan reads the catalog and is not held up).
    const holder = await holdTransaction(db.url, [`LOCK TABLE "${name}" IN ACCESS SHARE MODE`]);
    const { o, hooks } = observe();
    const runner = startMaintenance(db.sql, [t], { every: 20, name: 'locked', planOptions: { now: NOW }, applyOptions: { lockTimeoutMs: 20, attempts: 1 }, ...hooks });
    try {
      await waitUntil('a failed run', () => o.runs.length >= 1);
      expect(o.runs[0]).toMatchObject({ outcome: 'failed', done: 0, failed: 2 });
      expect(o.errors).toContainEqual(expect.objectContaining({ code: 'MAINTENANCE_FAILED' }));
      const [s] = await maintenanceStatus(db.sql, [t], { staleAfterMs: 60_000 });
      expect(s!.last).toMatchObject({ outcome: 'failed', failed: 2, lastSuccessAt: null });
      expect(s!.last!.error).toContain('[LOCK_TIMEOUT]');
      expect(s!.stale).toBe(true);
      await holder.end();
      await waitUntil('a run that succeeds', () => o.runs.some((r) => r.outcome === 'ok'));
    } finally {
      await holder.end();
      await runner.stop();
    }
    expect(await partitionsOf((x) => db.sql.unsafe(x), name)).toEqual([`${name}_default`, `${name}_p20260327`, `${name}_p20260328`]);
    const [s] = await maintenanceStatus(db.sql, [t], { staleAfterMs: 60_000 });
    expect(s!.last).toMatchObject({ outcome: 'ok' });
    expect(s!.stale).toBe(false);
  });

  it('a runner whose connection is terminated reports RUNNER_LOCK_LOST and takes the lock again', async () => {
    const name = 'runner_lost';
    const t = eventsTable(name, POLICY);
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const pool = new pg.Pool({ connectionString: db.url, max: 3, application_name: 'runner-lost' });
    pool.on('error', () => {});
    const { o, hooks } = observe();
    const runner = startMaintenance(pool, [t], { every: 20, name: 'lost', planOptions: { now: NOW }, ...hooks });
    try {
      await waitUntil('a run', () => o.runs.length >= 1);
      const [row] = await db.sql<{ ok: boolean }[]>`select pg_terminate_backend(l.pid) as ok from pg_locks l
        where l.locktype = 'advisory' and l.classid = ${RUNNER_LOCK_SPACE}::oid and l.objid = (hashtext('lost'))::oid and l.objsubid = 2`;
      expect(row?.ok).toBe(true);
      await waitUntil('the loss reported', () => o.errors.some((e) => (e as { code?: string }).code === 'RUNNER_LOCK_LOST'));
      const runs = o.runs.length;
      await waitUntil('runs again, on a new connection', () => o.runs.length > runs);
      expect(await lockHolder('lost')).toBe('runner-lost');
    } finally {
      await runner.stop();
      await pool.end();
    }
  });

  it('refuses an interval that is not a positive number of ms', () => {
    expect(() => startMaintenance(db.sql, [], { every: 0 })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    expect(() => startMaintenance({}, [], { every: 1000 })).toThrow(expect.objectContaining({ code: 'DATABASE_UNSUPPORTED' }));
  });
});

// ---------------------------------------------------------------------------------
// Two application processes

const CHILD = fileURLToPath(new URL('../support/runner-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An application process running the runner (test/support/runner-child.ts): its output lines so far. */
function startChild(args: Record<string, unknown>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ url: db.url, now: NOW.toISOString(), ...args })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const lines = () => out.split('\n').filter(Boolean);
  return {
    lines,
    count: (line: string) => lines().filter((l) => l === line).length,
    stderr: () => err,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('startMaintenance in two application processes', { timeout: 120_000 }, () => {
  it('one maintains, the other waits; kill -9 of the maintainer hands over to the other', async () => {
    const name = 'runner_procs';
    await createOn(db.sql, eventsTable(name, POLICY), EVENTS_COLUMNS);
    const common = { table: name, name: 'procs', every: 100 };
    const a = startChild({ ...common, applicationName: 'runner-child-a' });
    let b: ReturnType<typeof startChild> | undefined;
    try {
      await waitUntil('child A to maintain', () => a.count('run ok') >= 1, 60_000);
      b = startChild({ ...common, applicationName: 'runner-child-b' });
      const bb = b;
      await waitUntil('child B to find A maintaining twice', () => bb.count('waiting') >= 2, 60_000);
      expect(bb.lines().filter((l) => l.startsWith('run'))).toEqual([]);
      expect(await lockHolder('procs')).toBe('runner-child-a');

      await a.kill(); // kill -9: no stop(), no unlock; its connections just close
      await waitUntil('child B to take over', () => bb.count('run ok') >= 1, 60_000);
      expect(await lockHolder('procs')).toBe('runner-child-b');
      expect(bb.lines().filter((l) => l.startsWith('error'))).toEqual([]);
    } finally {
      await a.kill();
      await b?.kill();
    }
    expect(await partitionsOf((x) => db.sql.unsafe(x), name)).toEqual([`${name}_default`, `${name}_p20260327`, `${name}_p20260328`]);
    const [s] = await maintenanceStatus(db.sql, [{ name }]);
    expect(s!.last).toMatchObject({ runner: 'procs', everyMs: 100, outcome: 'ok' });
  });
});

// ---------------------------------------------------------------------------------
// status --stale-after

const SCHEMA = `import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

export const audit = pgPartitionedTable(
  'runner_audit',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { default: true }),
);
`;

describe('status reports a stale maintenance', { timeout: 120_000 }, () => {
  let project: Project;
  // the same table as the project's schema (no policy: nothing else for status to find)
  const audit = { schema: 'public', name: 'runner_audit' };
  beforeAll(async () => {
    await db.sql.unsafe(`CREATE TABLE runner_audit (${EVENTS_COLUMNS}) PARTITION BY RANGE (at); CREATE TABLE runner_audit_default PARTITION OF runner_audit DEFAULT`);
    project = await createProject({ name: 'runner-status', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': SCHEMA } });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('with no record: says so; not a problem unless --stale-after is given', async () => {
    const [s] = await maintenanceStatus(db.sql, [audit]);
    expect(s).toMatchObject({ last: null, stale: false, message: 'no runner has recorded a run of this table (startMaintenance)' });
    const [flagged] = await maintenanceStatus(db.sql, [audit], { staleAfterMs: 1000 });
    expect(flagged).toMatchObject({ last: null, stale: true });
    await expect(maintenanceStatus(db.sql, [audit], { staleAfterMs: 0 })).rejects.toMatchObject({ code: 'OPTION_INVALID' });

    const plain = await project.cli(['status', '--url', db.url]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('· maintenance: no runner has recorded a run of this table (startMaintenance)');
    const stale = await project.cli(['status', '--url', db.url, '--stale-after', '5m']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('! maintenance-stale: maintenance has never succeeded');
  });

  it('exit 1 and when it last succeeded, once the last success is older than --stale-after; --json carries it', async () => {
    const runs: MaintenanceRun[] = [];
    const runner = startMaintenance(db.sql, [audit], { every: 60_000, name: 'audit', onRun: (r) => void runs.push(r), onError: () => {} });
    await waitUntil('a run', () => runs.length >= 1);
    await runner.stop();
    const succeeded = runs[0]!.finishedAt;
    expect(runs[0]!.outcome).toBe('ok');

    // now: right after the run, within 3 intervals
    const fresh = await project.cli(['status', '--url', db.url, '--stale-after', '180000']);
    expect(fresh.code, fresh.stdout).toBe(0);
    expect(fresh.stdout).toContain(`· maintenance: last run ok at ${succeeded.toISOString()} by runner "audit" (every 60000 ms)`);

    // ten intervals later (--now): stale
    const later = new Date(succeeded.getTime() + 10 * 60_000).toISOString();
    const stale = await project.cli(['status', '--url', db.url, '--now', later, '--stale-after', '3m']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(`! maintenance-stale: maintenance last succeeded at ${succeeded.toISOString()}, more than 180000 ms ago`);
    expect(stale.stdout).toContain('1 problem(s) found');
    const json = await project.cli(['status', '--json', '--url', db.url, '--now', later, '--stale-after', '3m']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.healthy).toBe(false);
    expect(parsed.tables[0].maintenance).toMatchObject({ stale: true, last: { runner: 'audit', outcome: 'ok', lastSuccessAt: succeeded.toISOString() } });

    // the same, counted in the runner's own intervals (every 60000 ms recorded): 3 intervals is fresh right after, stale ten later
    const freshByIntervals = await project.cli(['status', '--url', db.url, '--now', new Date(succeeded.getTime() + 2 * 60_000).toISOString(), '--stale-intervals', '3']);
    expect(freshByIntervals.code, freshByIntervals.stdout).toBe(0);
    const staleByIntervals = await project.cli(['status', '--url', db.url, '--now', later, '--stale-intervals', '3']);
    expect(staleByIntervals.code).toBe(1);
    expect(staleByIntervals.stdout).toContain(`! maintenance-stale: maintenance last succeeded at ${succeeded.toISOString()}, more than 3 interval(s) of 60000 ms ago`);
    const [byIntervals] = await maintenanceStatus(db.sql, [audit], { staleAfterIntervals: 3, now: new Date(later) });
    expect(byIntervals!.stale).toBe(true);
    await expect(maintenanceStatus(db.sql, [audit], { staleAfterIntervals: 3, staleAfterMs: 1000 })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
    const both = await project.cli(['status', '--url', db.url, '--stale-intervals', '3', '--stale-after', '3m']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--stale-after or --stale-intervals');
    const badIntervals = await project.cli(['status', '--url', db.url, '--stale-intervals', '0']);
    expect(badIntervals.code).toBe(2);
    expect(badIntervals.stderr).toContain('--stale-intervals');

    // a record written long ago, read at the real time: stale too
    await db.sql`update drizzle_partitions.maintenance_runs set finished_at = '2020-01-01Z', last_success_at = '2020-01-01Z' where table_name = 'runner_audit'`;
    const old = await project.cli(['status', '--url', db.url, '--stale-after', '1d']);
    expect(old.code).toBe(1);
    expect(old.stdout).toContain('! maintenance-stale: maintenance last succeeded at 2020-01-01T00:00:00.000Z, more than 86400000 ms ago');
  });

  it('--stale-after takes ms or a duration with a unit; anything else is a usage error naming the flag (exit 2)', async () => {
    for (const bad of ['soon', '0', '1.5h', '3 m', '2w']) {
      const r = await project.cli(['status', '--url', db.url, '--stale-after', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('--stale-after needs a duration');
    }
  });
});
