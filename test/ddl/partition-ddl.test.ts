/**
 * Golden SQL of the DDL module, executed on real PostgreSQL, then checked in the
 * catalog: pg_partitioned_table, pg_inherits, pg_get_expr(relpartbound).
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bigint, date, integer, pgEnum, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { expression, getPartitioning, hash, list, MAXVALUE, MINVALUE, partitioned, pgPartitionedTable, range, type Partitioning } from '../../src/index.js';
import { attachPartitionSql, declaredPartitionsSql, detachPartitionSql, dropTableSql, partitionByClause } from '../../src/ddl/index.js';
import { useTestDatabase } from '../harness/db.js';
import { catalogTree } from '../support/catalog.js';

const db = useTestDatabase();

const events = pgPartitionedTable(
  'events',
  {
    id: bigint({ mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    payload: text(),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
  (t) =>
    range(t.createdAt, {
      partitions: [
        { from: MINVALUE, to: '2026-01-01' },
        { from: '2026-01-01', to: '2026-02-01', partitionBy: hash(t.id, { partitions: 2 }) },
        { from: new Date('2026-02-01T00:00:00Z'), to: '2026-03-01T00:00:00+00:00', name: 'events_feb', tablespace: 'pg_default' },
      ],
    }),
);

const region = pgEnum('region', ['eu', 'us', "o'hare"]);
const tenants = pgPartitionedTable(
  'tenants',
  { id: integer().notNull(), region: region().notNull() },
  (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us', "o'hare"], name: 'tenants_na' }], default: { name: 'tenants_rest' } }),
);

const sessions = pgPartitionedTable('sessions', { userId: bigint('user_id', { mode: 'bigint' }).notNull(), token: text().notNull() }, (t) =>
  hash([t.userId, t.token], { partitions: 3 }),
);

const analytics = pgSchema('analytics');
const metrics = partitioned(
  analytics.table('metrics', { tenantId: integer().notNull(), day: date().notNull(), value: integer() }),
  (t) =>
    range([t.tenantId, t.day], {
      partitions: [
        { from: [0, MINVALUE], to: [100, MINVALUE] },
        { from: [100, MINVALUE], to: [MAXVALUE, MAXVALUE], name: 'metrics_rest' },
      ],
      default: false,
    }),
);

const daily = pgPartitionedTable('daily', { at: timestamp({ withTimezone: true }).notNull() }, (t) =>
  range(expression(sql`(${t.at} at time zone 'UTC')::date`, 'date'), { partitions: [{ from: '2026-01-01', to: '2026-01-02' }], default: false }),
);

function p(table: unknown): Partitioning {
  const r = getPartitioning(table);
  if (!r) throw new Error('not partitioned');
  return r;
}

describe('golden SQL', () => {
  it('range on timestamptz with MINVALUE, sub-partitions, explicit name and tablespace', () => {
    expect(partitionByClause(p(events))).toBe('PARTITION BY RANGE ("created_at")');
    expect(declaredPartitionsSql(p(events))).toEqual([
      `CREATE TABLE "events_pmin" PARTITION OF "events" FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00');`,
      `CREATE TABLE "events_p20260101" PARTITION OF "events" FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00') PARTITION BY HASH ("id");`,
      `CREATE TABLE "events_p20260101_h2_0" PARTITION OF "events_p20260101" FOR VALUES WITH (MODULUS 2, REMAINDER 0);`,
      `CREATE TABLE "events_p20260101_h2_1" PARTITION OF "events_p20260101" FOR VALUES WITH (MODULUS 2, REMAINDER 1);`,
      `CREATE TABLE "events_feb" PARTITION OF "events" FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00') TABLESPACE "pg_default";`,
      `CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;`,
    ]);
  });

  it('list on an enum with a quote in a label and a named default', () => {
    expect(partitionByClause(p(tenants))).toBe('PARTITION BY LIST ("region")');
    expect(declaredPartitionsSql(p(tenants))).toEqual([
      `CREATE TABLE "tenants_eu" PARTITION OF "tenants" FOR VALUES IN ('eu');`,
      `CREATE TABLE "tenants_na" PARTITION OF "tenants" FOR VALUES IN ('us', 'o''hare');`,
      `CREATE TABLE "tenants_rest" PARTITION OF "tenants" DEFAULT;`,
    ]);
  });

  it('hash on two columns with partitions: 3', () => {
    expect(partitionByClause(p(sessions))).toBe('PARTITION BY HASH ("user_id", "token")');
    expect(declaredPartitionsSql(p(sessions))).toEqual([0, 1, 2].map((r) => `CREATE TABLE "sessions_h3_${r}" PARTITION OF "sessions" FOR VALUES WITH (MODULUS 3, REMAINDER ${r});`));
  });

  it('multi-column range in a pgSchema, under snake_case casing', () => {
    expect(partitionByClause(p(metrics), { casing: 'snake_case' })).toBe('PARTITION BY RANGE ("tenant_id", "day")');
    expect(partitionByClause(p(metrics))).toBe('PARTITION BY RANGE ("tenantId", "day")');
    expect(declaredPartitionsSql(p(metrics), { casing: 'snake_case' })).toEqual([
      `CREATE TABLE "analytics"."metrics_p0_min" PARTITION OF "analytics"."metrics" FOR VALUES FROM (0, MINVALUE) TO (100, MINVALUE);`,
      `CREATE TABLE "analytics"."metrics_rest" PARTITION OF "analytics"."metrics" FOR VALUES FROM (100, MINVALUE) TO (MAXVALUE, MAXVALUE);`,
    ]);
  });

  it('expression key', () => {
    expect(partitionByClause(p(daily))).toBe(`PARTITION BY RANGE (((\"at\" at time zone 'UTC')::date))`);
    expect(declaredPartitionsSql(p(daily))).toEqual([`CREATE TABLE "daily_p20260101" PARTITION OF "daily" FOR VALUES FROM ('2026-01-01') TO ('2026-01-02');`]);
  });

  it('attach, detach, finalize, drop', () => {
    const parent = { schema: 'analytics', name: 'metrics' };
    const partition = { schema: 'analytics', name: 'metrics_old' };
    expect(attachPartitionSql({ parent, partition, bound: { kind: 'default' } })).toBe('ALTER TABLE "analytics"."metrics" ATTACH PARTITION "analytics"."metrics_old" DEFAULT;');
    expect(detachPartitionSql({ parent, partition })).toBe('ALTER TABLE "analytics"."metrics" DETACH PARTITION "analytics"."metrics_old";');
    expect(detachPartitionSql({ parent, partition, mode: 'concurrently' })).toBe('ALTER TABLE "analytics"."metrics" DETACH PARTITION "analytics"."metrics_old" CONCURRENTLY;');
    expect(detachPartitionSql({ parent, partition, mode: 'finalize' })).toBe('ALTER TABLE "analytics"."metrics" DETACH PARTITION "analytics"."metrics_old" FINALIZE;');
    expect(dropTableSql({ table: partition })).toBe('DROP TABLE "analytics"."metrics_old";');
    expect(dropTableSql({ table: partition, ifExists: true })).toBe('DROP TABLE IF EXISTS "analytics"."metrics_old";');
  });
});

describe('executed on PostgreSQL', () => {
  it('creates the declared tree and the catalog matches the definition', async () => {
    await db.sql.unsafe(`CREATE TABLE "events" ("id" bigint NOT NULL, "created_at" timestamptz NOT NULL, "payload" text, PRIMARY KEY ("id", "created_at")) ${partitionByClause(p(events))}`);
    for (const stmt of declaredPartitionsSql(p(events))) await db.sql.unsafe(stmt);
    const tree = await catalogTree(db.sql, 'public', 'events');
    expect(tree.strategy).toBe('r');
    expect(tree.key).toBe('RANGE (created_at)');
    const bounds = Object.fromEntries(tree.children.map((c) => [c.name, c.bound]));
    await db.sql`set time zone 'UTC'`;
    const utc = Object.fromEntries((await catalogTree(db.sql, 'public', 'events')).children.map((c) => [c.name, c.bound]));
    expect(Object.keys(bounds).sort()).toEqual(['events_default', 'events_feb', 'events_p20260101', 'events_pmin']);
    expect(utc.events_pmin).toBe(`FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')`);
    expect(utc.events_feb).toBe(`FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00')`);
    expect(utc.events_default).toBe('DEFAULT');
    const sub = tree.children.find((c) => c.name === 'events_p20260101')!;
    expect(sub.key).toBe('HASH (id)');
    expect(sub.children.map((c) => c.bound)).toEqual(['FOR VALUES WITH (modulus 2, remainder 0)', 'FOR VALUES WITH (modulus 2, remainder 1)']);
    // Rows land where the bounds say.
    await db.sql`insert into events (id, created_at) values (1, '2025-06-01Z'), (2, '2026-01-15Z'), (3, '2026-02-10Z'), (4, '2030-01-01Z')`;
    const rows = await db.sql<{ id: string; part: string }[]>`select id::text, tableoid::regclass::text as part from events order by id`;
    expect(rows.map((r) => r.part)).toEqual(['events_pmin', expect.stringMatching(/^events_p20260101_h2_[01]$/), 'events_feb', 'events_default']);
  });

  it('timestamptz bounds are UTC whatever the session time zone', async () => {
    await db.sql.begin(async (tx) => {
      await tx`set local time zone 'America/New_York'`;
      await tx.unsafe(`CREATE TABLE "tz_probe" ("at" timestamptz NOT NULL) PARTITION BY RANGE ("at")`);
      await tx.unsafe(`CREATE TABLE "tz_probe_p" PARTITION OF "tz_probe" FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-01-02 00:00:00+00')`);
      const [row] = await tx<{ b: string }[]>`select pg_get_expr(relpartbound, oid) as b from pg_class where relname = 'tz_probe_p'`;
      expect(row!.b).toBe(`FOR VALUES FROM ('2025-12-31 19:00:00-05') TO ('2026-01-01 19:00:00-05')`);
    });
    // And the same statement from our renderer, under the same zone.
    const t = pgPartitionedTable('tz_probe2', { at: timestamp({ withTimezone: true }).notNull() }, (t) =>
      range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-01-02' }], default: false }),
    );
    await db.sql.begin(async (tx) => {
      await tx`set local time zone 'Asia/Kolkata'`;
      await tx.unsafe(`CREATE TABLE "tz_probe2" ("at" timestamptz NOT NULL) ${partitionByClause(p(t))}`);
      for (const s of declaredPartitionsSql(p(t))) await tx.unsafe(s);
      await tx`insert into tz_probe2 values ('2026-01-01 00:00:00Z'), ('2026-01-01 23:59:59.999999Z')`;
    });
    await expect(db.sql`insert into tz_probe2 values ('2025-12-31 23:59:59Z')`).rejects.toThrow(/no partition of relation/);
  });

  it('list on an enum, hash on two columns, multi-column range in a schema, expression key', async () => {
    await db.sql.unsafe(`CREATE TYPE "region" AS ENUM ('eu', 'us', 'o''hare')`);
    await db.sql.unsafe(`CREATE TABLE "tenants" ("id" integer NOT NULL, "region" "region" NOT NULL) ${partitionByClause(p(tenants))}`);
    await db.sql.unsafe(`CREATE TABLE "sessions" ("user_id" bigint NOT NULL, "token" text NOT NULL) ${partitionByClause(p(sessions))}`);
    await db.sql.unsafe(`CREATE SCHEMA "analytics"`);
    await db.sql.unsafe(`CREATE TABLE "analytics"."metrics" ("tenant_id" integer NOT NULL, "day" date NOT NULL, "value" integer) ${partitionByClause(p(metrics), { casing: 'snake_case' })}`);
    await db.sql.unsafe(`CREATE TABLE "daily" ("at" timestamptz NOT NULL) ${partitionByClause(p(daily))}`);
    for (const t of [tenants, sessions, daily]) for (const s of declaredPartitionsSql(p(t))) await db.sql.unsafe(s);
    for (const s of declaredPartitionsSql(p(metrics), { casing: 'snake_case' })) await db.sql.unsafe(s);

    const tenantsTree = await catalogTree(db.sql, 'public', 'tenants');
    expect(tenantsTree.strategy).toBe('l');
    expect(tenantsTree.children.map((c) => [c.name, c.bound])).toEqual([
      ['tenants_eu', `FOR VALUES IN ('eu')`],
      ['tenants_na', `FOR VALUES IN ('us', 'o''hare')`],
      ['tenants_rest', 'DEFAULT'],
    ]);
    const sessionsTree = await catalogTree(db.sql, 'public', 'sessions');
    expect(sessionsTree.key).toBe('HASH (user_id, token)');
    expect(sessionsTree.children).toHaveLength(3);
    const metricsTree = await catalogTree(db.sql, 'analytics', 'metrics');
    expect(metricsTree.key).toBe('RANGE (tenant_id, day)');
    expect(metricsTree.children.map((c) => c.bound)).toEqual([
      'FOR VALUES FROM (0, MINVALUE) TO (100, MINVALUE)',
      'FOR VALUES FROM (100, MINVALUE) TO (MAXVALUE, MAXVALUE)',
    ]);
    const dailyTree = await catalogTree(db.sql, 'public', 'daily');
    // PostgreSQL 14 and later print AT TIME ZONE as written; 13 prints the function it calls
    expect(dailyTree.key).toMatch(db.serverMajor >= 14 ? /^RANGE \(+at AT TIME ZONE 'UTC'::text\)+::date\)+$/ : /^RANGE \(+timezone\('UTC'::text, at\)\)+::date\)+$/);
    await db.sql`insert into daily values ('2026-01-01 23:30:00Z')`;
    await db.sql`insert into analytics.metrics values (5, '2026-01-01', 1), (100, '1900-01-01', 2)`;
    const parts = await db.sql<{ p: string }[]>`select tableoid::regclass::text as p from analytics.metrics order by tenant_id`;
    expect(parts.map((r) => r.p)).toEqual(['analytics.metrics_p0_min', 'analytics.metrics_rest']);
  });

  it('attach and detach (plain and CONCURRENTLY), FINALIZE refused when nothing is pending, drop', async () => {
    const parent = { name: 'logs' };
    const child = { name: 'logs_2026' };
    const bound = { kind: 'range' as const, from: [{ kind: 'integer' as const, text: '0', ord: 0n }], to: [{ kind: 'integer' as const, text: '1000', ord: 1000n }] };
    await db.sql.unsafe(`CREATE TABLE "logs" ("n" integer NOT NULL) PARTITION BY RANGE ("n")`);
    await db.sql.unsafe(`CREATE TABLE "logs_2026" ("n" integer NOT NULL)`);
    await db.sql.unsafe(attachPartitionSql({ parent, partition: child, bound }));
    expect((await catalogTree(db.sql, 'public', 'logs')).children.map((c) => c.bound)).toEqual(['FOR VALUES FROM (0) TO (1000)']);
    await db.sql.unsafe(detachPartitionSql({ parent, partition: child }));
    expect((await catalogTree(db.sql, 'public', 'logs')).children).toEqual([]);
    await db.sql.unsafe(attachPartitionSql({ parent, partition: child, bound }));
    if (db.serverMajor >= 14) {
      await expect(db.sql.unsafe(detachPartitionSql({ parent, partition: child, mode: 'finalize' }))).rejects.toThrow(/cannot complete detaching partition/);
      await db.sql.unsafe(detachPartitionSql({ parent, partition: child, mode: 'concurrently' }));
    } else {
      // PostgreSQL 13 has neither form (the runtime never sends them there: src/runtime/apply.ts checks the version)
      await expect(db.sql.unsafe(detachPartitionSql({ parent, partition: child, mode: 'finalize' }))).rejects.toThrow(/syntax error at or near "FINALIZE"/);
      await expect(db.sql.unsafe(detachPartitionSql({ parent, partition: child, mode: 'concurrently' }))).rejects.toThrow(/syntax error at or near "CONCURRENTLY"/);
      expect((await catalogTree(db.sql, 'public', 'logs')).children.map((c) => c.bound)).toEqual(['FOR VALUES FROM (0) TO (1000)']);
      await db.sql.unsafe(detachPartitionSql({ parent, partition: child }));
    }
    expect((await catalogTree(db.sql, 'public', 'logs')).children).toEqual([]);
    await db.sql.unsafe(dropTableSql({ table: child }));
    await db.sql.unsafe(dropTableSql({ table: child, ifExists: true }));
    const [gone] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname = 'logs_2026'`;
    expect(gone!.n).toBe(0);
  });
});
