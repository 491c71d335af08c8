/**
 * drizzle-kit's own statements for partitioned tables, rewritten and executed:
 * generateDrizzleJson/generateMigration from drizzle-kit/api produce the CREATE
 * TABLEs; rewriteStatements adds PARTITION BY and the partitions; the rest of what
 * drizzle-kit wrote must stay byte-for-byte.
 */
import { describe, expect, it } from 'vitest';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { bigint, index, integer, pgSchema, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { hash, list, partitioned, pgPartitionedTable, range } from '../../src/index.js';
import { createTableTarget, partitionedTablesOf, rewriteStatements } from '../../src/migrations/index.js';
import { useTestDatabase } from '../harness/db.js';
import { catalogTree } from '../support/catalog.js';

const db = useTestDatabase();

describe('createTableTarget', () => {
  it.each([
    ['CREATE TABLE "events" (\n', { schema: undefined, name: 'events' }],
    ['CREATE TABLE "analytics"."events" (\n', { schema: 'analytics', name: 'events' }],
    ['CREATE TABLE IF NOT EXISTS "a.b"."c ""d""" (', { schema: 'a.b', name: 'c "d"' }],
    ['CREATE INDEX "x" ON "events" USING btree ("a");', undefined],
    ['ALTER TABLE "events" ADD COLUMN "x" text;', undefined],
  ])('%j', (stmt, expected) => {
    expect(createTableTarget(stmt)).toEqual(expected);
  });
});

const shop = pgSchema('shop');
const orders = partitioned(
  shop.table(
    'orders',
    { id: bigint({ mode: 'number' }).notNull(), placedAt: timestamp({ withTimezone: true }).notNull(), region: text().notNull(), total: integer() },
    (t) => [primaryKey({ columns: [t.id, t.placedAt, t.region] }), index('orders_total_idx').on(t.total)],
  ),
  (t) =>
    range(t.placedAt, {
      partitions: [{ from: '2026-01-01', to: '2026-02-01', partitionBy: list(t.region, { partitions: [{ values: ['eu'] }] }) }],
    }),
);
const users = pgTable('users', { id: integer().primaryKey(), name: text() });
const visits = pgPartitionedTable(
  // drizzle-kit writes names unescaped, so a name with a double quote breaks its SQL;
  // spaces, dots and capitals are fine.
  'Visits 2026.q1',
  { userId: integer().notNull().references(() => users.id), at: timestamp().notNull() },
  (t) => [index().on(t.at)],
  (t) => hash(t.userId, { partitions: 2 }),
);
const schemaModule = { shop, orders, users, visits };

describe('rewriteStatements on drizzle-kit output', () => {
  it('adds PARTITION BY and partitions, keeps every other statement as drizzle-kit wrote it, and runs', async () => {
    const empty = generateDrizzleJson({});
    const current = generateDrizzleJson(schemaModule, empty.id, undefined, 'snake_case');
    const original = await generateMigration(empty, current);
    const rewritten = rewriteStatements(original, partitionedTablesOf(schemaModule), { casing: 'snake_case' });

    const untouched = original.filter((s) => !/^CREATE TABLE "(shop"\."orders|Visits 2026\.q1)"/.test(s));
    for (const s of untouched) expect(rewritten).toContain(s);
    const ordersCreate = original.find((s) => s.startsWith('CREATE TABLE "shop"."orders"'))!;
    expect(rewritten).toContain(ordersCreate.replace(/\);\n$/, ') PARTITION BY RANGE ("placed_at");\n'));
    expect(rewritten).toContain(`CREATE TABLE "shop"."orders_p20260101" PARTITION OF "shop"."orders" FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00') PARTITION BY LIST ("region");`);
    expect(rewritten).toContain(`CREATE TABLE "Visits 2026.q1_h2_1" PARTITION OF "Visits 2026.q1" FOR VALUES WITH (MODULUS 2, REMAINDER 1);`);
    expect(rewritten.length).toBe(original.length + 4 /* orders: p20260101, its eu and default, orders_default */ + 2 /* visits */);

    await db.sql.begin(async (tx) => {
      for (const s of rewritten) await tx.unsafe(s);
    });
    const tree = await catalogTree(db.sql, 'shop', 'orders');
    expect(tree.key).toBe('RANGE (placed_at)');
    expect(tree.children.map((c) => c.name)).toEqual(['orders_default', 'orders_p20260101']);
    expect(tree.children[1]!.children.map((c) => c.name)).toEqual(['orders_p20260101_default', 'orders_p20260101_eu']);
    // the index drizzle-kit created on the parent reached every leaf
    const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_indexes where schemaname = 'shop' and indexdef like '%(total)%'`;
    expect(idx!.n).toBe(1 /* parent */ + 1 /* orders_p20260101 */ + 3 /* leaves */);
    // the foreign key from a partitioned table works
    await db.sql`insert into users values (1, 'a')`;
    await expect(db.sql`insert into "Visits 2026.q1" values (2, now())`).rejects.toThrow(/foreign key/);
  });
});
