/**
 * Identifiers and literals: every awkward name and value must reach PostgreSQL
 * exactly as written, and nothing may escape its quotes.
 */
import { describe, expect, it } from 'vitest';
import { bigint, boolean, date, integer, numeric, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { getPartitioning, list, partitioned, pgPartitionedTable, QuotingError, range } from '../../src/index.js';
import { declaredPartitionsSql, partitionByClause, quoteIdent, quoteLiteral } from '../../src/ddl/index.js';
import { inlineParameters, qualifiedLabel, quoteQualified } from '../../src/sql/quote.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase();

const awkward = [
  'with "quotes"',
  'with spaces and UPPER',
  'dots.in.name',
  'ünïcödé_таблица_表',
  `x"; drop table victims; --`,
  'a'.repeat(63),
  'é'.repeat(31) + 'a', // 63 bytes in 32 characters
];

describe('qualifiedLabel', () => {
  it('reads public for an unqualified name and is never SQL (no quotes doubled)', () => {
    expect(qualifiedLabel({ name: 'events' })).toBe('public.events');
    expect(qualifiedLabel({ schema: null, name: 'events' })).toBe('public.events');
    expect(qualifiedLabel({ schema: 'a"b', name: 'e' })).toBe('a"b.e');
    expect(quoteQualified({ schema: 'a"b', name: 'e' })).toBe('"a""b"."e"');
  });
});

describe('quoteIdent', () => {
  it('doubles quotes and never splits on dots', () => {
    expect(quoteIdent('a.b')).toBe('"a.b"');
    expect(quoteIdent('say "hi"')).toBe('"say ""hi"""');
  });

  it('refuses names PostgreSQL would truncate, empty names and NUL', () => {
    expect(() => quoteIdent('a'.repeat(64))).toThrow(QuotingError);
    expect(() => quoteIdent('é'.repeat(32))).toThrow(/64 bytes/);
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });

  it.each(awkward)('round-trips %j through CREATE TABLE ... PARTITION OF', async (name) => {
    await db.sql.unsafe(`CREATE TABLE IF NOT EXISTS "victims" (n int)`);
    const schema = pgSchema('s p.ace "q"');
    const parent = partitioned(schema.table(name, { k: text().notNull() }), (t) =>
      list(t.k, { partitions: [{ name: Buffer.byteLength(name) > 40 ? name.slice(0, 10) + '_p' : `${name}_p`, values: [name] }], default: { name: `${name.slice(0, 20)} dflt` } }),
    );
    const part = getPartitioning(parent)!;
    await db.sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent('s p.ace "q"')}`);
    await db.sql.unsafe(`CREATE TABLE ${quoteIdent('s p.ace "q"')}.${quoteIdent(name)} (k text NOT NULL) ${partitionByClause(part)}`);
    for (const s of declaredPartitionsSql(part)) await db.sql.unsafe(s);
    const rows = await db.sql<{ relname: string; nspname: string }[]>`
      select c.relname, n.nspname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
      join pg_class p on p.oid = i.inhparent where p.relname = ${name} order by c.relname`;
    expect(rows.map((r) => r.relname).sort()).toEqual(part.partitions.map((p) => p.name).sort());
    expect(new Set(rows.map((r) => r.nspname))).toEqual(new Set(['s p.ace "q"']));
    // the value equal to the name went to the named partition, not the default
    await db.sql.unsafe(`INSERT INTO ${quoteIdent('s p.ace "q"')}.${quoteIdent(name)} VALUES (${quoteLiteral(name)})`);
    const [row] = await db.sql.unsafe(`SELECT tableoid::regclass::text AS t FROM ${quoteIdent('s p.ace "q"')}.${quoteIdent(name)}`);
    expect(row!.t).toContain(part.partitions[0]!.name.replace(/"/g, '""'));
    const [victims] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname = 'victims'`;
    expect(victims!.n).toBe(1);
  });
});

