/**
 * A migration that declares a partition over rows already in the default partition
 * moves them (src/ddl/default-rows-sql.ts, emitted by the diff): for every key shape
 * the post-processor accepts beside a default partition, the rows end up exactly where
 * PostgreSQL itself routes them — checked against a reference table that had the new
 * partition from the start — and no row is lost, duplicated or left behind.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { date, integer, text } from 'drizzle-orm/pg-core';
import { expression, getPartitioning, list, MAXVALUE, MINVALUE, pgPartitionedTable, range, type Partitioning } from '../../src/index.js';
import { declaredPartitionsSql } from '../../src/ddl/index.js';
import { boundRowsPredicate } from '../../src/ddl/maintenance-sql.js';
import { diffMigration } from '../../src/migrations/diff.js';
import { tableKey, tableState } from '../../src/migrations/state.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase({ prefix: 'dp_default_rows' });

const EMPTY_FILE = { created: [], dropped: [], renamed: [], moved: [], renamedColumns: [], concurrentIndexes: [] };

/** The trailing statements of a migration from `before` to `after`. */
function migrationSql(before: Partitioning, after: Partitioning): string[] {
  const prev = new Map([[tableKey(before.table), tableState(before)]]);
  const current = new Map([[tableKey(after.table), { partitioning: after, state: tableState(after) }]]);
  const diff = diffMigration({ migration: 'test', prev, current, file: EMPTY_FILE, tablesBefore: undefined, opts: {} });
  return diff.trailing;
}

interface Case {
  name: string;
  columns: string;
  before: Partitioning;
  after: Partitioning;
  rows: string;
}

function cases(): Case[] {
  // two-column range key, the new partition bounded with MINVALUE / MAXVALUE on its second key
  const cols2 = { tenant: integer().notNull(), day: date().notNull(), note: text() };
  const multi = (extra: boolean) =>
    getPartitioning(
      pgPartitionedTable('multi', cols2, (t) =>
        range([t.tenant, t.day], {
          partitions: extra ? [{ from: [0, MINVALUE], to: [10, MINVALUE], name: 'multi_a' }, { from: [10, '2026-01-01'], to: [10, MAXVALUE], name: 'multi_b' }] : [{ from: [0, MINVALUE], to: [10, MINVALUE], name: 'multi_a' }],
        }),
      ),
    )!;
  // an expression key (LIST on lower(region)), a NULL among the values
  const exprCols = { region: text(), id: integer().notNull() };
  const expr = (extra: boolean) =>
    getPartitioning(
      pgPartitionedTable('expr', exprCols, (t) =>
        list(expression(sql`lower(${t.region})`, 'text'), { partitions: [{ values: ['eu'], name: 'expr_eu' }, ...(extra ? [{ values: ['us', null], name: 'expr_us' }] : [])] }),
      ),
    )!;
  // a sub-level default: the new sub-partition takes its rows from the sub-level's default, an identity and a generated column kept
  const subCols = {
    id: integer().generatedAlwaysAsIdentity(),
    day: date().notNull(),
    kind: text().notNull(),
    kindUpper: text().generatedAlwaysAs(sql`upper(kind)`),
  };
  const sub = (extra: boolean) =>
    getPartitioning(
      pgPartitionedTable('sub', subCols, (t) =>
        range(t.day, {
          partitions: [{ from: '2026-01-01', to: '2027-01-01', name: 'sub_2026', partitionBy: list(t.kind, { partitions: [{ values: ['a'], name: 'sub_2026_a' }, ...(extra ? [{ values: ['b'], name: 'sub_2026_b' }] : [])], default: true }) }],
          default: false,
        }),
      ),
    )!;
  return [
    {
      name: 'two-column range key with MINVALUE / MAXVALUE',
      columns: '(tenant int NOT NULL, day date NOT NULL, note text)',
      before: multi(false),
      after: multi(true),
      rows: `VALUES (9, '2026-05-01'::date, 'x'), (10, '2025-12-31', 'x'), (10, '2026-01-01', 'x'), (10, '2099-01-01', 'x'), (11, '2020-01-01', 'x')`,
    },
    { name: 'expression key, LIST with NULL', columns: '(region text, id int NOT NULL)', before: expr(false), after: expr(true), rows: `VALUES ('EU', 1), ('US', 2), ('us', 3), (NULL, 4), ('apac', 5)` },
    {
      name: 'sub-level default, identity and generated columns',
      columns: `(id int GENERATED ALWAYS AS IDENTITY, day date NOT NULL, kind text NOT NULL, kind_upper text GENERATED ALWAYS AS (upper(kind)) STORED)`,
      before: sub(false),
      after: sub(true),
      rows: `VALUES ('2026-02-01'::date, 'a'), ('2026-03-01', 'b'), ('2026-04-01', 'c'), ('2026-05-01', 'b')`,
    },
  ];
}

