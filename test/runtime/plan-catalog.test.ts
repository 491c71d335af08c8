/**
 * What plan() and listPartitions() read, and in how many statements: the tree in one
 * message carrying the session settings and the catalog statement (sizes only when
 * asked), nothing sent to set the connection up or give it back, the default partition
 * asked about only when its main fork is not empty, and the session left as it was.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doublePrecision } from 'drizzle-orm/pg-core';
import { apply, listPartitions, pgPartitionedTable, plan, range } from '../../src/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { createOn, EVENTS_COLUMNS, eventsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-03-27T12:00:00Z');

/** A postgres.js pool of one connection that records every statement it sends (one per round trip: nothing is pipelined). */
function recording() {
  const sent: string[] = [];
  const database = databaseFromUrl(db.url);
  const sql = postgres(db.url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, debug: (_c: number, text: string) => void sent.push(text) });
  return {
    sql,
    async statements(fn: (sql: postgres.Sql) => Promise<unknown>): Promise<string[]> {
      sent.length = 0;
      await fn(sql);
      return [...sent];
    },
  };
}

/** A daily table made up to date for NOW (its partitions created by maintenance). */
async function upToDate(name: string) {
  const t = eventsTable(name, { interval: '1 day', premake: 2 });
  await createOn(db.sql, t, EVENTS_COLUMNS);
  const r = await apply(db.sql, await plan(db.sql, [t], { now: NOW }));
  expect(r.results.map((x) => x.status)).toEqual(['done', 'done', 'done']);
  return t;
}

describe('statements sent', () => {
  let rec: ReturnType<typeof recording>;
  beforeAll(async () => {
    rec = recording();
    // postgres.js reads the array types once, when its connection opens: not ours to count.
    await rec.sql.unsafe('select 1');
  });

  it("a client's first read learns the server version (one statement, once); later reads send none for it", async () => {
    const t = await upToDate('cat_version');
    const first = await rec.statements((sql) => listPartitions(sql, t));
    expect(first).toHaveLength(2);
    expect(first[0]).toContain('server_version_num');
    const again = await rec.statements((sql) => listPartitions(sql, t));
    expect(again).toHaveLength(1);
  });
  afterAll(() => rec.sql.end({ timeout: 5 }));

  it('plan() of an up-to-date table with an empty default partition: one message, the settings and the catalog statement', async () => {
    const t = await upToDate('cat_steady');
    let result: Awaited<ReturnType<typeof plan>> | undefined;
    const sent = await rec.statements(async (sql) => void (result = await plan(sql, [t], { now: NOW })));
    expect(result!.tables[0]!.ops).toEqual([]);
    expect(result!.tables[0]!.problems).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('set_config');
    expect(sent[0]).toContain('pg_inherits');
    // the table's name and the markers travel as literals (no bind parameters in a multi-statement message)
    expect(sent[0]).toContain(`'"public"."cat_steady"'::regclass`);
    expect(sent[0]).not.toMatch(/\$\d/);
    expect(sent.join('\n')).not.toContain('pg_total_relation_size');
  });

  it('listPartitions(): the same one message; sizes only with { sizes: true }', async () => {
    const t = await upToDate('cat_list');
    const plain = await listPartitions(rec.sql, t);
    expect(plain.partitions.map((p) => p.bytes)).toEqual([undefined, undefined, undefined, undefined]);
    const sent = await rec.statements((sql) => listPartitions(sql, t, { sizes: true }));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('pg_total_relation_size');
    const sized = await listPartitions(rec.sql, t, { sizes: true });
    expect(sized.partitions.map((p) => p.name)).toEqual(plain.partitions.map((p) => p.name));
    // every partition has at least its primary key's index page
    for (const p of sized.partitions) expect(p.bytes).toBeGreaterThan(0);
  });

  it('a default partition holding rows is asked about (one more statement) and reported', async () => {
    const t = await upToDate('cat_rows');
    await db.sql.unsafe(`insert into cat_rows (id, at) values (1, '2027-01-01T00:00:00Z')`);
    let result: Awaited<ReturnType<typeof plan>> | undefined;
    const sent = await rec.statements(async (sql) => void (result = await plan(sql, [t], { now: NOW })));
    expect(result!.tables[0]!.problems.map((p) => `${p.code} ${p.partition}`)).toEqual(['default-has-rows cat_rows_default']);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toContain('"cat_rows_default"');
  });
});

