import { describe, expect, inject, it } from 'vitest';
import { createScratchDatabase, databaseFromUrl } from './harness/client.js';
import { useTestDatabase, withClient } from './harness/db.js';

const db = useTestDatabase();
const other = useTestDatabase({ prefix: 'dp_other' });

describe('test harness', () => {
  it('connects to the fresh database named in url', async () => {
    expect(db.name).toMatch(/^dp_test_[0-9a-f]{12}$/);
    expect(databaseFromUrl(db.url)).toBe(db.name);
    const [row] = await db.sql<{ db: string }[]>`select current_database() as db`;
    expect(row?.db).toBe(db.name);
  });

  it('gives every useTestDatabase() call its own, empty database', async () => {
    expect(other.name).not.toBe(db.name);
    const [row] = await other.sql<{ db: string }[]>`select current_database() as db`;
    expect(row?.db).toBe(other.name);
    const tables = await db.sql`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`;
    expect(tables).toHaveLength(0);
    const dbs = await withClient(inject('pgAdminUrl'), (sql) =>
      sql<{ datname: string }[]>`select datname from pg_database where datname in ${sql([db.name, other.name])}`,
    );
    expect(dbs.map((r) => r.datname).sort()).toEqual([db.name, other.name].sort());
  });

  it('reports the server version', async () => {
    const [row] = await db.sql<{ n: string }[]>`select current_setting('server_version_num') as n`;
    expect(Number(row?.n)).toBe(db.serverVersionNum);
    expect(db.serverMajor).toBe(Math.floor(db.serverVersionNum / 10000));
    expect(db.serverMajor).toBeGreaterThanOrEqual(13);
    expect(inject('pgServerVersion').startsWith(`${db.serverMajor}.`)).toBe(true);
    if (inject('pgProvider') === 'embedded') {
      expect(String(db.serverMajor)).toBe(process.env.PG_VERSION?.trim() || '18');
    }
  });

  it('supports declarative range partitioning', async () => {
    await db.sql`create table events (id bigint not null, at timestamptz not null) partition by range (at)`;
    await db.sql`create table events_2024 partition of events
                 for values from ('2024-01-01') to ('2025-01-01')`;
    await db.sql`insert into events values (1, '2024-06-01')`;
    const parts = await db.sql<{ strategy: string; children: string }[]>`
      select pt.partstrat as strategy,
             (select count(*) from pg_inherits i where i.inhparent = pt.partrelid)::text as children
      from pg_partitioned_table pt where pt.partrelid = 'events'::regclass`;
    expect(parts).toEqual([{ strategy: 'r', children: '1' }]);
    const [row] = await db.sql<{ t: string }[]>`select tableoid::regclass::text as t from events`;
    expect(row?.t).toBe('events_2024');
    await expect(db.sql`insert into events values (2, '2030-01-01')`).rejects.toThrow(/no partition/);
  });

  it('quotes database names and force-drops databases with open connections', async () => {
    const admin = inject('pgAdminUrl');
    const weird = await createScratchDatabase(admin, { name: `dp_test_we"ird ${Date.now()}` });
    await withClient(weird.url, async (sql) => {
      const [row] = await sql<{ db: string }[]>`select current_database() as db`;
      expect(row?.db).toBe(weird.name);
      await weird.drop(); // while this connection is still open
    }).catch((err: unknown) => {
      // The forced drop terminates our session; postgres.js may report that on close.
      if (!/terminat/i.test(String(err))) throw err;
    });
    const left = await withClient(admin, (sql) => sql`select 1 from pg_database where datname = ${weird.name}`);
    expect(left).toHaveLength(0);
  });
});
