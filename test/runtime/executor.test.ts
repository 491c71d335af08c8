/**
 * The executor on every driver, raw and wrapped by drizzle(): statements, rows,
 * transactions, pinning (session settings and advisory locks stay on one connection
 * and do not leak back to the pool), SQLSTATEs, statements that must run outside a
 * transaction block, and what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import postgres from 'postgres';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import { DrizzlePartitionsError } from '../../src/errors.js';
import { sqlState, withExecutor, type Executor } from '../../src/runtime/executor.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { can, forEachDriver, sharedPglite } from '../support/drivers.js';

const database = useTestDatabase();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
  }
  throw new Error('expected a rejection');
}

async function pidOf(ex: Executor): Promise<number> {
  const [row] = await ex.query<{ pid: number }>('select pg_backend_pid() as pid');
  return row!.pid;
}

forEachDriver(
  'executor',
  (get, driver) => {
    const t = (what: string) => `${what}_${driver.slug}`;

    it('detects the driver and what it can do', async () => {
      await withExecutor(get().db, async (ex) => {
        expect(ex.driver).toBe(driver.kind);
        expect(ex.canOpenAnother).toBe(can(driver, 'second-connection'));
      });
    });

    it('runs a statement with parameters and returns plain row objects', async () => {
      const rows = await withExecutor(get().db, (ex) =>
        ex.query<{ n: number; s: string; b: boolean; z: string | null }>('select $1::int + 1 as n, $2::text as s, $3::boolean as b, $4::text as z', [41, "it's", true, null]),
      );
      expect(Array.isArray(rows)).toBe(true);
      expect(Object.getPrototypeOf(rows)).toBe(Array.prototype);
      expect(rows).toEqual([{ n: 42, s: "it's", b: true, z: null }]);
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(Object.keys(rows[0]!)).toEqual(['n', 's', 'b', 'z']);
      // A statement that returns no rows gives [].
      expect(await withExecutor(get().db, (ex) => ex.query('select 1 as n where false'))).toEqual([]);
    });

    it('leaves bigint and numeric as the driver returns them (cast in SQL when it matters)', async () => {
      const [row] = await withExecutor(get().db, (ex) => ex.query('select 9007199254740993::int8 as big, 1.50::numeric as num, count(*) as c, count(*)::int as ci from (values (1), (2)) v(x)'));
      expect(row!.num).toBe('1.50');
      expect(row!.ci).toBe(2);
      if (driver.kind === 'pglite') {
        // PGlite parses int8 into a number when it fits, a bigint when it does not.
        expect(row!.c).toBe(2);
        expect(row!.big).toBe(9007199254740993n);
      } else {
        expect(row!.c).toBe('2');
        expect(row!.big).toBe('9007199254740993');
      }
    });

    it('reports the server version, cached', async () => {
      await withExecutor(get().db, async (ex) => {
        const v = await ex.serverVersionNum();
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(130000);
        if (driver.kind !== 'pglite') expect(v).toBe(database.serverVersionNum);
        expect(await ex.serverVersionNum()).toBe(v);
      });
    });

    it('commits a transaction, and a failed statement rolls back the earlier one', async () => {
      const table = t('tx');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int primary key)`);
        const out = await ex.transaction(async (tx) => {
          await tx.query(`insert into ${table} values ($1::int)`, [1]);
          return 'done';
        });
        expect(out).toBe('done');

        const failed = ex.transaction(async (tx) => {
          await tx.query(`insert into ${table} values ($1::int)`, [2]);
          await tx.query(`insert into ${table} values ($1::int)`, [1]); // duplicate
        });
        expect(await codeOf(failed)).toBe('23505');

        const thrown = ex.transaction(async (tx) => {
          await tx.query(`insert into ${table} values ($1::int)`, [3]);
          throw new Error('changed my mind');
        });
        await expect(thrown).rejects.toThrow('changed my mind');

        // The connection is usable and outside any transaction afterwards.
        expect(await ex.query(`select id from ${table} order by id`)).toEqual([{ id: 1 }]);
      });
      // Committed for everyone else too.
      expect(await get().direct(`select id from ${table} order by id`)).toEqual([{ id: 1 }]);
    });

    it('refuses to commit when a statement failed and the callback swallowed the error', async () => {
      const table = t('aborted');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int primary key)`);
        await ex.query(`insert into ${table} values (1)`);
        const p = ex.transaction(async (tx) => {
          await tx.query(`insert into ${table} values (2)`);
          await tx.query(`insert into ${table} values (1)`).catch(() => undefined);
          return 'pretend all is well';
        });
        await expect(p).rejects.toMatchObject({ code: 'TRANSACTION_ABORTED' });
        expect(sqlState(await p.catch((e: unknown) => e))).toBe('25P02');
        expect(await ex.query(`select id from ${table} order by id`)).toEqual([{ id: 1 }]);
      });
    });

    it('does not nest transactions', async () => {
      const table = t('nest');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int)`);
        await ex.transaction(async (tx) => {
          expect(await codeOf(tx.transaction(async () => 1))).toBe('TRANSACTION_NESTED');
          expect(await codeOf(ex.transaction(async () => 1))).toBe('TRANSACTION_NESTED');
          // The outer executor runs inside the open transaction too (PGlite would
          // otherwise wait for its own transaction lock).
          await ex.query(`insert into ${table} values (1)`);
          await sleep(5);
          const [row] = await tx.query<{ same: boolean }>('select now() = statement_timestamp() as same');
          expect(row!.same).toBe(false);
        });
        expect(await ex.query(`select id from ${table}`)).toEqual([{ id: 1 }]);
      });
    });

    it('runs a list of statements as one transaction in one message: the rows of those that return rows, all or nothing', async () => {
      const table = t('script');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int primary key, note text)`);
        const rows = await ex.transactionScript<{ n: number }>([
          `SET LOCAL lock_timeout = 1234`,
          `insert into ${table} values (1, 'semi; colon')`,
          `with i as (insert into ${table} values (2, null), (3, null) returning 1) select count(*)::int as n from i;`,
          `select current_setting('lock_timeout') as n`,
          `delete from ${table} where id = 3`,
        ]);
        expect(rows).toEqual([{ n: 2 }, { n: '1234ms' }]);
        // SET LOCAL ended with it: the transaction committed and is over.
        const [after] = await ex.query<{ lt: string }>(`select current_setting('lock_timeout') as lt`);
        expect(after!.lt).toBe('0');
        expect(await ex.query(`select id, note from ${table} order by id`)).toEqual([
          { id: 1, note: 'semi; colon' },
          { id: 2, note: null },
        ]);

        // A failing statement: the ones before it are rolled back, those after it never run,
        // and the session is usable, outside any transaction, afterwards.
        const failed = ex.transactionScript([`insert into ${table} values (4, null)`, `insert into ${table} values (1, null)`, `insert into ${table} values (5, null)`]);
        expect(await codeOf(failed)).toBe('23505');
        expect(await ex.query(`select id from ${table} order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
        await ex.transaction((tx) => tx.query(`insert into ${table} values (6, null)`));

        // Not inside a transaction.
        await ex.transaction(async (tx) => {
          expect(await codeOf(tx.transactionScript(['select 1']))).toBe('TRANSACTION_NESTED');
        });
      });
      expect(await get().direct(`select id from ${table} order by id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 6 }]);
    });

    it('keeps session settings on its one connection and puts them back on release', async () => {
      let pid = 0;
      await withExecutor(get().db, async (ex) => {
        pid = await pidOf(ex);
        await ex.query(`SET lock_timeout = '123ms'`);
        await ex.query(`SET TimeZone = 'Asia/Kathmandu'`);
        for (let i = 0; i < 2; i++) {
          const [row] = await ex.query<{ lt: string; tz: string; pid: number }>(`select current_setting('lock_timeout') as lt, current_setting('TimeZone') as tz, pg_backend_pid() as pid`);
          expect(row).toEqual({ lt: '123ms', tz: 'Asia/Kathmandu', pid });
        }
      });
      // Through the application's pool: the connection that was pinned (found by its
      // pid; postgres.js hands out open connections in turn) shows the defaults.
      let seen: Record<string, unknown> | undefined;
      for (let i = 0; i < 2 * 4 && !seen; i++) {
        const [row] = await get().direct(`select pg_backend_pid() as pid, current_setting('lock_timeout') as lt, current_setting('TimeZone') as tz`);
        if (row!.pid === pid) seen = row;
      }
      expect(seen, 'the pinned connection went back to the pool').toBeDefined();
      expect(seen!.lt).toBe('0');
      expect(seen!.tz).not.toBe('Asia/Kathmandu');
    });

    it('puts settings back when the callback throws, and on the next pin the session is clean', async () => {
      await expect(
        withExecutor(get().db, async (ex) => {
          await ex.query(`SET lock_timeout = '5s'`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      // Pin as many connections as the pool has: none carries the setting.
      const n = can(driver, 'second-connection') ? 4 : 1;
      const seen = await pinMany(get().db, n, (ex) => ex.query<{ lt: string }>(`select current_setting('lock_timeout') as lt`));
      expect(seen.flat()).toEqual(Array.from({ length: n }, () => ({ lt: '0' })));
    });

    it.skipIf(!can(driver, 'second-connection'))('holds a session advisory lock that another Executor cannot take', async () => {
      await withExecutor(get().db, async (a) => {
        const [got] = await a.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4, $2::int4) as ok', [7, 4242]);
        expect(got!.ok).toBe(true);
        await withExecutor(get().db, async (b) => {
          expect(await pidOf(b)).not.toBe(await pidOf(a));
          const [other] = await b.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4, $2::int4) as ok', [7, 4242]);
          expect(other!.ok).toBe(false);
        });
        // Still held after the other connection went back.
        const [held] = await a.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`);
        expect(held!.n).toBe(1);
        // Released without pg_advisory_unlock: the executor releases it before giving the connection back.
      });
      // pg_locks shows every session's locks (a two-int4 key is classid, objid, objsubid 2).
      const [left] = await get().direct(`select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 7 and objid = 4242 and objsubid = 2`);
      expect(left).toEqual({ n: 0 });
    });

    it.skipIf(can(driver, 'second-connection'))('refuses a nested withExecutor on its single connection instead of waiting forever', async () => {
      await withExecutor(get().db, async () => {
        expect(await codeOf(withExecutor(get().db, async () => 1))).toBe('EXECUTOR_NESTED');
      });
    });

    it('keeps the SQLSTATE of driver errors reachable', async () => {
      const table = t('uniq');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int primary key)`);
        await ex.query(`insert into ${table} values (1)`);
        const err = await ex.query(`insert into ${table} values (1)`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
        expect(String((err as Error).message)).toMatch(/duplicate key/);
        expect(sqlState(err)).toBe('23505');
        expect(sqlState(await ex.query('select 1/0').catch((e: unknown) => e))).toBe('22012');
        // A drizzle-style wrapper keeps the driver error as its cause.
        expect(sqlState(new Error('Failed query', { cause: err }))).toBe('23505');
      });
    });

    it('runs CREATE INDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY outside a transaction block', async () => {
      const table = t('conc');
      await withExecutor(get().db, async (ex) => {
        await ex.query(`create table ${table} (id int, k int not null) partition by range (k)`);
        await ex.query(`create table ${table}_1 partition of ${table} for values from (0) to (10)`);
        await ex.query(`create table ${table}_2 partition of ${table} for values from (10) to (20)`);
        await ex.query(`insert into ${table} select g, g from generate_series(0, 19) g`);

        await ex.query(`create index concurrently ${table}_1_id on ${table}_1 (id)`);
        const [idx] = await ex.query<{ valid: boolean }>(`select indisvalid as valid from pg_index where indexrelid = $1::text::regclass`, [`${table}_1_id`]);
        expect(idx!.valid).toBe(true);

        // Inside a transaction block PostgreSQL refuses it.
        const inTx = ex.transaction((tx) => tx.query(`create index concurrently ${table}_2_id on ${table}_2 (id)`));
        expect(await codeOf(inTx)).toBe('25001');

        if ((await ex.serverVersionNum()) >= 140000) {
          await ex.query(`alter table ${table} detach partition ${table}_2 concurrently`);
          const [n] = await ex.query<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = $1::text::regclass`, [table]);
          expect(n!.n).toBe(1);
        }
      });
    });

    it('cannot be used after its callback returned', async () => {
      let kept: Executor | undefined;
      await withExecutor(get().db, async (ex) => {
        kept = ex;
      });
      expect(await codeOf(kept!.query('select 1'))).toBe('EXECUTOR_RELEASED');
      expect(await codeOf(kept!.transaction(async () => 1))).toBe('EXECUTOR_RELEASED');
      expect(await codeOf(kept!.transactionScript(['select 1']))).toBe('EXECUTOR_RELEASED');
    });
  },
  { database },
);

/** Pins `n` executors at once (so each is on its own connection) and runs fn on each. */
async function pinMany<T>(db: unknown, n: number, fn: (ex: Executor) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const pin = async (left: number): Promise<void> => {
    if (left === 0) return;
    await withExecutor(db, async (ex) => {
      results.push(await fn(ex));
      await pin(left - 1);
    });
  };
  await pin(n);
  return results;
}