describe('whether the default partition holds rows stays exact', () => {
  it('rows deleted (the main fork keeps its pages): asked, and no default-has-rows', async () => {
    const t = await upToDate('cat_deleted');
    await db.sql.unsafe(`insert into cat_deleted (id, at) values (1, '2027-01-01T00:00:00Z')`);
    await db.sql.unsafe(`delete from cat_deleted`);
    const [{ size }] = (await db.sql.unsafe(`select pg_relation_size('cat_deleted_default')::int as size`)) as unknown as [{ size: number }];
    expect(size).toBeGreaterThan(0);
    const p = await plan(db.sql, [t], { now: NOW });
    expect(p.tables[0]!.problems).toEqual([]);
  });

  it('a partitioned default partition (its own main fork is always empty) holding rows is reported', async () => {
    const t = eventsTable('cat_pdef', { interval: '1 day', premake: 0 }, { withDefault: false });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql.unsafe(`CREATE TABLE cat_pdef_default PARTITION OF cat_pdef DEFAULT PARTITION BY HASH (id)`);
    await db.sql.unsafe(`CREATE TABLE cat_pdef_default_h0 PARTITION OF cat_pdef_default FOR VALUES WITH (modulus 1, remainder 0)`);
    await db.sql.unsafe(`insert into cat_pdef (id, at) values (1, '2026-03-27T13:00:00Z'), (2, '2026-03-27T14:00:00Z'), (3, '2026-03-27T15:00:00Z')`);
    const p = await plan(db.sql, [t], { now: NOW, maxMoveRows: 2 });
    const table = p.tables[0]!;
    expect(table.problems.map((x) => x.code)).toEqual(expect.arrayContaining(['default-has-rows', 'needs-window']));
    const create = table.ops.find((o) => o.kind === 'create')!;
    // counted up to maxMoveRows + 1: three rows are more than two
    expect(create.kind === 'create' && [create.defaultRows, create.needsWindow !== undefined]).toEqual([3, true]);
    const within = await plan(db.sql, [t], { now: NOW, maxMoveRows: 3 });
    const op = within.tables[0]!.ops.find((o) => o.kind === 'create')!;
    expect(op.kind === 'create' && [op.defaultRows, op.needsWindow]).toEqual([3, undefined]);
  });
});

describe('the tree', () => {
  it('a partition in another schema than its table keeps its schema', async () => {
    const t = eventsTable('cat_schema', { interval: '1 day', premake: 0 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    await db.sql.unsafe(`CREATE SCHEMA IF NOT EXISTS cat_other`);
    await db.sql.unsafe(`CREATE TABLE cat_other.cat_schema_p20260327 PARTITION OF cat_schema FOR VALUES FROM ('2026-03-27T00:00:00Z') TO ('2026-03-28T00:00:00Z')`);
    const tree = await listPartitions(db.sql, t);
    expect(tree.table).toEqual({ schema: 'public', name: 'cat_schema' });
    expect(tree.partitions.map((p) => [p.schema, p.name, p.origin])).toEqual([
      ['public', 'cat_schema_default', 'declared'],
      ['cat_other', 'cat_schema_p20260327', 'unknown'],
    ]);
  });

  it('plan() gives a connection back with the settings it had (jit and TimeZone included)', async () => {
    const t = await upToDate('cat_settings');
    const reserved = await db.sql.reserve();
    try {
      await reserved.unsafe(`SET jit = on`);
      await reserved.unsafe(`SET TimeZone = 'Asia/Kathmandu'`);
      await plan(reserved, [t], { now: NOW });
      await listPartitions(reserved, t);
      const [row] = await reserved.unsafe(`select current_setting('jit') as jit, current_setting('TimeZone') as tz`);
      expect(row).toEqual({ jit: 'on', tz: 'Asia/Kathmandu' });
    } finally {
      reserved.release();
    }
  });
});

describe('bounds read whatever the connection prints values with', () => {
  it('a float key: its bounds read exactly with extra_float_digits = 0 on the connection (which prints 1.0000000000000002 as 1)', async () => {
    const t = pgPartitionedTable('cat_floats', { v: doublePrecision().notNull() }, (c) =>
      range(c.v, {
        partitions: [
          { name: 'cat_floats_low', from: 0.1, to: 1 },
          { name: 'cat_floats_one', from: 1, to: 1.0000000000000002 },
        ],
      }),
    );
    await createOn(db.sql, t, '"v" double precision NOT NULL');
    const reserved = await db.sql.reserve();
    try {
      await reserved.unsafe('SET extra_float_digits = 0');
      await reserved.unsafe(`SET IntervalStyle = 'sql_standard'`);
      const [printed] = await reserved.unsafe(`select pg_catalog.pg_get_expr(c.relpartbound, c.oid) as b from pg_catalog.pg_class c where c.relname = 'cat_floats_one'`);
      // what a reader without the pinned setting would see: an empty range
      expect(printed!.b).toBe("FOR VALUES FROM ('1') TO ('1')");
      const tree = await listPartitions(reserved, t);
      const one = tree.partitions.find((p) => p.name === 'cat_floats_one')!;
      const num = (text: string) => ({ kind: 'numeric', text });
      expect(one.bound).toEqual({ kind: 'range', from: [num('1')], to: [num('1.0000000000000002')] });
      expect(tree.partitions.find((p) => p.name === 'cat_floats_low')!.bound).toEqual({ kind: 'range', from: [num('0.1')], to: [num('1')] });
      // and the connection is given back as it was
      const [row] = await reserved.unsafe(`select current_setting('extra_float_digits') as d, current_setting('IntervalStyle') as i`);
      expect(row).toEqual({ d: '0', i: 'sql_standard' });
    } finally {
      reserved.release();
    }
  });
});
