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

const EMPTY_FILE = { created: [], dropped: [], renamed: [], moved: [], renamedColumns: [], concurrentIndexes: [], addedConstraints: [] };

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

describe('moving rows out of the default partition is not the application deleting them', () => {
  const events = (extra: boolean) =>
    getPartitioning(
      pgPartitionedTable('fk_events', { id: integer().notNull(), day: date().notNull() }, (t) =>
        range(t.day, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }, ...(extra ? [{ from: '2026-02-01', to: '2026-03-01' }] : [])] }),
      ),
    )!;

  /** fk_events with rows in its default partition (id 2 in February, id 3 in March), and `setup`. */
  async function prepare(setup: string[]): Promise<void> {
    await db.sql.unsafe('DROP TABLE IF EXISTS fk_refs, fk_audit, fk_events CASCADE');
    await db.sql.unsafe('CREATE TABLE fk_events (id int NOT NULL, day date NOT NULL, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)');
    for (const s of declaredPartitionsSql(events(false))) await db.sql.unsafe(s);
    await db.sql.unsafe(`INSERT INTO fk_events VALUES (1, '2026-01-05'), (2, '2026-02-05'), (3, '2026-03-05')`);
    for (const s of setup) await db.sql.unsafe(s);
  }

  async function migrate(): Promise<unknown> {
    const statements = migrationSql(events(false), events(true));
    return db.sql.begin(async (tx) => {
      for (const s of statements) await tx.unsafe(s);
    }).then(() => undefined, (e: unknown) => e);
  }

  const placed = () => db.sql<{ id: number; part: string }[]>`SELECT id, tableoid::regclass::text AS part FROM fk_events ORDER BY id`;

  it('a foreign key ON DELETE CASCADE into the table stops the migration before a row moves; nothing referencing is deleted', async () => {
    await prepare([
      'CREATE TABLE fk_refs (id int PRIMARY KEY, event_id int, event_day date, FOREIGN KEY (event_id, event_day) REFERENCES fk_events (id, day) ON DELETE CASCADE)',
      `INSERT INTO fk_refs VALUES (10, 2, '2026-02-05')`,
    ]);
    const e = (await migrate()) as Error;
    expect(e.message).toMatch(/default partition "fk_events_default" holds rows of new partition "fk_events_p20260201", and foreign key fk_refs_event_id_event_day_fkey of table fk_refs \(ON DELETE CASCADE\)/);
    expect(await db.sql`SELECT id FROM fk_refs`).toEqual([{ id: 10 }]);
    expect(await placed()).toEqual([
      { id: 1, part: 'fk_events_p20260101' },
      { id: 2, part: 'fk_events_default' },
      { id: 3, part: 'fk_events_default' },
    ]);
  });

  it('a foreign key NO ACTION that references a moved row fails the migration, said plainly; one that references none lets the rows move', async () => {
    await prepare([
      'CREATE TABLE fk_refs (id int PRIMARY KEY, event_id int, event_day date, FOREIGN KEY (event_id, event_day) REFERENCES fk_events (id, day))',
      `INSERT INTO fk_refs VALUES (10, 2, '2026-02-05')`,
    ]);
    const e = (await migrate()) as Error;
    expect(e.message).toMatch(/holds rows of new partition "fk_events_p20260201" that a foreign key references, so they cannot move/);
    expect(await db.sql`SELECT id FROM fk_refs`).toEqual([{ id: 10 }]);

    await db.sql`UPDATE fk_refs SET event_id = 3, event_day = '2026-03-05'`;
    expect(await migrate()).toBeUndefined();
    expect(await placed()).toEqual([
      { id: 1, part: 'fk_events_p20260101' },
      { id: 2, part: 'fk_events_p20260201' },
      { id: 3, part: 'fk_events_default' },
    ]);
  });

  it('user triggers do not fire for the move, and are as they were after it (enabled, ALWAYS, disabled)', async () => {
    await prepare([
      'CREATE TABLE fk_audit (op text, id int)',
      `CREATE OR REPLACE FUNCTION fk_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO fk_audit VALUES (TG_OP || ':' || TG_NAME, coalesce(NEW.id, OLD.id)); RETURN coalesce(NEW, OLD); END $$`,
      'CREATE TRIGGER a_audit AFTER INSERT OR DELETE ON fk_events FOR EACH ROW EXECUTE FUNCTION fk_audit_row()',
      'CREATE TRIGGER b_always AFTER INSERT OR DELETE ON fk_events FOR EACH ROW EXECUTE FUNCTION fk_audit_row()',
      'CREATE TRIGGER c_off AFTER INSERT OR DELETE ON fk_events FOR EACH ROW EXECUTE FUNCTION fk_audit_row()',
      'ALTER TABLE fk_events_default ENABLE ALWAYS TRIGGER b_always',
      'ALTER TABLE fk_events_default DISABLE TRIGGER c_off',
      'DELETE FROM fk_audit',
    ]);
    expect(await migrate()).toBeUndefined();
    expect(await placed()).toEqual([
      { id: 1, part: 'fk_events_p20260101' },
      { id: 2, part: 'fk_events_p20260201' },
      { id: 3, part: 'fk_events_default' },
    ]);
    // PostgreSQL 13-14 mark the partitions' copies of the parent's triggers internal, which only a
    // superuser may switch off: there they fire for the move (README); from 15 they do not.
    if (db.serverMajor >= 15) expect(await db.sql`SELECT * FROM fk_audit`).toEqual([]);
    else expect((await db.sql`SELECT * FROM fk_audit`).length).toBeGreaterThan(0);
    const modes = await db.sql<{ rel: string; tgname: string; tgenabled: string }[]>`
      SELECT tgrelid::regclass::text AS rel, tgname, tgenabled::text FROM pg_trigger
      WHERE tgrelid IN ('fk_events_default'::regclass, 'fk_events_p20260201'::regclass) AND (NOT tgisinternal OR tgparentid <> 0) AND tgconstraint = 0 ORDER BY 1, 2`;
    expect(modes).toEqual([
      { rel: 'fk_events_default', tgname: 'a_audit', tgenabled: 'O' },
      { rel: 'fk_events_default', tgname: 'b_always', tgenabled: 'A' },
      { rel: 'fk_events_default', tgname: 'c_off', tgenabled: 'D' },
      { rel: 'fk_events_p20260201', tgname: 'a_audit', tgenabled: 'O' },
      { rel: 'fk_events_p20260201', tgname: 'b_always', tgenabled: 'O' },
      { rel: 'fk_events_p20260201', tgname: 'c_off', tgenabled: 'O' },
    ]);
    // and they fire again for the application
    await db.sql`DELETE FROM fk_audit`;
    await db.sql`INSERT INTO fk_events VALUES (4, '2026-02-10')`;
    expect(await db.sql`SELECT op FROM fk_audit ORDER BY op`).toEqual([{ op: 'INSERT:a_audit' }, { op: 'INSERT:b_always' }, { op: 'INSERT:c_off' }]);
  });
});

