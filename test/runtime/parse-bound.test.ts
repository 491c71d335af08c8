/**
 * Bounds read back from the catalog: rendered by our DDL module, created on the real
 * server, printed by pg_get_expr(relpartbound), parsed, and compared by value with
 * the bound we declared.
 */
import { describe, expect, it } from 'vitest';
import { boundClause } from '../../src/bound/literals.js';
import { quoteIdent, quoteLiteral } from '../../src/sql/quote.js';
import { DrizzlePartitionsError } from '../../src/errors.js';
import { parsePartitionBound, type ParseBoundKey } from '../../src/bound/parse.js';
import { boundsEqual, rangesOverlap, type RangeBound } from '../../src/bound/values.js';
import {
  isBoundProblem,
  MAXVALUE,
  MINVALUE,
  normalizeBound,
  sameBound,
  type BoundInput,
  type BoundValue,
} from '../../src/bound/values.js';
import type { KeyType } from '../../src/bound/key-type.js';
import type { PartitionBound } from '../../src/schema/resolved.js';
import { useTestDatabase, type Sql } from '../harness/db.js';

const db = useTestDatabase();

function nb(input: BoundInput, type: KeyType, labels?: readonly string[]): BoundValue {
  const r = normalizeBound(input, type, labels);
  if (isBoundProblem(r)) throw new Error(r.message);
  return r;
}

type Col = { sql: string; key: ParseBoundKey };
const col = (sql: string, type: KeyType, enumLabels?: readonly string[]): Col => ({ sql, key: enumLabels ? { type, enumLabels } : { type } });

function rangeOf(cols: readonly Col[], from: BoundInput | BoundInput[], to: BoundInput | BoundInput[]): PartitionBound {
  const f = Array.isArray(from) ? from : [from];
  const t = Array.isArray(to) ? to : [to];
  return {
    kind: 'range',
    from: f.map((v, i) => nb(v, cols[i]!.key.type, cols[i]!.key.enumLabels)),
    to: t.map((v, i) => nb(v, cols[i]!.key.type, cols[i]!.key.enumLabels)),
  };
}
function listOf(c: Col, values: BoundInput[]): PartitionBound {
  return { kind: 'list', values: values.map((v) => nb(v, c.key.type, c.key.enumLabels)) };
}

let tableNo = 0;

/** Creates a partitioned table and one partition per bound; returns the printed bounds in order. */
async function createAndRead(sql: Sql, method: 'range' | 'list' | 'hash', cols: readonly Col[], bounds: readonly PartitionBound[]): Promise<{ table: string; texts: string[] }> {
  const table = `pb_${++tableNo}`;
  const columns = cols.map((c, i) => `c${i} ${c.sql}`).join(', ');
  const key = cols.map((_, i) => `c${i}`).join(', ');
  await sql.unsafe(`create table ${quoteIdent(table)} (${columns}) partition by ${method} (${key})`);
  for (const [j, b] of bounds.entries()) {
    await sql.unsafe(`create table ${quoteIdent(`${table}_${j}`)} partition of ${quoteIdent(table)} ${boundClause(b)}`);
  }
  return { table, texts: await readBounds(sql, table, bounds.length) };
}

async function readBounds(sql: Sql, table: string, count: number): Promise<string[]> {
  const texts: string[] = [];
  for (let j = 0; j < count; j++) {
    const rows = await sql<{ b: string }[]>`select pg_get_expr(c.relpartbound, c.oid) as b from pg_class c where c.oid = ${quoteIdent(`${table}_${j}`)}::regclass`;
    texts.push(rows[0]!.b);
  }
  return texts;
}

const ENUM_LABELS = ['eu', 'us', "o'hare", 'with, comma', 'back\\slash', '(paren)', 'ünï'];

interface Case {
  name: string;
  method: 'range' | 'list' | 'hash';
  cols: Col[];
  bounds: (cols: Col[]) => PartitionBound[];
}

const dateC = col('date', 'date');
const tsC = col('timestamp', 'timestamp');
const tzC = col('timestamptz', 'timestamptz');
const int2C = col('smallint', 'smallint');
const int4C = col('integer', 'integer');
const int8C = col('bigint', 'bigint');
const numC = col('numeric', 'numeric');
const textC = col('text', 'text');
const uuidC = col('uuid', 'uuid');
const boolC = col('boolean', 'boolean');
const enumC = col('pb_region', 'enum', ENUM_LABELS);