describe('a new partition takes its rows out of the default partition', () => {
  for (const c of cases()) {
    it(c.name, async () => {
      const table = c.before.table.name;
      const sqlOf = (p: Partitioning, name: string) => [
        `CREATE TABLE "${name}" ${c.columns} ${tableState(p).partitionBy};`,
        ...declaredPartitionsSql(p).map((s) => s.replaceAll(`"${table}`, `"${name}`)),
      ];
      const insertCols = c.name.startsWith('sub') ? '(day, kind)' : '';
      await db.sql.begin(async (tx) => {
        // the table as migrated before, holding rows of the partition to come in its default
        for (const s of sqlOf(c.before, table)) await tx.unsafe(s);
        await tx.unsafe(`INSERT INTO "${table}" ${insertCols} ${c.rows}`);
        // the reference: PostgreSQL's own routing with the new partition there from the start
        for (const s of sqlOf(c.after, `${table}_ref`)) await tx.unsafe(s);
        await tx.unsafe(`INSERT INTO "${table}_ref" ${insertCols} ${c.rows}`);
      });
      const statements = migrationSql(c.before, c.after);
      expect(statements.some((s) => s.startsWith('DO $drizzle_partitions$'))).toBe(true);
      const notices: string[] = [];
      const { connect } = await import('../harness/client.js');
      const conn = connect(db.url, { max: 1, onNotice: (m) => notices.push(m) });
      try {
        await conn.begin(async (tx) => {
          for (const s of statements) await tx.unsafe(s);
        });
      } finally {
        await conn.end();
      }
      const placed = (name: string) =>
        db.sql.unsafe<{ row: string; part: string }[]>(`SELECT (t.*)::text AS row, replace(tableoid::regclass::text, '${name}', 'T') AS part FROM "${name}" t ORDER BY 1`);
      const got = await placed(table);
      const want = await placed(`${table}_ref`);
      expect(got.map((r) => r.part).sort()).toEqual(want.map((r) => r.part).sort());
      expect(got).toEqual(want);
      expect(notices.some((n) => /drizzle-partitions: \d+ row\(s\) of partition/.test(n))).toBe(true);
    });
  }

  it('the predicate compares a two-column range as PostgreSQL does (prefix up to MINVALUE / MAXVALUE)', () => {
    const int = (n: number) => ({ kind: 'integer' as const, text: String(n), ord: BigInt(n) });
    expect(boundRowsPredicate(['"a"', '"b"'], { kind: 'range', from: [int(10), int(5)], to: [int(10), { kind: 'maxvalue' }] })).toBe(
      '"a" IS NOT NULL AND "b" IS NOT NULL AND ("a", "b") >= (10, 5) AND "a" <= 10',
    );
    expect(boundRowsPredicate(['"a"', '"b"'], { kind: 'range', from: [int(1), { kind: 'maxvalue' }], to: [int(2), { kind: 'minvalue' }] })).toBe(
      '"a" IS NOT NULL AND "b" IS NOT NULL AND "a" > 1 AND "a" < 2',
    );
    expect(boundRowsPredicate(['"a"'], { kind: 'hash', modulus: 2, remainder: 0 })).toBeUndefined();
  });
});
