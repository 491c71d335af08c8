/**
 * Tables for the runtime tests, created on the test database with the package's
 * own DDL (the parent by hand, as drizzle-kit would write it).
 */
import { bigint, integer, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { getPartitioning, list, pgPartitionedTable, range, type MaintenancePolicyInput } from '../../src/index.js';
import { declaredPartitionsSql, partitionByClause } from '../../src/ddl/index.js';
import type { Sql } from '../harness/db.js';

/** A daily event log with a default partition, and the policy given. */
export function eventsTable(name: string, maintenance: MaintenancePolicyInput, opts: { withDefault?: boolean } = {}) {
  return pgPartitionedTable(
    name,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: opts.withDefault ?? true, maintenance }),
  );
}

/** An id-keyed table with an integer policy. */
export function idTable(name: string, maintenance: MaintenancePolicyInput) {
  return pgPartitionedTable(name, { id: bigint({ mode: 'number' }).notNull(), note: text() }, (t) => range(t.id, { maintenance }));
}

/** A LIST table by tenant with a default partition. */
export function tenantsTable(name: string) {
  return pgPartitionedTable(name, { tenant: text().notNull(), n: integer() }, (t) => list(t.tenant, { partitions: [{ values: ['seed'] }] }));
}

/** Creates the table (parent + declared partitions) on the database. */
export async function createOn(sql: Sql, table: Parameters<typeof getPartitioning>[0], columnsSql: string): Promise<void> {
  const p = getPartitioning(table)!;
  await sql.unsafe(`CREATE TABLE "${p.table.name}" (${columnsSql}) ${partitionByClause(p)}`);
  for (const s of declaredPartitionsSql(p)) await sql.unsafe(s);
}

export const EVENTS_COLUMNS = `"id" bigint NOT NULL, "at" timestamptz NOT NULL, "payload" text, PRIMARY KEY ("id", "at")`;