const cases: Case[] = [
  {
    name: 'date range',
    method: 'range',
    cols: [dateC],
    bounds: ([c]) => [
      rangeOf([c!], MINVALUE, '1999-12-31'),
      rangeOf([c!], '2024-02-29', '2024-03-01'),
      rangeOf([c!], '2026-01-01', new Date('2026-02-01T00:00:00Z')),
      rangeOf([c!], '9999-12-01', MAXVALUE),
    ],
  },
  {
    name: 'date list with NULL',
    method: 'list',
    cols: [dateC],
    bounds: ([c]) => [listOf(c!, ['2026-01-01', '2026-01-02']), listOf(c!, [null])],
  },
  {
    name: 'timestamp range',
    method: 'range',
    cols: [tsC],
    bounds: ([c]) => [
      rangeOf([c!], MINVALUE, '2026-01-01'),
      rangeOf([c!], '2026-01-01 00:00:00', '2026-02-01 06:30:00.5'),
      rangeOf([c!], '2026-02-01 06:30:00.5', '2026-02-01T06:30:00.500001'),
    ],
  },
  {
    name: 'timestamptz range',
    method: 'range',
    cols: [tzC],
    bounds: ([c]) => [
      rangeOf([c!], '1850-01-01', '1900-01-01 00:00:00+00'),
      rangeOf([c!], '2026-01-01', new Date('2026-02-01T00:00:00Z')),
      rangeOf([c!], '2026-02-01T00:00:00Z', '2026-03-01 12:34:56.123456+05:30'),
      rangeOf([c!], '2026-03-01 12:34:56.123456+05:30', MAXVALUE),
    ],
  },
  {
    name: 'smallint list',
    method: 'list',
    cols: [int2C],
    bounds: ([c]) => [listOf(c!, [-32768, 0]), listOf(c!, [32767, null]), listOf(c!, [1, 2n, -3])],
  },
  {
    name: 'integer range',
    method: 'range',
    cols: [int4C],
    bounds: ([c]) => [
      rangeOf([c!], -2147483648, -5),
      rangeOf([c!], -5, 10),
      rangeOf([c!], 10, 2147483647),
      rangeOf([c!], 2147483647, MAXVALUE),
    ],
  },
  {
    name: 'bigint range',
    method: 'range',
    cols: [int8C],
    bounds: ([c]) => [
      rangeOf([c!], MINVALUE, -9223372036854775808n),
      rangeOf([c!], -9223372036854775808n, 0),
      rangeOf([c!], 0, 9223372036854775807n),
      rangeOf([c!], 9223372036854775807n, MAXVALUE),
    ],
  },
  {
    name: 'numeric range',
    method: 'range',
    cols: [numC],
    bounds: ([c]) => [
      rangeOf([c!], '-5.50', 0.1),
      rangeOf([c!], '0.1', '12345678901234567890.123456789'),
      rangeOf([c!], '12345678901234567890.123456789', MAXVALUE),
    ],
  },
  {
    name: 'numeric(10,2) range (printed with its scale)',
    method: 'range',
    cols: [col('numeric(10,2)', 'numeric')],
    bounds: ([c]) => [rangeOf([c!], -5.5, 0.1), rangeOf([c!], 0.1, 7)],
  },
  {
    name: 'double precision and real ranges (printed in exponent form)',
    method: 'range',
    cols: [col('double precision', 'float')],
    bounds: ([c]) => [rangeOf([c!], -1.5, 0.1), rangeOf([c!], 0.1, '100000000000000000000'), rangeOf([c!], '100000000000000000000', MAXVALUE)],
  },
  {
    name: 'real range',
    method: 'range',
    cols: [col('real', 'float')],
    bounds: ([c]) => [rangeOf([c!], -0.25, 0.1), rangeOf([c!], 0.1, 0.5)],
  },
  {
    name: 'text list: quotes, backslashes, commas, parens, unicode',
    method: 'list',
    cols: [textC],
    bounds: ([c]) => [
      listOf(c!, ["o'hare", "''", "'"]),
      listOf(c!, ['back\\slash', '\\', '\\\\n', "\\'"]),
      listOf(c!, ['a,b', '(x)', ')', '(', ', NULL)', "'), ('"]),
      listOf(c!, ['héllo ☃ 日本 😀', 'ünï', '\u00a0nbsp']),
      listOf(c!, ['', '  spaces  ', 'new\nline', 'tab\there', 'MINVALUE', 'NULL', 'true', '-5', 'E']),
      listOf(c!, [null]),
    ],
  },
  {
    name: 'text range',
    method: 'range',
    cols: [textC],
    bounds: ([c]) => [rangeOf([c!], MINVALUE, 'a'), rangeOf([c!], 'a', 'm'), rangeOf([c!], 'm', MAXVALUE)],
  },
  {
    name: 'varchar list',
    method: 'list',
    cols: [col('varchar(20)', 'text')],
    bounds: ([c]) => [listOf(c!, ["o'hare", 'x']), listOf(c!, ['a,b'])],
  },
  {
    name: 'uuid list',
    method: 'list',
    cols: [uuidC],
    bounds: ([c]) => [listOf(c!, ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11']), listOf(c!, ['00000000000000000000000000000000', null])],
  },
  {
    name: 'uuid range',
    method: 'range',
    cols: [uuidC],
    bounds: ([c]) => [rangeOf([c!], MINVALUE, '80000000-0000-0000-0000-000000000000'), rangeOf([c!], '80000000-0000-0000-0000-000000000000', MAXVALUE)],
  },
  {
    name: 'boolean list',
    method: 'list',
    cols: [boolC],
    bounds: ([c]) => [listOf(c!, [true]), listOf(c!, [false, null])],
  },
  {
    name: 'enum list',
    method: 'list',
    cols: [enumC],
    bounds: ([c]) => [listOf(c!, ['eu', "o'hare"]), listOf(c!, ['with, comma', 'back\\slash', '(paren)']), listOf(c!, ['ünï', null])],
  },
  {
    name: 'enum range',
    method: 'range',
    cols: [enumC],
    bounds: ([c]) => [rangeOf([c!], MINVALUE, "o'hare"), rangeOf([c!], "o'hare", MAXVALUE)],
  },
  {
    name: 'other key type (inet) list',
    method: 'list',
    cols: [col('inet', 'other')],
    bounds: ([c]) => [listOf(c!, ['10.0.0.0/8', '192.168.0.1'])],
  },
  {
    name: 'multi-column range with MINVALUE / MAXVALUE',
    method: 'range',
    cols: [int4C, dateC],
    bounds: (cs) => [
      rangeOf(cs, [MINVALUE, MINVALUE], [0, MINVALUE]),
      rangeOf(cs, [0, MINVALUE], [10, '2026-01-01']),
      rangeOf(cs, [10, '2026-01-01'], [10, MAXVALUE]),
      rangeOf(cs, [10, MAXVALUE], [MAXVALUE, MAXVALUE]),
    ],
  },
  {
    name: 'three-column range (text, timestamptz, uuid)',
    method: 'range',
    cols: [textC, tzC, uuidC],
    bounds: (cs) => [
      rangeOf(cs, ['a,b', '2026-01-01', MINVALUE], ['a,b', '2026-01-01', '80000000-0000-0000-0000-000000000000']),
      rangeOf(cs, ["o'hare", '2026-01-01 12:00:00+02', MINVALUE], ["o'hare", MAXVALUE, MAXVALUE]),
    ],
  },
  {
    name: 'hash',
    method: 'hash',
    cols: [int4C, textC],
    bounds: () => [
      { kind: 'hash', modulus: 4, remainder: 0 },
      { kind: 'hash', modulus: 4, remainder: 1 },
      { kind: 'hash', modulus: 8, remainder: 2 },
      { kind: 'hash', modulus: 8, remainder: 6 },
    ],
  },
  {
    name: 'list with a DEFAULT partition',
    method: 'list',
    cols: [textC],
    bounds: ([c]) => [listOf(c!, ['eu']), { kind: 'default' }],
  },
  {
    name: 'range with a DEFAULT partition',
    method: 'range',
    cols: [int8C],
    bounds: ([c]) => [rangeOf([c!], 0, 100), { kind: 'default' }],
  },
];

describe('parsePartitionBound: round trip through the real server', () => {
  it.each(cases)('$name', async ({ method, cols, bounds: make }) => {
    await db.sql.unsafe(`do $$ begin if to_regtype('pb_region') is null then create type pb_region as enum (${ENUM_LABELS.map(quoteLiteral).join(', ')}); end if; end $$`);
    const bounds = make(cols);
    const { texts } = await createAndRead(db.sql, method, cols, bounds);
    const keys = cols.map((c) => c.key);
    const parsed = texts.map((t) => parsePartitionBound(t, keys));
    for (const [j, p] of parsed.entries()) {
      expect(texts[j], 'the server prints no casts').not.toContain('::');
      expect(boundsEqual(p, bounds[j]!), `${texts[j]} read back as the bound rendered as ${boundClause(bounds[j]!)}`).toBe(true);
      expect(boundsEqual(bounds[j]!, p)).toBe(true);
      // and it tells the partitions apart
      for (const [k, other] of bounds.entries()) if (k !== j) expect(boundsEqual(p, other)).toBe(false);
      // what it read renders back to a bound the server accepts as the same
      if (p.kind !== 'default') expect(parsePartitionBound(boundClause(p), keys)).toEqual(p);
    }
  });
});

describe('timestamptz under the session TimeZone', () => {
  const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Asia/Kathmandu'];

  it('reads the same instants whatever TimeZone printed them', async () => {
    const bounds = [
      rangeOf([tzC], '1850-01-01', '1900-01-01'),
      rangeOf([tzC], '2026-01-01', '2026-07-01 12:00:00.123456'),
      rangeOf([tzC], '2026-07-01 12:00:00.123456', MAXVALUE),
    ];
    const { table } = await createAndRead(db.sql, 'range', [tzC], bounds);
    const tsBounds = [rangeOf([tsC], '2026-01-01', '2026-07-01 12:00:00.5')];
    const { table: tsTable } = await createAndRead(db.sql, 'range', [tsC], tsBounds);

    const printed = new Map<string, { tz: string[]; ts: string[] }>();
    for (const zone of zones) {
      printed.set(
        zone,
        await db.sql.begin(async (tx) => {
          await tx.unsafe(`set local TimeZone = ${quoteLiteral(zone)}`);
          await tx.unsafe(`set local DateStyle = 'ISO, MDY'`);
          return { tz: await readBounds(tx as unknown as Sql, table, bounds.length), ts: await readBounds(tx as unknown as Sql, tsTable, 1) };
        }),
      );
    }
    const utc = printed.get('UTC')!;
    expect(utc.tz[1]).toBe("FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-07-01 12:00:00.123456+00')");
    expect(printed.get('America/New_York')!.tz[1]).toBe("FOR VALUES FROM ('2025-12-31 19:00:00-05') TO ('2026-07-01 08:00:00.123456-04')");
    expect(printed.get('Asia/Kolkata')!.tz[1]).toBe("FOR VALUES FROM ('2026-01-01 05:30:00+05:30') TO ('2026-07-01 17:30:00.123456+05:30')");
    // Before standard time, a zone's local mean time has an offset in seconds.
    expect(printed.get('America/New_York')!.tz[0]).toContain('-04:56:02');

    const utcParsed = utc.tz.map((t) => parsePartitionBound(t, [tzC.key]));
    for (const zone of zones) {
      const { tz, ts } = printed.get(zone)!;
      for (const [j, text] of tz.entries()) {
        const p = parsePartitionBound(text, [tzC.key]);
        expect(boundsEqual(p, utcParsed[j]!), `${zone}: ${text}`).toBe(true);
        expect(boundsEqual(p, bounds[j]!), `${zone}: ${text}`).toBe(true);
        if (p.kind === 'range' && utcParsed[j]!.kind === 'range') {
          p.from.forEach((v, i) => expect(sameBound(v, (utcParsed[j] as RangeBound).from[i]!)).toBe(true));
          p.to.forEach((v, i) => expect(sameBound(v, (utcParsed[j] as RangeBound).to[i]!)).toBe(true));
        }
      }
      // timestamp without time zone: no offset, printed the same in every zone
      expect(ts[0]).toBe(utc.ts[0]);
      expect(boundsEqual(parsePartitionBound(ts[0]!, [tsC.key]), tsBounds[0]!)).toBe(true);
    }
  });

  it('refuses dates printed in a DateStyle other than ISO, naming the fix', async () => {
    const bounds = [rangeOf([dateC], '2026-01-01', '2026-02-01')];
    const { table } = await createAndRead(db.sql, 'range', [dateC], bounds);
    for (const style of ['German', 'SQL, DMY', 'Postgres, MDY']) {
      const [text] = await db.sql.begin(async (tx) => {
        await tx.unsafe(`set local DateStyle = ${quoteLiteral(style)}`);
        return readBounds(tx as unknown as Sql, table, 1);
      });
      const err = catchError(() => parsePartitionBound(text!, [dateC.key]));
      expect(err.code).toBe('BOUND_UNPARSEABLE');
      expect(err.message).toContain(text!);
      expect(err.message).toContain('DateStyle = ISO');
    }
  });

  it('reads strings printed with standard_conforming_strings = off when told so', async () => {
    const bounds = [listOf(textC, ['back\\slash', "o'\\'hare", '\\\\'])];
    const { table } = await createAndRead(db.sql, 'list', [textC], bounds);
    const [text] = await db.sql.begin(async (tx) => {
      await tx.unsafe('set local standard_conforming_strings = off');
      return readBounds(tx as unknown as Sql, table, 1);
    });
    expect(text).toContain('\\\\');
    expect(boundsEqual(parsePartitionBound(text!, [textC.key], { standardConformingStrings: false }), bounds[0]!)).toBe(true);
    expect(boundsEqual(parsePartitionBound(text!, [textC.key]), bounds[0]!)).toBe(false);
  });
});

function catchError(fn: () => unknown): DrizzlePartitionsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DrizzlePartitionsError);
    return e as DrizzlePartitionsError;
  }
  throw new Error('expected an error');
}