describe('withExecutor refuses what it cannot use', () => {
  it.each([
    ['an empty object', {}],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'postgres://localhost/db'],
    ['a plain function', () => undefined],
    ['a drizzle-like object with an unknown $client', { $client: { select() {} } }],
    ['an object with only query()', { query: async () => ({ rows: [] }) }],
    ['a postgres.js transaction-like function (unsafe, no reserve/release)', Object.assign(() => undefined, { unsafe: async () => [] })],
  ])('%s', async (_what, value) => {
    const err = await withExecutor(value, async () => 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrizzlePartitionsError);
    expect(err).toMatchObject({ code: 'DATABASE_UNSUPPORTED' });
    expect(String((err as Error).message)).toMatch(/drizzle-orm\/postgres-js.*node-postgres Pool.*PGlite/s);
  });

  it('reads no SQLSTATE from errors that are not PostgreSQL errors', () => {
    expect(sqlState(undefined)).toBeUndefined();
    expect(sqlState(new Error('x'))).toBeUndefined();
    expect(sqlState(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }))).toBeUndefined();
    expect(sqlState(Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' }))).toBeUndefined();
    expect(sqlState(new DrizzlePartitionsError('ABCDE', 'ours'))).toBeUndefined();
  });
});

describe('connections the application owns, and pools of one', () => {
  const pgOpts = () => ({ connectionString: database.url });
  const pgJsOpts = () => {
    const name = databaseFromUrl(database.url);
    return { ...(name ? { database: name } : {}), onnotice: () => {} };
  };

  it('uses a node-postgres Client as it is, keeps its settings, and does not end it', async () => {
    const client = new pg.Client(pgOpts());
    await client.connect();
    try {
      await client.query(`SET application_name = 'the-app'`);
      await client.query(`SET lock_timeout = '9s'`);
      const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
      await withExecutor(client, async (ex) => {
        expect(ex.driver).toBe('node-postgres');
        expect(ex.canOpenAnother).toBe(false);
        expect(await pidOf(ex)).toBe(pid);
        await ex.query(`SET application_name = 'maintenance'`);
        await ex.query(`SET lock_timeout = '1s'`);
        await ex.query(`SET TimeZone = 'UTC'`);
        expect(await codeOf(withExecutor(client, async () => 1))).toBe('EXECUTOR_NESTED');
      });
      const { rows } = await client.query(`select current_setting('application_name') as app, current_setting('lock_timeout') as lt, pg_backend_pid() as pid`);
      expect(rows[0]).toEqual({ app: 'the-app', lt: '9s', pid });
    } finally {
      await client.end();
    }
  });

  it('uses a checked-out node-postgres pool client without releasing it', async () => {
    const pool = new pg.Pool({ ...pgOpts(), max: 2 });
    try {
      const client = await pool.connect();
      await withExecutor(client, async (ex) => {
        expect(ex.canOpenAnother).toBe(false);
        await ex.query('select 1');
      });
      expect(pool.idleCount).toBe(0); // still checked out
      client.release();
    } finally {
      await pool.end();
    }
  });

  it('serialises withExecutor calls on one connection', async () => {
    const pglite = await sharedPglite();
    const order: string[] = [];
    await Promise.all([
      withExecutor(pglite, async (ex) => {
        await ex.query(`SET lock_timeout = '77ms'`);
        order.push('a:set');
        await sleep(50);
        order.push('a:end');
      }),
      withExecutor(pglite, async (ex) => {
        const [row] = await ex.query<{ lt: string }>(`select current_setting('lock_timeout') as lt`);
        order.push(`b:${row!.lt}`);
      }),
    ]);
    expect(order).toEqual(['a:set', 'a:end', 'b:0']);
  });

  it('keeps the settings an application made on a pooled connection (node-postgres, max 1)', async () => {
    const pool = new pg.Pool({ ...pgOpts(), max: 1 });
    try {
      await pool.query(`SET search_path = pg_catalog, public`);
      await pool.query(`SET statement_timeout = '7s'`);
      await withExecutor(pool, async (ex) => {
        expect(ex.canOpenAnother).toBe(false);
        await ex.query(`SET statement_timeout = '1s'`);
        await ex.query(`RESET search_path`);
        await ex.query(`SET lock_timeout = '2s'`);
      });
      const { rows } = await pool.query(`select current_setting('search_path') as sp, current_setting('statement_timeout') as st, current_setting('lock_timeout') as lt`);
      expect(rows[0]).toEqual({ sp: 'pg_catalog, public', st: '7s', lt: '0' });
    } finally {
      await pool.end();
    }
  });

  it('keeps the settings an application made on a pooled connection (postgres.js, max 1)', async () => {
    const sql = postgres(database.url, { ...pgJsOpts(), max: 1 });
    try {
      await sql.unsafe(`SET statement_timeout = '7s'`);
      await withExecutor(sql, async (ex) => {
        await ex.query(`SET statement_timeout = '1s'`);
        await ex.query(`SET lock_timeout = '2s'`);
      });
      const [row] = await sql.unsafe(`select current_setting('statement_timeout') as st, current_setting('lock_timeout') as lt`);
      expect(row).toEqual({ st: '7s', lt: '0' });
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('uses a reserved postgres.js connection as it is, without releasing it', async () => {
    const sql = postgres(database.url, { ...pgJsOpts(), max: 2 });
    try {
      const reserved = await sql.reserve();
      const [first] = await reserved.unsafe('select pg_backend_pid() as pid');
      const pid = first!.pid as number;
      await withExecutor(reserved, async (ex) => {
        expect(ex.canOpenAnother).toBe(false);
        expect(await pidOf(ex)).toBe(pid);
        await ex.transaction((tx) => tx.query('select 1'));
      });
      const [again] = await reserved.unsafe('select pg_backend_pid() as pid');
      expect(again!.pid).toBe(pid);
      reserved.release();
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('is not broken by a postgres.js camel-case transform', async () => {
    const sql = postgres(database.url, { ...pgJsOpts(), max: 2, transform: postgres.camel });
    try {
      const rows = await withExecutor(drizzlePostgresJs(sql), async (ex) => {
        expect(await ex.serverVersionNum()).toBe(database.serverVersionNum);
        await ex.query(`SET lock_timeout = '3s'`);
        await ex.transaction((tx) => tx.query('select 1'));
        return ex.query('select 1 as max_key, 2 as v');
      });
      // Rows are used as the driver returns them: the transform renamed the column.
      expect(rows).toEqual([{ maxKey: 1, v: 2 }]);
      const [row] = await sql.unsafe(`select current_setting('lock_timeout') as lt`);
      expect(row).toEqual({ lt: '0' });
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it('survives losing a pinned node-postgres connection, and does not give it back to the pool', async () => {
    const pool = new pg.Pool({ ...pgOpts(), max: 2 });
    pool.on('error', () => {});
    try {
      const err = await withExecutor(pool, async (ex) => {
        const pid = await pidOf(ex);
        await pool.query('select pg_terminate_backend($1::int)', [pid]);
        await sleep(100); // the client sees the connection close while idle
        const first = await ex.query('select 1').catch((e: unknown) => e);
        // Nothing more is sent on the lost connection.
        expect(await codeOf(ex.query('select 1'))).toBe('CONNECTION_LOST');
        return first;
      });
      expect(err).toBeInstanceOf(Error);
      expect(sqlState(err)).toBeUndefined();
      const { rows } = await pool.query('select 1 as ok');
      expect(rows).toEqual([{ ok: 1 }]);
      expect(pool.totalCount).toBeLessThanOrEqual(2);
    } finally {
      await pool.end();
    }
  });

  // postgres.js 3.4.9 crashes the process (an uncaught TypeError in nextWrite) when a
  // statement is written to a reserved connection whose backend was terminated, often on
  // the very first one: porsager/postgres#1208 (open). Nothing a caller can catch, so no
  // test here; the executor only avoids sending a second statement after the first fails.
});