describe('bound literals per key type, executed', () => {
  const weird = [`it's`, 'back\\slash', 'new\nline', 'ünï', `'); drop table victims; --`];
  it('text values with quotes, backslashes, newlines and unicode land in their partitions', async () => {
    const t = pgPartitionedTable('lit_text', { k: text().notNull() }, (t) => list(t.k, { partitions: weird.map((v, i) => ({ name: `lit_text_${i}`, values: [v] })) }));
    const part = getPartitioning(t)!;
    await db.sql.unsafe(`CREATE TABLE "lit_text" (k text NOT NULL) ${partitionByClause(part)}`);
    for (const s of declaredPartitionsSql(part)) await db.sql.unsafe(s);
    for (const [i, v] of weird.entries()) {
      await db.sql`insert into lit_text values (${v})`;
      const [row] = await db.sql<{ t: string }[]>`select tableoid::regclass::text as t from lit_text where k = ${v}`;
      expect(row!.t).toBe(`lit_text_${i}`);
    }
  });

  const cases = [
    { type: 'date', col: () => date().notNull(), from: '2024-02-29', to: new Date('2024-03-01T00:00:00Z'), inside: '2024-02-29', outside: '2024-03-01', sqlType: 'date', sql: `FROM ('2024-02-29') TO ('2024-03-01')` },
    { type: 'timestamp', col: () => timestamp().notNull(), from: '2026-03-08 02:30', to: '2026-03-08T03:30:00.5', inside: '2026-03-08 03:30:00.4', outside: '2026-03-08 03:30:00.5', sqlType: 'timestamp', sql: `FROM ('2026-03-08 02:30:00') TO ('2026-03-08 03:30:00.5')` },
    { type: 'timestamptz', col: () => timestamp({ withTimezone: true }).notNull(), from: '2026-03-29T01:00:00+01:00', to: new Date('2026-03-30T00:00:00Z'), inside: '2026-03-29 00:00:00Z', outside: '2026-03-28 23:59:59Z', sqlType: 'timestamptz', sql: `FROM ('2026-03-29 00:00:00+00') TO ('2026-03-30 00:00:00+00')` },
    { type: 'integer', col: () => integer().notNull(), from: -5, to: 2147483647, inside: -5, outside: -6, sqlType: 'integer', sql: `FROM (-5) TO (2147483647)` },
    { type: 'bigint', col: () => bigint({ mode: 'bigint' }).notNull(), from: 9007199254740993n, to: 9223372036854775807n, inside: '9007199254740993', outside: '9007199254740992', sqlType: 'bigint', sql: `FROM (9007199254740993) TO (9223372036854775807)` },
    { type: 'numeric', col: () => numeric().notNull(), from: '0.10', to: 2.5, inside: '0.1', outside: '2.5', sqlType: 'numeric', sql: `FROM (0.1) TO (2.5)` },
    { type: 'uuid', col: () => uuid().notNull(), from: '00000000-0000-0000-0000-000000000000', to: '8000000000000000000000000000000F', inside: '7fffffff-ffff-ffff-ffff-ffffffffffff', outside: '80000000-0000-0000-0000-00000000000f', sqlType: 'uuid', sql: `FROM ('00000000-0000-0000-0000-000000000000') TO ('80000000-0000-0000-0000-00000000000f')` },
  ] as const;

  it.each(cases)('$type range bounds render as $sql and route rows by value', async (c) => {
    const name = `lit_${c.type}`;
    const t = pgPartitionedTable(name, { k: c.col() as any }, (t: any) => range(t.k, { partitions: [{ from: c.from, to: c.to }], default: { name: `${name}_other` } }));
    const part = getPartitioning(t)!;
    const [create, other] = declaredPartitionsSql(part);
    expect(create).toBe(`CREATE TABLE "${name}_p${nameOf(c)}" PARTITION OF "${name}" FOR VALUES ${c.sql};`);
    await db.sql.unsafe(`CREATE TABLE "${name}" (k ${c.sqlType} NOT NULL) ${partitionByClause(part)}`);
    await db.sql.unsafe(create!);
    await db.sql.unsafe(other!);
    await db.sql.unsafe(`INSERT INTO "${name}" VALUES ($1::${c.sqlType}), ($2::${c.sqlType})`, [String(c.inside), String(c.outside)]);
    const rows = await db.sql.unsafe(`SELECT k::text AS k, tableoid::regclass::text AS t FROM "${name}" ORDER BY k`);
    const where = Object.fromEntries(rows.map((r) => [r.t, r.k]));
    expect(Object.keys(where).sort()).toEqual([`${name}_other`, `${name}_p${nameOf(c)}`].sort());
  });

  it('boolean list bounds', async () => {
    const t = pgPartitionedTable('lit_bool', { k: boolean() }, (t) => list(t.k, { partitions: [{ values: [true] }, { values: [false, null] }], default: false }));
    const part = getPartitioning(t)!;
    expect(declaredPartitionsSql(part)).toEqual([
      `CREATE TABLE "lit_bool_true" PARTITION OF "lit_bool" FOR VALUES IN (TRUE);`,
      `CREATE TABLE "lit_bool_false_null" PARTITION OF "lit_bool" FOR VALUES IN (FALSE, NULL);`,
    ]);
    await db.sql.unsafe(`CREATE TABLE "lit_bool" (k boolean) ${partitionByClause(part)}`);
    for (const s of declaredPartitionsSql(part)) await db.sql.unsafe(s);
    await db.sql`insert into lit_bool values (true), (false), (null)`;
    const rows = await db.sql<{ t: string; n: number }[]>`select tableoid::regclass::text as t, count(*)::int as n from lit_bool group by 1 order by 1`;
    expect(rows).toEqual([{ t: 'lit_bool_false_null', n: 2 }, { t: 'lit_bool_true', n: 1 }]);
  });
});