describe('parsePartitionBound: texts', () => {
  const int: ParseBoundKey[] = [{ type: 'integer' }];

  it('parses the shapes pg_get_expr prints', () => {
    expect(parsePartitionBound('DEFAULT', int)).toEqual({ kind: 'default' });
    expect(parsePartitionBound('FOR VALUES WITH (modulus 4, remainder 1)', int)).toEqual({ kind: 'hash', modulus: 4, remainder: 1 });
    expect(parsePartitionBound("FOR VALUES FROM ('-5') TO (10)", int)).toEqual(rangeOf([int4C], -5, 10));
    expect(parsePartitionBound('FOR VALUES FROM (-5) TO (+10)', int)).toEqual(rangeOf([int4C], -5, 10));
    expect(parsePartitionBound('FOR VALUES IN (1, 2)', int)).toEqual(listOf(int4C, [1, 2]));
    expect(parsePartitionBound('FOR VALUES IN (true)', [{ type: 'boolean' }])).toEqual(listOf(boolC, [true]));
    expect(parsePartitionBound("FOR VALUES IN ('eu', NULL)", [{ type: 'text' }])).toEqual(listOf(textC, ['eu', null]));
    expect(parsePartitionBound('FOR VALUES FROM (MINVALUE, 5) TO (10, MAXVALUE)', [{ type: 'integer' }, { type: 'bigint' }])).toEqual(
      rangeOf([int4C, int8C], [MINVALUE, 5], [10, MAXVALUE]),
    );
    expect(parsePartitionBound("FOR VALUES FROM ('-5.50') TO (0.10)", [{ type: 'numeric' }])).toEqual(rangeOf([numC], '-5.5', '0.1'));
    expect(parsePartitionBound("FOR VALUES FROM ('1e+20') TO ('2.5e-3')", [{ type: 'float' }])).toEqual(
      rangeOf([col('float8', 'float')], '100000000000000000000', '0.0025'),
    );
  });

  it('reads quoted strings with doubled quotes, commas and parentheses inside', () => {
    const p = parsePartitionBound("FOR VALUES IN ('o''hare', 'a, b', '(x)', ')', '', '''')", [{ type: 'text' }]);
    expect(p).toEqual(listOf(textC, ["o'hare", 'a, b', '(x)', ')', '', "'"]));
  });

  it("reads E'' strings and standard strings with backslashes", () => {
    expect(parsePartitionBound("FOR VALUES IN (E'back\\\\slash', e'it\\'s', E'\\n\\t\\x41\\101\\u00e9\\U0001F600\\uD83D\\uDE00', E'\\303\\251')", [{ type: 'text' }])).toEqual(
      listOf(textC, ['back\\slash', "it's", '\n\tAAé😀😀', 'é']),
    );
    expect(parsePartitionBound("FOR VALUES IN ('back\\slash')", [{ type: 'text' }])).toEqual(listOf(textC, ['back\\slash']));
  });

  it('strips ::type casts', () => {
    expect(parsePartitionBound("FOR VALUES FROM ('2026-01-01'::date) TO ('2026-02-01'::date)", [{ type: 'date' }])).toEqual(
      rangeOf([dateC], '2026-01-01', '2026-02-01'),
    );
    expect(
      parsePartitionBound(
        "FOR VALUES FROM ('2026-01-01 00:00:00+00'::timestamp with time zone) TO ('2026-02-01 00:00:00+00'::timestamptz(6))",
        [{ type: 'timestamptz' }],
      ),
    ).toEqual(rangeOf([tzC], '2026-01-01', '2026-02-01'));
    expect(parsePartitionBound(`FOR VALUES IN ('eu'::public."Region", 'us'::"Region"::text, 'x'::character varying(20)[])`, [{ type: 'text' }])).toEqual(
      listOf(textC, ['eu', 'us', 'x']),
    );
    expect(parsePartitionBound("FOR VALUES IN ('5'::bigint)", [{ type: 'bigint' }])).toEqual(listOf(int8C, [5]));
  });

  it('takes keywords in any case and any whitespace', () => {
    expect(parsePartitionBound('  for values\n from ( minvalue )\tto(MaxValue) ', int)).toEqual(rangeOf([int4C], MINVALUE, MAXVALUE));
    expect(parsePartitionBound('for values with (REMAINDER 3, MODULUS 5)', int)).toEqual({ kind: 'hash', modulus: 5, remainder: 3 });
    expect(parsePartitionBound('default', int)).toEqual({ kind: 'default' });
    expect(parsePartitionBound('for values in (null, True, FALSE)', [{ type: 'boolean' }])).toEqual(listOf(boolC, [null, true, false]));
  });

  it('keeps other key types as written', () => {
    expect(parsePartitionBound("FOR VALUES IN ('10.0.0.0/8', 5, true)", [{ type: 'other' }])).toEqual({
      kind: 'list',
      values: [
        { kind: 'other', text: '10.0.0.0/8', quoted: true },
        { kind: 'other', text: '5', quoted: false },
        { kind: 'other', text: 'true', quoted: false },
      ],
    });
  });

  const errors: [string, string, ParseBoundKey[]][] = [
    ['empty', '', int],
    ['not a bound', 'CHECK (x > 0)', int],
    ['no method', 'FOR VALUES', int],
    ['empty list', 'FOR VALUES IN ()', int],
    ['unterminated string', "FOR VALUES IN ('x", [{ type: 'text' }]],
    ['unterminated list', 'FOR VALUES IN (1, 2', int],
    ['trailing text', 'FOR VALUES FROM (1) TO (2) extra', int],
    ['an expression', 'FOR VALUES IN (1 + 2)', int],
    ['a function', "FOR VALUES IN (now())", [{ type: 'timestamptz' }]],
    ['modulus 0', 'FOR VALUES WITH (modulus 0, remainder 0)', int],
    ['remainder >= modulus', 'FOR VALUES WITH (modulus 4, remainder 4)', int],
    ['hash without remainder', 'FOR VALUES WITH (modulus 4)', int],
    ['MINVALUE in a list', 'FOR VALUES IN (MINVALUE)', int],
    ['NULL in a range', 'FOR VALUES FROM (NULL) TO (5)', int],
    ['range arity', 'FOR VALUES FROM (1, 2) TO (3, 4)', int],
    ['list on two keys', 'FOR VALUES IN (1)', [{ type: 'integer' }, { type: 'integer' }]],
    ['not an integer', "FOR VALUES IN ('abc')", int],
    ['a decimal for an integer', 'FOR VALUES IN (1.5)', int],
    ['out of smallint range', "FOR VALUES IN ('99999')", [{ type: 'smallint' }]],
    ['out of bigint range', "FOR VALUES IN ('9223372036854775808')", [{ type: 'bigint' }]],
    ['not a uuid', "FOR VALUES IN ('not-a-uuid')", [{ type: 'uuid' }]],
    ['unknown enum label', "FOR VALUES IN ('asia')", [{ type: 'enum', enumLabels: ['eu', 'us'] }]],
    ['enum without labels', "FOR VALUES IN ('eu')", [{ type: 'enum' }]],
    ['unquoted number for text', 'FOR VALUES IN (5)', [{ type: 'text' }]],
    ['NaN numeric', "FOR VALUES FROM ('NaN') TO (MAXVALUE)", [{ type: 'numeric' }]],
    ['infinite date', "FOR VALUES FROM ('infinity') TO (MAXVALUE)", [{ type: 'date' }]],
    ['BC date', "FOR VALUES FROM ('0044-03-15 BC') TO (MAXVALUE)", [{ type: 'date' }]],
    ['February 30', "FOR VALUES FROM ('2026-02-30') TO (MAXVALUE)", [{ type: 'date' }]],
    ['offset on a timestamp without time zone', "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO (MAXVALUE)", [{ type: 'timestamp' }]],
    ['quoted boolean', "FOR VALUES IN ('t')", [{ type: 'boolean' }]],
    ['bad E string escape', "FOR VALUES IN (E'\\u12')", [{ type: 'text' }]],
    ['invalid UTF-8 from octal escapes', "FOR VALUES IN (E'\\377')", [{ type: 'text' }]],
  ];

  it.each(errors)('refuses %s with BOUND_UNPARSEABLE and the text', (_name, text, keys) => {
    const err = catchError(() => parsePartitionBound(text, keys));
    expect(err.code).toBe('BOUND_UNPARSEABLE');
    expect(err.message).toContain('[BOUND_UNPARSEABLE]');
    expect(err.message).toContain(text);
  });
});

