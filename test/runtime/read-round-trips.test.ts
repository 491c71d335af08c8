/**
 * plan() and listPartitions() in one round trip on every driver: the session settings
 * they read with travel in the same message as the catalog statement (local to that
 * message's transaction), and nothing is sent to set the connection up or to give it
 * back. Counted at the driver: each client below counts the messages it sends
 * (postgres.js with its `debug` hook, node-postgres and PGlite by wrapping `query` and
 * `exec`). Also: the settings hold for the read (bounds in UTC whatever the
 * application's zone), they do not outlive it, and inside a transaction the
 * application holds on its own connection they are put back and the transaction
 * stays open.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPartitions, plan } from '../../src/index.js';
import { declaredPartitionsSql, partitionByClause } from '../../src/ddl/index.js';
import { getPartitioning } from '../../src/index.js';
import { withExecutor } from '../../src/runtime/executor.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { EVENTS_COLUMNS, eventsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-03-27T12:00:00Z');

/** A client that counts the messages it sends, and runs statements of the test's own (not counted). */
interface Counted {
  name: string;
  /** What plan() and listPartitions() are given. */
  client: unknown;
  readonly sent: number;
  reset(): void;
  direct(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

function countedPostgresJs(): Counted {
  let sent = 0;
  const database = databaseFromUrl(db.url);
  const sql = postgres(db.url, { ...(database ? { database } : {}), max: 2, onnotice: () => {}, debug: () => void sent++ });
  return {
    name: 'postgres-js',
    client: sql,
    get sent() {
      return sent;
    },
    reset: () => void (sent = 0),
    direct: async (text) => {
      const before = sent;
      const rows = [...(await sql.unsafe(text))] as Record<string, unknown>[];
      sent = before;
      return rows;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

function countedNodePg(): Counted {
  let sent = 0;
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  // Every client the pool opens counts its queries (one message each: nothing is pipelined).
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      sent++;
      return query(...args);
    };
  });
  return {
    name: 'node-postgres',
    client: pool,
    get sent() {
      return sent;
    },
    reset: () => void (sent = 0),
    direct: async (text) => {
      const before = sent;
      const rows = (await pool.query(text)).rows as Record<string, unknown>[];
      sent = before;
      return rows;
    },
    close: () => pool.end(),
  };
}

async function countedPglite(): Promise<Counted> {
  let sent = 0;
  const lite = await PGlite.create();
  // The runtime recognises PGlite by its shape: a proxy that counts query() and exec().
  const client = new Proxy(lite, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === 'query' || key === 'exec') {
        return (...args: unknown[]) => {
          sent++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    name: 'pglite',
    client,
    get sent() {
      return sent;
    },
    reset: () => void (sent = 0),
    direct: async (text) => (await lite.exec(text)).flatMap((r) => r.rows as Record<string, unknown>[]),
    close: () => lite.close(),
  };
}

const table = eventsTable('rt_events', { interval: '1 day', premake: 2 });

/** The table, up to date for NOW (what a scheduled run meets), made with the package's DDL. */
async function setUp(c: Counted): Promise<void> {
  const p = getPartitioning(table)!;
  await c.direct(`DROP TABLE IF EXISTS rt_events`);
  await c.direct(`CREATE TABLE rt_events (${EVENTS_COLUMNS}) ${partitionByClause(p)}`);
  for (const s of declaredPartitionsSql(p)) await c.direct(s);
  for (const day of ['2026-03-27', '2026-03-28', '2026-03-29']) {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await c.direct(`CREATE TABLE "rt_events_p${day.replace(/-/g, '')}" PARTITION OF rt_events FOR VALUES FROM ('${day} 00:00:00+00') TO ('${next} 00:00:00+00')`);
  }
}

describe.each([['postgres-js', countedPostgresJs], ['node-postgres', countedNodePg], ['pglite', countedPglite]] as const)('%s', (_name, open) => {
  let c: Counted;
  beforeAll(async () => {
    c = await open();
    await setUp(c);
    // The first read of a client learns the server version (once per client).
    await listPartitions(c.client, table);
  }, 60_000);
  afterAll(() => c.close());

  it('plan() of an up-to-date table: one message', async () => {
    c.reset();
    const p = await plan(c.client, [table], { now: NOW });
    expect(c.sent).toBe(1);
    expect(p.tables[0]!.ops).toEqual([]);
    expect(p.tables[0]!.problems).toEqual([]);
  });

  it('listPartitions(): one message, bounds read in UTC whatever the session zone', async () => {
    await c.direct(`SET TimeZone = 'Asia/Kathmandu'`);
    c.reset();
    const tree = await listPartitions(c.client, table);
    expect(c.sent).toBe(1);
    expect(tree.partitions.find((x) => x.name === 'rt_events_p20260327')?.boundText).toBe("FOR VALUES FROM ('2026-03-27 00:00:00+00') TO ('2026-03-28 00:00:00+00')");
    await c.direct(`RESET TimeZone`);
  });

  it('the settings hold for each statement and end with it; transactions are refused', async () => {
    const settings = { TimeZone: 'Asia/Kathmandu', jit: 'off' };
    const [inside, after] = await withExecutor(
      c.client,
      async (ex) => {
        const a = await ex.query<{ tz: string; jit: string; s: string; n: string }>(
          `select current_setting('TimeZone') as tz, current_setting('jit') as jit, $1::text as s, ($2::int + $3::int)::text as n`,
          ["it's a \\ test", -2, 5],
        );
        await expect(ex.transaction(async () => 1)).rejects.toMatchObject({ code: 'TRANSACTION_UNSUPPORTED' });
        await expect(ex.transactionScript(['select 1'])).rejects.toMatchObject({ code: 'TRANSACTION_UNSUPPORTED' });
        return [a[0], await c.direct(`select current_setting('TimeZone') as tz`)];
      },
      { settings, settingsScope: 'statement' },
    );
    expect(inside).toEqual({ tz: 'Asia/Kathmandu', jit: 'off', s: "it's a \\ test", n: '3' });
    expect(after[0]!.tz).not.toBe('Asia/Kathmandu');
  });
});

describe('inside a transaction the application holds on its own connection', () => {
  it('node-postgres Client: bounds in UTC, the application\'s local zone put back, its transaction still open', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL TimeZone = 'Asia/Tokyo'`);
      // rt_events lives in the server drivers' database (made above)
      const tree = await listPartitions(client, { name: 'rt_events' });
      expect(tree.partitions.find((x) => x.name === 'rt_events_p20260327')?.boundText).toBe("FOR VALUES FROM ('2026-03-27 00:00:00+00') TO ('2026-03-28 00:00:00+00')");
      const { rows } = await client.query(`select current_setting('TimeZone') as tz, now() < statement_timestamp() as open`);
      expect(rows[0]).toEqual({ tz: 'Asia/Tokyo', open: true });
      await client.query('COMMIT');
      const after = await client.query(`select current_setting('TimeZone') as tz`);
      expect(after.rows[0].tz).not.toBe('Asia/Tokyo');
    } finally {
      await client.end();
    }
  });

  it('PGlite: the same', async () => {
    const lite = await PGlite.create();
    try {
      await lite.exec(`CREATE TABLE t (at timestamptz NOT NULL) PARTITION BY RANGE (at); CREATE TABLE t_p1 PARTITION OF t FOR VALUES FROM ('2026-03-27 00:00:00+00') TO ('2026-03-28 00:00:00+00')`);
      await lite.exec(`BEGIN; SET LOCAL TimeZone = 'Asia/Tokyo'`);
      const tree = await listPartitions(lite, { name: 't' });
      expect(tree.partitions.map((x) => x.boundText)).toEqual(["FOR VALUES FROM ('2026-03-27 00:00:00+00') TO ('2026-03-28 00:00:00+00')"]);
      expect(lite.isInTransaction()).toBe(true);
      const { rows } = await lite.query<{ tz: string }>(`select current_setting('TimeZone') as tz`);
      expect(rows[0]!.tz).toBe('Asia/Tokyo');
      await lite.exec('COMMIT');
    } finally {
      await lite.close();
    }
  });
});
