/**
 * More of the catalogue in invalid-definitions.test.ts: the definition mistakes it
 * does not make (names PostgreSQL cannot take at all, and maintenance policies that
 * are not objects), in the same form: each must throw a PartitionDefinitionError with
 * its code, the table, and the partition involved, when the schema is evaluated.
 */
import { describe, expect, it } from 'vitest';
import { bigint, date, integer, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';
import { list, partitioned, PartitionDefinitionError, pgPartitionedTable, range, type DefinitionErrorCode } from '../../src/index.js';

const cols = () => ({
  id: bigint({ mode: 'number' }).notNull(),
  tenantId: integer('tenant_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  day: date().notNull(),
  region: text().notNull(),
});

interface Case {
  name: string;
  code: DefinitionErrorCode;
  /** Substrings the message must contain (table, column, partition names). */
  mentions: string[];
  column?: string;
  partition?: string;
  define: () => unknown;
}

const cases: Case[] = [
  {
    name: 'explicit partition name that is empty',
    code: 'NAME_INVALID',
    mentions: ['public.ev', 'partition name ""', 'is empty'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: ['eu'] }, { name: '', values: ['us'] }] })),
  },
  {
    name: 'explicit partition name with a NUL character',
    code: 'NAME_INVALID',
    mentions: ['public.ev', '"ev\\u0000us"', 'NUL'],
    partition: 'ev\0us',
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ name: 'ev\0us', values: ['us'] }] })),
  },
  {
    name: 'explicit partition name that is not a string',
    code: 'NAME_INVALID',
    mentions: ['public.ev', 'partition name 2026', 'not a string'],
    partition: 'partitions[0]',
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.tenantId, { partitions: [{ name: 2026 as unknown as string, from: 0, to: 10 }] })),
  },
  {
    name: 'empty name of the default partition',
    code: 'NAME_INVALID',
    mentions: ['public.ev', 'partition name ""', 'is empty'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: ['eu'] }], default: { name: '' } })),
  },
  {
    name: 'tablespace name that is empty',
    code: 'NAME_INVALID',
    mentions: ['public.ev', 'tablespace ""', 'is empty'],
    partition: 'partitions[0]',
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: ['eu'], tablespace: '' }] })),
  },
  {
    name: 'invalid name in a sub-partition names the partition it is under',
    code: 'NAME_INVALID',
    mentions: ['sub-partitioning of partition "ev_eu"', 'partition name ""'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        list(t.region, { partitions: [{ values: ['eu'], partitionBy: range(t.tenantId, { partitions: [{ name: '', from: 0, to: 10 }] }) }] }),
      ),
  },
  {
    name: 'maintenance that is a string, not a policy',
    code: 'POLICY_INVALID',
    mentions: ['public.ev', 'maintenance must be an object with an interval'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: '1 month' as never })),
  },
  {
    name: 'maintenance without an interval',
    code: 'POLICY_INVALID',
    mentions: ['public.ev', 'with an interval'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { premake: 3 } as never })),
  },
  {
    name: 'maintenance that is null',
    code: 'POLICY_INVALID',
    mentions: ['public.ev', 'with an interval'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: null as never })),
  },
  {
    name: 'retention that is a string, not { keep }',
    code: 'POLICY_INVALID',
    mentions: ['public.ev', 'retention must be an object with keep'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 month', retention: '12 months' as never } })),
  },
  {
    name: 'retention without keep (integer key)',
    code: 'POLICY_INVALID',
    mentions: ['public.ev', 'retention must be an object with keep'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.id, { maintenance: { interval: 1000, retention: { action: 'drop' } as never } })),
  },
  {
    name: 'policy mistakes in a pgSchema name the schema',
    code: 'POLICY_INVALID',
    mentions: ['"sales.orders"', 'with an interval'],
    define: () =>
      partitioned(pgSchema('sales').table('orders', { at: timestamp({ withTimezone: true }).notNull() }), (t) => range(t.at, { maintenance: {} as never })),
  },
];

describe('more invalid definitions are refused at definition time', () => {
  it.each(cases)('$name -> $code', (c) => {
    let error: unknown;
    try {
      c.define();
    } catch (e) {
      error = e;
    }
    expect(error, 'the definition must throw').toBeInstanceOf(PartitionDefinitionError);
    const e = error as PartitionDefinitionError;
    expect(e.code).toBe(c.code);
    expect(e.table).toMatch(/\./);
    for (const m of c.mentions) expect(e.message).toContain(m);
    if (c.column) expect(e.column).toBe(c.column);
    if (c.partition) expect(e.partition).toBe(c.partition);
  });
});