function nameOf(c: { type: string }): string {
  return {
    date: '20240229',
    timestamp: '20260308_0230',
    timestamptz: '20260329',
    integer: 'm5',
    bigint: '9007199254740993',
    numeric: '0_1',
    uuid: '00000000000000000000000000000000',
  }[c.type]!;
}

describe('inlineParameters (a multi-statement message has no bind parameters)', () => {
  const values = ["it's", 'back\\slash', `x'); drop table victims; --`, 'ünï "q"', ''];

  it('the inlined statement returns what the bound one returns, awkward values included', async () => {
    const text = `select $1::text as a, $2::int as b, $3::text[] as c, $4::boolean as d, $5::text as e, $6::int8 as f`;
    for (const v of values) {
      const params = [v, -7, [v, null, 'plain'], true, null, 9007199254740993n];
      const bound = await db.sql.unsafe(text, [v, -7, [v, null, 'plain'], true, null, '9007199254740993']);
      const inlined = await db.sql.unsafe(inlineParameters(text, params));
      expect(inlined).toEqual(bound);
    }
  });

  it('leaves $n alone inside strings, quoted names, dollar quotes and comments', () => {
    const text = `select '$1' as "$2", $$ $1 $$, $tag$ $2 $tag$, $1 -- $2\n/* $2 */ , x$1`;
    expect(inlineParameters(text, ['v'])).toBe(`select '$1' as "$2", $$ $1 $$, $tag$ $2 $tag$, 'v' -- $2\n/* $2 */ , x$1`);
  });

  it('refuses a reference past the parameters given and values it cannot write', () => {
    expect(() => inlineParameters('select $2', ['a'])).toThrow(expect.objectContaining({ code: 'LITERAL_INVALID' }));
    expect(() => inlineParameters('select $1', [undefined])).toThrow(expect.objectContaining({ code: 'LITERAL_INVALID' }));
    expect(() => inlineParameters('select $1', [Number.NaN])).toThrow(expect.objectContaining({ code: 'LITERAL_INVALID' }));
    expect(() => inlineParameters('select $1', [{}])).toThrow(expect.objectContaining({ code: 'LITERAL_INVALID' }));
  });
});
