/**
 * The example schema: a monthly event log kept for a year, tenants split by
 * region, hashed sessions, and a sub-partitioned metrics table in its own schema.
 */
import { bigint, bigserial, date, index, integer, pgEnum, pgSchema, primaryKey, text, timestamp, jsonb } from 'drizzle-orm/pg-core';
import { hash, list, MINVALUE, partitioned, pgPartitionedTable, range } from 'drizzle-partitions';

export const events = pgPartitionedTable(
  'events',
  {
    id: bigserial({ mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    kind: text().notNull(),
    payload: jsonb(),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] }), index('events_kind_idx').on(t.kind)],
  (t) =>
    range(t.createdAt, {
      partitions: [
        { from: MINVALUE, to: '2026-01-01', name: 'events_before_2026' },
        { from: '2026-01-01', to: '2026-02-01' },
        { from: '2026-02-01', to: '2026-03-01' },
      ],
      maintenance: { interval: '1 month', premake: 3, retention: { keep: '12 months', action: 'detach' } },
    }),
);

export const region = pgEnum('region', ['eu', 'us', 'apac']);

export const tenants = pgPartitionedTable(
  'tenants',
  { id: integer().notNull(), region: region().notNull(), name: text().notNull() },
  (t) => [primaryKey({ columns: [t.id, t.region] })],
  (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us'] }] }),
);

export const sessions = pgPartitionedTable(
  'sessions',
  { userId: bigint('user_id', { mode: 'number' }).notNull(), token: text().notNull(), expiresAt: timestamp('expires_at', { withTimezone: true }) },
  (t) => [primaryKey({ columns: [t.userId, t.token] })],
  (t) => hash(t.userId, { partitions: 4 }),
);

export const analytics = pgSchema('analytics');

export const metrics = partitioned(
  analytics.table('metrics', { tenantId: integer('tenant_id').notNull(), day: date().notNull(), value: integer().notNull() }, (t) => [
    primaryKey({ columns: [t.tenantId, t.day] }),
  ]),
  (t) =>
    range(t.day, {
      partitions: [{ from: '2026-01-01', to: '2026-04-01', name: 'metrics_2026q1', partitionBy: hash(t.tenantId, { partitions: 2 }) }],
    }),
);
