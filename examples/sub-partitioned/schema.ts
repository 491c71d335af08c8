/**
 * Daily metrics per tenant: monthly RANGE partitions, each declared month itself
 * split into 4 HASH partitions by tenant (metrics_p20260101_h4_0 ... _h4_3).
 * The maintenance policy keeps two months ready ahead, each split the same way.
 */
import { date, integer, primaryKey } from 'drizzle-orm/pg-core';
import { hash, pgPartitionedTable, range } from 'drizzle-partitions';

export const metrics = pgPartitionedTable(
  'metrics',
  {
    tenantId: integer('tenant_id').notNull(),
    day: date().notNull(),
    value: integer().notNull(),
  },
  // Unique keys must hold every partitioning level's key: the month's day and the tenant.
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
  (t) =>
    range(t.day, {
      partitions: [
        { from: '2026-01-01', to: '2026-02-01', partitionBy: hash(t.tenantId, { partitions: 4 }) },
        { from: '2026-02-01', to: '2026-03-01', partitionBy: hash(t.tenantId, { partitions: 4 }) },
      ],
      default: false,
      // Months made by maintenance are split by tenant the same way.
      maintenance: { interval: '1 month', premake: 2, partitionBy: hash(t.tenantId, { partitions: 4 }) },
    }),
);
