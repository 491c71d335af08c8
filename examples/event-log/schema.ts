/**
 * A monthly event log kept for three months: maintenance creates each month's
 * partition ahead of time and detaches months once they are past retention.
 * The archive partition below is declared, so retention never touches it.
 */
import { bigserial, index, jsonb, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { MINVALUE, pgPartitionedTable, range } from 'drizzle-partitions';

export const events = pgPartitionedTable(
  'events',
  {
    id: bigserial({ mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    kind: text().notNull(),
    payload: jsonb(),
  },
  // The primary key must include the partition key (PostgreSQL checks uniqueness per partition).
  (t) => [primaryKey({ columns: [t.id, t.createdAt] }), index('events_kind_idx').on(t.kind)],
  (t) =>
    range(t.createdAt, {
      // Rows from before the log went live. Declared partitions are never retired.
      partitions: [{ from: MINVALUE, to: '2026-01-01', name: 'events_archive' }],
      // events_default catches rows no partition covers yet; maintenance moves them out.
      maintenance: { interval: '1 month', premake: 2, retention: { keep: '3 months', action: 'detach' } },
    }),
);
