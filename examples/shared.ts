/**
 * What every example's main.ts needs: a PostgreSQL to run on, the example's migrations
 * applied with drizzle-orm's migrate(), a status printout, and checks that throw, so a
 * broken example fails CI instead of printing something wrong.
 *
 * The server is DATABASE_URL when set (a role that may create databases), otherwise a
 * throwaway embedded PostgreSQL (see test/harness/server.ts). Each run gets a fresh
 * scratch database, dropped at the end unless --keep is given.
 */
import { isDeepStrictEqual } from 'node:util';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { PgTable } from 'drizzle-orm/pg-core';
import { listPartitions, type PartitionInfo, type PartitionTree } from 'drizzle-partitions';
import postgres from 'postgres';
import { createScratchDatabase, type Sql } from '../test/harness/client.js';
import { startServer } from '../test/harness/server.js';

export interface ExampleContext {
  /** drizzle over postgres.js: queries, and what the runtime functions take. */
  db: PostgresJsDatabase;
  /** The raw postgres.js client, for catalog queries. */
  sql: Sql;
  /** The scratch database's URL (for the CLI: --url). */
  url: string;
}

/**
 * Starts (or attaches to) a server, creates a scratch database, applies the example's
 * migrations (`<exampleDir>/drizzle`) with drizzle-orm's migrate(), runs `fn`, and
 * cleans up. Sets a non-zero exit code when `fn` throws.
 */
export async function runExample(title: string, exampleDir: URL, fn: (ctx: ExampleContext) => Promise<void>): Promise<void> {
  const keep = process.argv.includes('--keep');
  console.log(`# ${title}\n`);
  const server = await startServer({ log: (l) => console.log(l) });
  let failed = false;
  try {
    const scratch = await createScratchDatabase(server.url, { prefix: 'dp_example' });
    // max > 1: maintenance pins one connection and may open a second (DETACH CONCURRENTLY).
    const sql = postgres(scratch.url, { max: 4, onnotice: () => {} });
    try {
      const migrationsFolder = new URL('drizzle', exampleDir).pathname;
      const db = drizzle(sql);
      await migrate(db, { migrationsFolder });
      console.log(`migrated ${scratch.name} (${server.provider}, PostgreSQL ${server.version}) from ${migrationsFolder}\n`);
      await fn({ db, sql, url: scratch.url });
      console.log(`\n${title}: ok`);
    } finally {
      await sql.end({ timeout: 5 });
      if (keep) console.log(`kept database ${scratch.name} at ${scratch.url}`);
      else await scratch.drop();
    }
  } catch (e) {
    failed = true;
    console.error(e);
  } finally {
    await server.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

/** Throws when `actual` is not deep-equal to `expected`. */
export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected, jsonBigint)}, got ${JSON.stringify(actual, jsonBigint)}`);
  }
}

/** Throws `message` unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function jsonBigint(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Exact row counts per leaf partition (by `tableoid`), keyed by partition name. */
export async function rowsPerPartition(sql: Sql, table: { schema?: string; name: string }): Promise<Map<string, number>> {
  const qualified = `"${table.schema ?? 'public'}"."${table.name}"`;
  const rows = await sql.unsafe<{ name: string; n: number }[]>(
    `select c.relname as name, count(*)::int as n from ${qualified} t join pg_class c on c.oid = t.tableoid group by c.relname order by c.relname`,
  );
  return new Map(rows.map((r) => [r.name, r.n]));
}

/** Flattens a partition tree, depth first (sub-partitions after their parent). */
export function flatten(parts: readonly PartitionInfo[], depth = 0): { p: PartitionInfo; depth: number }[] {
  return parts.flatMap((p) => [{ p, depth }, ...flatten(p.children, depth + 1)]);
}

/**
 * Prints a table's partitions like `drizzle-partitions status` does (bound, rows,
 * origin), with exact row counts instead of the planner's estimate. Returns the tree.
 */
export async function printStatus(ctx: ExampleContext, table: PgTable, heading?: string): Promise<PartitionTree> {
  const tree = await listPartitions(ctx.db, table);
  const counts = await rowsPerPartition(ctx.sql, tree.table);
  const rowsOf = (p: PartitionInfo): number => (p.children.length > 0 ? p.children.reduce((s, c) => s + rowsOf(c), 0) : (counts.get(p.name) ?? 0));
  const lines = [['partition', 'bound', 'rows', 'origin']];
  for (const { p, depth } of flatten(tree.partitions)) {
    lines.push([`${'  '.repeat(depth)}${p.name}${p.partitionBy ? ` [${p.partitionBy}]` : ''}`, p.boundText.replace(/^FOR VALUES /, ''), String(rowsOf(p)), p.origin]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log(`${heading ? `${heading}\n` : ''}${tree.table.schema}.${tree.table.name}  ${tree.partitionBy}`);
  for (const l of lines) console.log(`  ${l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
  console.log('');
  return tree;
}
