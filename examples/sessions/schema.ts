/**
 * Login sessions spread over 8 HASH partitions by user: no hot partition, and every
 * session of one user in the same partition, so a lookup by user reads one of them.
 */
import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { hash, pgPartitionedTable } from 'drizzle-partitions';

export const sessions = pgPartitionedTable(
  'sessions',
  {
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    token: text().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.token] })],
  // sessions_h8_0 ... sessions_h8_7 (HASH tables have no default partition)
  (t) => hash(t.userId, { partitions: 8 }),
);
