/**
 * notValid() marks foreignKey() and check() builders of a table's extra config
 * (src/schema/not-valid.ts) without changing what drizzle sees, and the
 * post-processor finds the marked constraints by the names drizzle-kit writes.
 */
import { sql } from 'drizzle-orm';
import { check, date, foreignKey, getTableConfig, integer, pgSchema, pgTable, unique } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { notValid, pgPartitionedTable, range } from '../../src/index.js';
import { isNotValid, notValidConstraintNames } from '../../src/schema/not-valid.js';
import { notValidConstraintsOf, planNotValid } from '../../src/migrations/not-valid.js';
import { fileTables } from '../../src/migrations/sql-file.js';

const users = pgTable('users', { id: integer().primaryKey() });

describe('notValid()', () => {
  it('returns the same foreignKey and check builders, marked, and drizzle builds them as before', () => {
    const fk = foreignKey({ name: 'orders_user_fk', columns: [users.id], foreignColumns: [users.id] });
    const ck = check('c', sql`true`);
    expect(notValid(fk)).toBe(fk);
    expect(notValid(ck)).toBe(ck);
    expect(isNotValid(fk) && isNotValid(ck)).toBe(true);
    expect(isNotValid(foreignKey({ columns: [users.id], foreignColumns: [users.id] }))).toBe(false);
    // the mark is not enumerable: nothing drizzle or drizzle-kit reads changes
    expect(Object.keys(fk)).toEqual(Object.keys(foreignKey({ name: 'orders_user_fk', columns: [users.id], foreignColumns: [users.id] })));

    const marked = pgTable('orders', { id: integer().primaryKey(), userId: integer('user_id'), n: integer() }, (t) => [
      notValid(foreignKey({ name: 'orders_user_fk', columns: [t.userId], foreignColumns: [users.id] })),
      notValid(check('orders_n_check', sql`${t.n} >= 0`)),
    ]);
    const plain = pgTable('orders', { id: integer().primaryKey(), userId: integer('user_id'), n: integer() }, (t) => [
      foreignKey({ name: 'orders_user_fk', columns: [t.userId], foreignColumns: [users.id] }),
      check('orders_n_check', sql`${t.n} >= 0`),
    ]);
    const shape = (t: typeof marked) => {
      const c = getTableConfig(t);
      return { fks: c.foreignKeys.map((f) => f.getName()), checks: c.checks.map((x) => x.name) };
    };
    expect(shape(marked)).toEqual(shape(plain));
  });

  it('refuses anything but a foreign key or a check', () => {
    const t = pgTable('t', { a: integer() });
    expect(() => notValid(unique('u').on(t.a) as never)).toThrow(/NOT_VALID_UNSUPPORTED.*PgUniqueConstraintBuilder/);
    expect(() => notValid(null as never)).toThrow('NOT_VALID_UNSUPPORTED');
  });
});

describe('the marked constraints of a schema', () => {
  it('names them per table, for plain, schema-qualified and partitioned tables', () => {
    const app = pgSchema('app');
    const orders = app.table('orders', { id: integer().primaryKey(), userId: integer('user_id'), n: integer() }, (t) => [
      notValid(foreignKey({ name: 'orders_user_fk', columns: [t.userId], foreignColumns: [users.id] })),
      check('orders_n_check', sql`${t.n} >= 0`),
    ]);
    const events = pgPartitionedTable(
      'events',
      { id: integer().notNull(), at: date().notNull(), n: integer() },
      (t) => [notValid(check('events_n_check', sql`${t.n} >= 0`))],
      (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }),
    );
    expect(notValidConstraintsOf({ users, orders, events, other: 42 }, undefined)).toEqual(
      new Map([
        ['app.orders', new Set(['orders_user_fk'])],
        ['public.events', new Set(['events_n_check'])],
      ]),
    );
  });

  it("an unnamed foreign key goes by drizzle-kit's default names: 0.31's (casing applied) and 1.0's", () => {
    const orders = pgTable('orders', { id: integer().primaryKey(), userId: integer() }, (t) => [notValid(foreignKey({ columns: [t.userId], foreignColumns: [users.id] }))]);
    expect(notValidConstraintNames(orders, undefined).constraints).toEqual(['orders_userId_users_id_fk', 'orders_userId_users_id_fkey']);
    expect(notValidConstraintNames(orders, 'snake_case').constraints).toEqual(['orders_user_id_users_id_fk', 'orders_user_id_users_id_fkey']);
  });
});

describe('planNotValid', () => {
  const text = [
    'CREATE TABLE "fresh" (\n\t"id" integer\n);',
    'ALTER TABLE "fresh" ADD CONSTRAINT "fresh_check" CHECK ("id" > 0);',
    'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;',
    'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");',
    'ALTER TABLE "events" ADD CONSTRAINT "events_n_check" CHECK ("n" >= 0);',
    'ALTER TABLE "orders" ADD CONSTRAINT "orders_n_check" CHECK ("n" <> \';\');',
    'ALTER TABLE "events" ADD CONSTRAINT "events_k_check" CHECK ("events"."k" > 0);',
  ].join('--> statement-breakpoint\n');
  const marked = new Map([
    ['public.fresh', new Set(['fresh_check'])],
    ['public.orders', new Set(['orders_user_fk'])],
    ['public.events', new Set(['events_user_fk', 'events_n_check'])],
  ]);
  const plan = planNotValid({ migration: '0001_x', file: fileTables(text), marked, isPartitioned: (k) => k === 'public.events' });

  it('makes the marked ones NOT VALID (a partitioned table FK version-dependent), leaves a new table alone, validates them afterwards', () => {
    expect(plan.replacements.map((r) => text.slice(r.start, r.end))).toEqual([
      'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;',
      'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");',
      'ALTER TABLE "events" ADD CONSTRAINT "events_n_check" CHECK ("n" >= 0);',
      'ALTER TABLE "events" ADD CONSTRAINT "events_k_check" CHECK ("events"."k" > 0);',
    ]);
    expect(plan.replacements.map((r) => r.text.split('\n')[0])).toEqual([
      'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action NOT VALID;',
      `DO $drizzle_partitions$ BEGIN IF current_setting('server_version_num')::int >= 180000 THEN`,
      'ALTER TABLE "events" ADD CONSTRAINT "events_n_check" CHECK ("n" >= 0) NOT VALID;',
      // unmarked, on a partitioned table: only drizzle-kit 0.31's qualification goes
      'ALTER TABLE "events" ADD CONSTRAINT "events_k_check" CHECK ("k" > 0);',
    ]);
    expect(plan.validations).toEqual([
      'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_fk";',
      'ALTER TABLE "events" VALIDATE CONSTRAINT "events_user_fk";',
      'ALTER TABLE "events" VALIDATE CONSTRAINT "events_n_check";',
    ]);
  });

  it('warns about an unmarked constraint added to an existing table, naming both', () => {
    expect(plan.warnings).toEqual([
      '0001_x adds check "orders_n_check" to existing table public.orders: PostgreSQL scans every row to validate it while holding ACCESS EXCLUSIVE; wrap it in notValid(...) to add it NOT VALID and validate it separately, outside a transaction',
      '0001_x adds check "events_k_check" to existing table public.events: PostgreSQL scans every row to validate it while holding ACCESS EXCLUSIVE; wrap it in notValid(...) to add it NOT VALID and validate it separately, outside a transaction',
    ]);
  });
});
