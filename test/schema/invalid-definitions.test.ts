/**
 * The catalogue of definitions PostgreSQL would refuse (or that would misbehave):
 * each must throw a PartitionDefinitionError with its code, the table, and the
 * column or partition involved, when the schema is evaluated.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  integer,
  numeric,
  pgEnum,
  pgSchema,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  expression,
  hash,
  list,
  MAXVALUE,
  MINVALUE,
  partitioned,
  PartitionDefinitionError,
  pgPartitionedTable,
  range,
  type DefinitionErrorCode,
} from '../../src/index.js';

const cols = () => ({
  id: bigint({ mode: 'number' }).notNull(),
  tenantId: integer('tenant_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  day: date().notNull(),
  region: text().notNull(),
});

const status = pgEnum('status', ['new', 'done']);

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
    name: 'empty key',
    code: 'KEY_EMPTY',
    mentions: ['public.ev', 'empty'],
    define: () => pgPartitionedTable('ev', cols(), () => range([], {})),
  },
  {
    name: 'key column of another table',
    code: 'KEY_COLUMN_NOT_IN_TABLE',
    mentions: ['public.ev', '"created_at"', 'public.other'],
    column: 'created_at',
    define: () => {
      const other = pgTable('other', cols());
      return pgPartitionedTable('ev', cols(), () => range(other.createdAt, {}) as never);
    },
  },
  {
    name: 'same column twice in the key',
    code: 'KEY_DUPLICATE_COLUMN',
    mentions: ['"tenant_id"', 'twice'],
    column: 'tenant_id',
    define: () => pgPartitionedTable('ev', cols(), (t) => range([t.tenantId, t.tenantId], {})),
  },
  {
    name: 'expression using another table',
    code: 'KEY_EXPRESSION_UNSUPPORTED',
    mentions: ['public.ev', 'another table'],
    define: () => {
      const other = pgTable('other', cols());
      return pgPartitionedTable('ev', cols(), () => range(sql`date_trunc('day', ${other.createdAt})`, {}));
    },
  },
  {
    name: 'LIST on two columns',
    code: 'LIST_KEY_MULTIPLE_COLUMNS',
    mentions: ['exactly one', 'got 2'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list([t.region, t.tenantId] as never, {})),
  },
  {
    name: 'column primary key without the key column',
    code: 'PRIMARY_KEY_MISSING_KEY_COLUMN',
    mentions: ['public.ev', 'primary key (id)', '"created_at"', 't.createdAt'],
    column: 'created_at',
    define: () =>
      pgPartitionedTable('ev', { ...cols(), id: bigint({ mode: 'number' }).primaryKey() }, (t) => range(t.createdAt, {})),
  },
  {
    name: 'composite primary key without the key column',
    code: 'PRIMARY_KEY_MISSING_KEY_COLUMN',
    mentions: ['primary key (id, tenant_id)', '"region"'],
    column: 'region',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => [primaryKey({ columns: [t.id, t.tenantId] })], (t) => list(t.region, {})),
  },
  {
    name: 'unique index without the key column',
    code: 'UNIQUE_MISSING_KEY_COLUMN',
    mentions: ['unique index "ev_id_uq"', '"created_at"'],
    column: 'created_at',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => [uniqueIndex('ev_id_uq').on(t.id)], (t) => range(t.createdAt, {})),
  },
  {
    name: 'unique constraint without the key column',
    code: 'UNIQUE_MISSING_KEY_COLUMN',
    mentions: ['unique constraint "ev_region_uq"', '"tenant_id"'],
    column: 'tenant_id',
    define: () => pgPartitionedTable('ev', cols(), (t) => [unique('ev_region_uq').on(t.region)], (t) => hash(t.tenantId, { partitions: 2 })),
  },
  {
    name: 'column .unique() without the key column',
    code: 'UNIQUE_MISSING_KEY_COLUMN',
    mentions: ['unique column "region"', '"created_at"'],
    define: () => pgPartitionedTable('ev', { ...cols(), region: text().unique() }, (t) => range(t.createdAt, {})),
  },
  {
    name: 'primary key with an expression key',
    code: 'UNIQUE_WITH_EXPRESSION_KEY',
    mentions: ['expression'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => [primaryKey({ columns: [t.id, t.createdAt] })], (t) =>
        range(expression(sql`(${t.createdAt} at time zone 'UTC')::date`, 'date'), {}),
      ),
  },
  {
    name: 'primary key lacking a sub-partition key column',
    code: 'PRIMARY_KEY_MISSING_KEY_COLUMN',
    mentions: ['"tenant_id"', 'sub-partitioned partition "ev_p20260101"'],
    partition: 'ev_p20260101',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => [primaryKey({ columns: [t.id, t.createdAt] })], (t) =>
        range(t.createdAt, { partitions: [{ from: '2026-01-01', to: '2026-02-01', partitionBy: hash(t.tenantId, { partitions: 2 }) }] }),
      ),
  },
  {
    name: 'overlapping range partitions',
    code: 'RANGE_OVERLAP',
    mentions: ['"jan"', '"jan_b"', 'overlap'],
    partition: 'jan_b',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        range(t.createdAt, {
          partitions: [
            { name: 'jan', from: '2026-01-01', to: '2026-02-01' },
            { name: 'jan_b', from: '2026-01-15', to: '2026-03-01' },
          ],
        }),
      ),
  },
  {
    name: 'overlap with an open MINVALUE range',
    code: 'RANGE_OVERLAP',
    mentions: ['MINVALUE'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        range(t.tenantId, { partitions: [{ from: MINVALUE, to: 100 }, { from: 50, to: 200 }] }),
      ),
  },
  {
    name: 'empty range (from >= to)',
    code: 'RANGE_EMPTY',
    mentions: ['2026-02-01', 'not below'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.day, { partitions: [{ from: '2026-02-01', to: '2026-01-01' }] })),
  },
  {
    name: 'value after MINVALUE that is not MINVALUE',
    code: 'RANGE_MINMAX_ORDER',
    mentions: ['after MINVALUE'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        range([t.tenantId, t.createdAt], { partitions: [{ from: [MINVALUE, '2026-01-01'], to: [10, MAXVALUE] }] }),
      ),
  },
  {
    name: 'range bound with the wrong arity',
    code: 'BOUND_ARITY',
    mentions: ['"from" has 1 value', '2 column'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range([t.tenantId, t.day], { partitions: [{ from: [1] as never, to: [2, '2026-01-01'] }] })),
  },
  {
    name: 'NULL as a range bound',
    code: 'BOUND_NULL_IN_RANGE',
    mentions: ['cannot be null'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.tenantId, { partitions: [{ from: null as never, to: 5 }] })),
  },
  {
    name: 'bound of the wrong type for an integer key',
    code: 'BOUND_TYPE_MISMATCH',
    mentions: ['"tenant_id"', 'integer', '"ten"'],
    column: 'tenant_id',
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.tenantId, { partitions: [{ from: 'ten' as never, to: 20 }] })),
  },
  {
    name: 'bound of the wrong type for a timestamptz key',
    code: 'BOUND_TYPE_MISMATCH',
    mentions: ['"created_at"', 'timestamptz', '20260101'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { partitions: [{ from: 20260101 as never, to: '2026-02-01' }] })),
  },
  {
    name: 'impossible calendar date',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['"2026-02-30"', '"day"'],
    column: 'day',
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.day, { partitions: [{ from: '2026-02-01', to: '2026-02-30' }] })),
  },
  {
    name: 'a date bound that is not midnight UTC',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['not midnight UTC'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.day, { partitions: [{ from: new Date('2026-01-01T05:00:00Z'), to: '2026-02-01' }] })),
  },
  {
    name: 'an offset on a timestamp without time zone',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['offset'],
    define: () =>
      pgPartitionedTable('ev', { ...cols(), at: timestamp().notNull() }, (t) => range(t.at, { partitions: [{ from: '2026-01-01T00:00:00+02:00', to: '2026-02-01' }] })),
  },
  {
    name: 'integer bound outside smallint',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['outside the integer range'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.tenantId, { partitions: [{ from: 0, to: 3_000_000_000 }] })),
  },
  {
    name: 'enum label that does not exist',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['"archived"', '"new"', '"done"'],
    define: () => pgPartitionedTable('ev', { ...cols(), status: status().notNull() }, (t) => list(t.status, { partitions: [{ values: ['archived' as never] }] })),
  },
  {
    name: 'malformed uuid',
    code: 'BOUND_INVALID_VALUE',
    mentions: ['not a uuid'],
    define: () => pgPartitionedTable('ev', { ...cols(), key: uuid().notNull() }, (t) => list(t.key, { partitions: [{ values: ['xyz'] }] })),
  },
  {
    name: 'MAXVALUE in a list',
    code: 'BOUND_MINMAX_OUTSIDE_RANGE',
    mentions: ['MAXVALUE', 'RANGE'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: [MAXVALUE as never] }] })),
  },
  {
    name: 'list partition without values',
    code: 'LIST_EMPTY',
    mentions: ['at least one value'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: [] }] })),
  },
  {
    name: 'a list value in two partitions',
    code: 'LIST_DUPLICATE_VALUE',
    mentions: ['"uk"', '"europe"', '"britain"'],
    partition: 'britain',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        list(t.region, { partitions: [{ name: 'europe', values: ['fr', 'uk'] }, { name: 'britain', values: ['uk'] }] }),
      ),
  },
  {
    name: 'NULL listed twice',
    code: 'LIST_DUPLICATE_VALUE',
    mentions: ['NULL'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: [null] }, { name: 'n2', values: ['a', null] }] })),
  },
  {
    name: 'hash remainder >= modulus',
    code: 'HASH_REMAINDER_OUT_OF_RANGE',
    mentions: ['remainder 4', '0 to 3'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: [{ modulus: 4, remainder: 4 }] })),
  },
  {
    name: 'hash modulus zero',
    code: 'HASH_MODULUS_INVALID',
    mentions: ['modulus 0'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: [{ modulus: 0, remainder: 0 }] })),
  },
  {
    name: 'duplicate hash remainders',
    code: 'HASH_DUPLICATE',
    mentions: ['remainder 1', 'same hash values'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        hash(t.id, { partitions: [{ modulus: 2, remainder: 0 }, { modulus: 2, remainder: 1 }, { name: 'again', modulus: 2, remainder: 1 }] }),
      ),
  },
  {
    name: 'hash modulus that does not divide the next',
    code: 'HASH_MODULUS_NOT_FACTOR',
    mentions: ['modulus 4', 'next larger modulus 6'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: [{ modulus: 4, remainder: 0 }, { modulus: 6, remainder: 1 }] })),
  },
  {
    name: 'missing hash remainders',
    code: 'HASH_MISSING_REMAINDERS',
    mentions: ['remainder(s) 1, 3 of modulus 4'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: [{ modulus: 4, remainder: 0 }, { modulus: 4, remainder: 2 }] })),
  },
  {
    name: 'hash partitions: 0',
    code: 'HASH_PARTITIONS_INVALID',
    mentions: ['partitions: 0'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: 0 })),
  },
  {
    name: 'two default partitions',
    code: 'DEFAULT_DUPLICATE',
    mentions: ['2 default partitions'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ default: true, name: 'other' }], default: { name: 'rest' } })),
  },
  {
    name: 'default: false contradicted by a default entry',
    code: 'DEFAULT_DUPLICATE',
    mentions: ['"default: false"', '"other"'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ default: true, name: 'other' }], default: false })),
  },
  {
    name: 'default partition on a HASH table',
    code: 'DEFAULT_ON_HASH',
    mentions: ['HASH', 'default partition'],
    define: () => pgPartitionedTable('ev', cols(), (t) => hash(t.id, { partitions: 2, default: true as never })),
  },
  {
    name: 'partition names that collide',
    code: 'NAME_COLLISION',
    mentions: ['"ev_eu"'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['EU'] }] })),
  },
  {
    name: 'partition named like the table',
    code: 'NAME_COLLISION',
    mentions: ['partitioned table itself'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ name: 'ev', values: ['eu'] }] })),
  },
  {
    name: 'generated partition name over 63 bytes',
    code: 'NAME_TOO_LONG',
    mentions: ['64 bytes', 'explicit name'],
    define: () =>
      pgPartitionedTable('e'.repeat(54), cols(), (t) => range(t.day, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] })),
  },
  {
    name: 'names maintenance would derive over 63 bytes (daily: <table>_pYYYYMMDD)',
    code: 'NAME_TOO_LONG',
    mentions: ['"' + 'e'.repeat(54) + '_p20260101"', '64 bytes', 'at most 53 bytes'],
    define: () => pgPartitionedTable('e'.repeat(54), cols(), (t) => range(t.createdAt, { default: false, maintenance: { interval: '1 day' } })),
  },
  {
    name: 'names maintenance would derive over 63 bytes (hourly: <table>_pYYYYMMDD_HHMM)',
    code: 'NAME_TOO_LONG',
    mentions: ['_p20260101_0000"', '65 bytes', 'at most 48 bytes'],
    define: () => pgPartitionedTable('h'.repeat(50), cols(), (t) => range(t.createdAt, { default: false, maintenance: { interval: '1 hour' } })),
  },
  {
    name: 'explicit name over 63 bytes (multi-byte characters)',
    code: 'NAME_TOO_LONG',
    mentions: ['bytes'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { partitions: [{ name: 'é'.repeat(32), values: ['eu'] }] })),
  },
  {
    name: 'sub-partition spec that repeats the parent\'s problems (overlap)',
    code: 'RANGE_OVERLAP',
    mentions: ['sub-partitioning of partition "ev_eu"', '"b"'],
    partition: 'b',
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        list(t.region, {
          partitions: [
            {
              values: ['eu'],
              partitionBy: range(t.tenantId, { partitions: [{ name: 'a', from: 0, to: 10 }, { name: 'b', from: 5, to: 20 }] }),
            },
          ],
        }),
      ),
  },
  {
    name: 'sub-partition with a default on HASH',
    code: 'DEFAULT_ON_HASH',
    mentions: ['ev_eu'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) =>
        list(t.region, { partitions: [{ values: ['eu'], partitionBy: hash(t.id, { partitions: [{ default: true } as never] }) }] }),
      ),
  },
  {
    name: 'range entry written with list values',
    code: 'PARTITION_ENTRY_INVALID',
    mentions: ['{ from, to }', '"values"'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.tenantId, { partitions: [{ values: [1], from: 1, to: 2 } as never] })),
  },
  {
    name: 'not a spec',
    code: 'SPEC_INVALID',
    mentions: ['range(), list() or hash()'],
    define: () => pgPartitionedTable('ev', cols(), (() => ({ method: 'range' })) as never),
  },
  {
    name: 'maintenance interval zero',
    code: 'POLICY_INTERVAL_INVALID',
    mentions: ['"0 days"', 'positive'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '0 days' } })),
  },
  {
    name: 'maintenance interval negative (integer key)',
    code: 'POLICY_INTERVAL_INVALID',
    mentions: ['-10', 'positive whole number'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.id, { maintenance: { interval: -10 } })),
  },
  {
    name: 'maintenance interval that is not a unit',
    code: 'POLICY_INTERVAL_INVALID',
    mentions: ['"1 fortnight"'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 fortnight' } })),
  },
  {
    name: 'hourly partitions of a date key',
    code: 'POLICY_INTERVAL_INVALID',
    mentions: ['finer than a day'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.day, { maintenance: { interval: '6 hours' } })),
  },
  {
    name: 'retention shorter than one interval',
    code: 'POLICY_RETENTION_TOO_SHORT',
    mentions: ['20 days', '1 month'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 month', retention: { keep: '20 days' } } })),
  },
  {
    name: 'integer retention shorter than one interval',
    code: 'POLICY_RETENTION_TOO_SHORT',
    mentions: ['500', '1000'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.id, { maintenance: { interval: 1000, retention: { keep: 500 } } })),
  },
  {
    name: 'negative premake',
    code: 'POLICY_PREMAKE_INVALID',
    mentions: ['premake -1'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 day', premake: -1 } })),
  },
  {
    name: 'unknown retention action',
    code: 'POLICY_RETENTION_ACTION_INVALID',
    mentions: ['"truncate"'],
    define: () =>
      pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 day', retention: { keep: '30 days', action: 'truncate' as never } } })),
  },
  {
    name: 'policy tablespace name too long',
    code: 'POLICY_INVALID',
    mentions: ['maintenance tablespace', '64 bytes'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.createdAt, { maintenance: { interval: '1 day', tablespace: 't'.repeat(64) } })),
  },
  {
    name: 'maintenance policy on a LIST table',
    code: 'POLICY_UNSUPPORTED_KEY',
    mentions: ['LIST', 'ensurePartitions'],
    define: () => pgPartitionedTable('ev', cols(), (t) => list(t.region, { maintenance: { interval: '1 day' } })),
  },
  {
    name: 'maintenance policy on a text RANGE key',
    code: 'POLICY_UNSUPPORTED_KEY',
    mentions: ['text'],
    define: () => pgPartitionedTable('ev', cols(), (t) => range(t.region, { maintenance: { interval: '1 day' } })),
  },
  {
    name: 'table in a pgSchema: errors name the schema',
    code: 'RANGE_EMPTY',
    mentions: ['"sales.orders"'],
    define: () =>
      partitioned(pgSchema('sales').table('orders', { n: numeric().notNull(), ok: boolean() }), (t) =>
        range(t.n, { partitions: [{ from: '10.50', to: '10.5' }] }),
      ),
  },
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

describe('invalid definitions are refused at definition time', () => {
  it('the catalogue has at least 25 distinct mistakes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((c) => c.code)).size).toBeGreaterThanOrEqual(25);
  });

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
