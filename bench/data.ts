/**
 * The table every database scenario uses — the runtime tests' daily event log
 * (`events`: id bigint, at timestamptz, payload text, primary key (id, at); RANGE on
 * at, default partition `events_default`) — and the data the scenarios put in it.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import type { MaintenancePolicyInput } from '../src/index.js';
import { managedComment } from '../src/runtime/marker.js';
import { createLikeSql } from '../src/ddl/maintenance-sql.js';
import { createOn, EVENTS_COLUMNS, eventsTable } from '../test/support/fixtures.js';
import { dayFragment, tsLiteral, utcDay, type Sql } from './lib.js';

export { EVENTS_COLUMNS, eventsTable, createOn };

/** `CREATE TABLE "<parent>_pYYYYMMDD" PARTITION OF "<parent>" FOR VALUES FROM (day) TO (day + 1);` */
export function rawDailyPartitionSql(parent: string, day: Date): string {
  return `CREATE TABLE "${parent}_p${dayFragment(day)}" PARTITION OF "${parent}" FOR VALUES FROM ('${tsLiteral(day)}') TO ('${tsLiteral(utcDay(day, 1))}');`;
}

/**
 * The day's table made beside `parent` with apply()'s own `LIKE` (no indexes: ATTACH
 * builds them), then `ATTACH`ed: two statements, which take the parent in SHARE UPDATE
 * EXCLUSIVE mode only.
 */
export function rawDailyLikeAttachSql(parent: string, day: Date): [string, string] {
  const child = `${parent}_p${dayFragment(day)}`;
  return [
    createLikeSql({ name: child }, { name: parent }),
    `ALTER TABLE "${parent}" ATTACH PARTITION "${child}" FOR VALUES FROM ('${tsLiteral(day)}') TO ('${tsLiteral(utcDay(day, 1))}');`,
  ];
}

/**
 * Creates daily partitions of `parent` for `days` days from `first`, with raw SQL in
 * transactions of `perTransaction` (setup, not measured: one transaction of 10,000
 * CREATE TABLEs would run out of lock slots at the default max_locks_per_transaction).
 */
export async function createDailyPartitions(sql: Sql, parent: string, first: Date, days: number, perTransaction = 250): Promise<void> {
  for (let start = 0; start < days; start += perTransaction) {
    const stmts: string[] = [];
    for (let k = start; k < Math.min(days, start + perTransaction); k++) stmts.push(rawDailyPartitionSql(parent, utcDay(first, k)));
    await sql.begin((tx) => tx.unsafe(stmts.join('\n')));
  }
}

/** Attached partitions of `parent` (the default one included). */
export async function partitionCount(sql: Sql, parent: string): Promise<number> {
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from pg_inherits where inhparent = ${parent}::regclass`;
  return r!.n;
}

export interface EventsData {
  /** The day "today" is (maintenance runs with this clock). */
  now: Date;
  /** Partitions from `pastDays` days ago to today (today's included), each with `pastRowsPerDay` rows. */
  pastDays: number;
  pastRowsPerDay: number;
  /** Mark the past partitions as made by maintenance, so retention may retire them. */
  markPastManaged: boolean;
  /** Rows in the default partition, in key order, spread evenly over `futureDays` days from tomorrow. */
  futureRows: number;
  futureDays: number;
}

/**
 * Creates `events` with `policy` and fills it as `data` says, then VACUUM ANALYZE
 * (every contestant starts from the same, settled table). Returns the drizzle table.
 */
export async function setupEvents(sql: Sql, policy: MaintenancePolicyInput, data: EventsData): Promise<PgTable> {
  const t = eventsTable('events', policy);
  await createOn(sql, t, EVENTS_COLUMNS);
  const today = utcDay(data.now);
  const first = utcDay(today, -data.pastDays);
  await createDailyPartitions(sql, 'events', first, data.pastDays + 1);
  if (data.markPastManaged) {
    const comment = managedComment({ createdAt: first, reason: 'premake' }).replace(/'/g, "''");
    const stmts = Array.from({ length: data.pastDays + 1 }, (_, k) => `COMMENT ON TABLE "events_p${dayFragment(utcDay(first, k))}" IS '${comment}';`);
    await sql.unsafe(stmts.join('\n'));
  }
  const past = data.pastDays * data.pastRowsPerDay;
  if (past > 0) {
    await sql.unsafe(
      `insert into events (id, at, payload) select g, '${tsLiteral(first)}'::timestamptz + (g::float8 / ${past}) * interval '${data.pastDays} days', md5(g::text) from generate_series(0, ${past - 1}) g`,
    );
  }
  if (data.futureRows > 0) {
    await sql.unsafe(
      `insert into events (id, at, payload) select 1000000000 + g, '${tsLiteral(utcDay(today, 1))}'::timestamptz + (g::float8 / ${data.futureRows}) * interval '${data.futureDays} days', md5(g::text) from generate_series(0, ${data.futureRows - 1}) g`,
    );
  }
  await sql.unsafe('VACUUM ANALYZE events');
  return t;
}

/** Rows in the default partition. */
export async function defaultRows(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from events_default`;
  return r!.n;
}
