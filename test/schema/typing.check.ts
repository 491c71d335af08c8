/**
 * Compile-time checks, run by `npm run typecheck` (tsc): each @ts-expect-error
 * must stay an error, or tsc fails with "Unused '@ts-expect-error' directive".
 */
import { bigint, date, integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { hash, list, MINVALUE, pgPartitionedTable, range } from '../../src/index.js';

const status = pgEnum('status_t', ['new', 'done']);
const other = pgTable('other', { at: timestamp().notNull() });
const cols = {
  id: bigint({ mode: 'number' }).notNull(),
  at: timestamp({ withTimezone: true }).notNull(),
  day: date().notNull(),
  n: integer().notNull(),
  s: status().notNull(),
  label: text().notNull(),
};

export const ok = [
  pgPartitionedTable('a', cols, (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: new Date('2026-02-01') }] })),
  pgPartitionedTable('b', cols, (t) => range([t.n, t.day], { partitions: [{ from: [0, MINVALUE], to: [10, '2026-01-01'] }] })),
  pgPartitionedTable('c', cols, (t) => list(t.s, { partitions: [{ values: ['new', null] }] })),
  pgPartitionedTable('d', cols, (t) => hash(t.id, { partitions: 4 })),
  pgPartitionedTable('e', cols, (t) => range(t.day, { partitions: [{ from: new Date('2026-01-01'), to: '2026-01-02' }] })),
];

export const wrong = [
  // @ts-expect-error a column of another table is not a key of this one
  pgPartitionedTable('w1', cols, () => range(other.at, {})),
  // @ts-expect-error an integer key takes numbers, not strings
  pgPartitionedTable('w2', cols, (t) => range(t.n, { partitions: [{ from: 'zero', to: 10 }] })),
  // @ts-expect-error an enum key takes its labels only
  pgPartitionedTable('w3', cols, (t) => list(t.s, { partitions: [{ values: ['archived'] }] })),
  // @ts-expect-error HASH needs partitions
  pgPartitionedTable('w4', cols, (t) => hash(t.id, {})),
  // @ts-expect-error a range partition needs from and to
  pgPartitionedTable('w5', cols, (t) => range(t.n, { partitions: [{ from: 1 }] })),
  // @ts-expect-error a timestamp key takes strings or Dates, not booleans
  pgPartitionedTable('w6', cols, (t) => range(t.at, { partitions: [{ from: true, to: '2026-01-01' }] })),
];