it('rows that fit none of a new sub-partitioned partition\'s partitions fail the migration with a sentence, and stay where they were', async () => {
  const cols = { day: date().notNull(), kind: text().notNull() };
  const tbl = (extra: boolean) =>
    getPartitioning(
      pgPartitionedTable('nofit', cols, (t) =>
        range(t.day, { partitions: extra ? [{ from: '2026-01-01', to: '2027-01-01', name: 'nofit_2026', partitionBy: list(t.kind, { partitions: [{ values: ['a'], name: 'nofit_2026_a' }], default: false }) }] : [] }),
      ),
    )!;
  await db.sql.unsafe(`CREATE TABLE nofit (day date NOT NULL, kind text NOT NULL) ${tableState(tbl(false)).partitionBy}`);
  for (const s of declaredPartitionsSql(tbl(false))) await db.sql.unsafe(s);
  await db.sql`INSERT INTO nofit VALUES ('2026-03-01', 'a'), ('2026-04-01', 'z')`;
  const statements = migrationSql(tbl(false), tbl(true));
  const e = await db.sql
    .begin(async (tx) => {
      for (const s of statements) await tx.unsafe(s);
    })
    .then(() => undefined, (x: Error) => x);
  expect(e?.message).toMatch(/rows taken out of the default partition for new partition "nofit_2026" fit none of its partitions/);
  expect(await db.sql`SELECT tableoid::regclass::text AS t, count(*)::int AS n FROM nofit GROUP BY 1`).toEqual([{ t: 'nofit_default', n: 2 }]);
});