describe('boundsEqual and rangesOverlap', () => {
  const r = (from: BoundInput | BoundInput[], to: BoundInput | BoundInput[], cols: Col[] = [int4C]) => rangeOf(cols, from, to) as RangeBound;

  it('compares by value', () => {
    expect(boundsEqual(rangeOf([tzC], '2026-01-01', MAXVALUE), rangeOf([tzC], '2025-12-31 19:00:00-05', MAXVALUE))).toBe(true);
    expect(boundsEqual(listOf(int4C, [1, 2, null]), listOf(int4C, [null, 2, 1, 2]))).toBe(true);
    expect(boundsEqual(listOf(int4C, [1, 2]), listOf(int4C, [1, 2, 3]))).toBe(false);
    expect(boundsEqual(listOf(numC, ['1.50']), listOf(numC, [1.5]))).toBe(true);
    expect(boundsEqual({ kind: 'hash', modulus: 4, remainder: 1 }, { kind: 'hash', modulus: 4, remainder: 1 })).toBe(true);
    expect(boundsEqual({ kind: 'hash', modulus: 4, remainder: 1 }, { kind: 'hash', modulus: 8, remainder: 1 })).toBe(false);
    expect(boundsEqual({ kind: 'default' }, { kind: 'default' })).toBe(true);
    expect(boundsEqual({ kind: 'default' }, listOf(int4C, [1]))).toBe(false);
    expect(boundsEqual(r(1, 2), listOf(int4C, [1]))).toBe(false);
    expect(boundsEqual(r(1, 2), r([1, 0], [2, 0], [int4C, int4C]))).toBe(false);
    expect(boundsEqual(listOf(textC, ['a']), listOf(textC, ['A']))).toBe(false);
  });

  it('orders ranges where the package can', () => {
    expect(rangesOverlap(r(0, 10), r(5, 15))).toBe(true);
    expect(rangesOverlap(r(0, 10), r(10, 20))).toBe(false);
    expect(rangesOverlap(r(10, 20), r(0, 10))).toBe(false);
    expect(rangesOverlap(r(MINVALUE, 0), r(-5, 5))).toBe(true);
    expect(rangesOverlap(r(MINVALUE, MAXVALUE), r(1, 2))).toBe(true);
    expect(rangesOverlap(r(0, 10), r(0, 10))).toBe(true);
    expect(rangesOverlap(r([0, MINVALUE], [10, MINVALUE], [int4C, dateC]), r([10, MINVALUE], [MAXVALUE, MAXVALUE], [int4C, dateC]))).toBe(false);
    expect(rangesOverlap(r([0, '2026-01-01'], [10, MINVALUE], [int4C, dateC]), r([5, MINVALUE], [6, MINVALUE], [int4C, dateC]))).toBe(true);
    expect(rangesOverlap(r('2026-01-01', '2026-02-01', [tzC]), r('2026-01-31 19:00:00-05', '2026-03-01', [tzC]))).toBe(false);
  });

  it('leaves text ranges to the server', () => {
    expect(rangesOverlap(r('a', 'm', [textC]), r('c', 'z', [textC]))).toBeUndefined();
    expect(rangesOverlap(r('a', 'm', [textC]), r('m', 'z', [textC]))).toBe(false);
    expect(rangesOverlap(r(MINVALUE, 'm', [textC]), r('m', MAXVALUE, [textC]))).toBe(false);
  });
});
