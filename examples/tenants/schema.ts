/**
 * Orders split by tenant, one LIST partition per tenant. The first tenant is declared;
 * the others get their partition on demand with ensurePartitions() when they sign up.
 * Until then their rows land in orders_default, and ensurePartitions() moves them out.
 */
import { bigserial, integer, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { list, pgPartitionedTable } from 'drizzle-partitions';

export const orders = pgPartitionedTable(
  'orders',
  {
    tenant: text().notNull(),
    id: bigserial({ mode: 'number' }),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull().defaultNow(),
    totalCents: integer('total_cents').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.id] })],
  // orders_acme, plus orders_default (LIST tables get a default partition unless default: false)
  (t) => list(t.tenant, { partitions: [{ values: ['acme'] }] }),
);
