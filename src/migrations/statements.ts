/**
 * Reading drizzle-kit's generated statements: which table a `CREATE TABLE`
 * creates, and rewriting the ones that create partitioned tables.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { partitionedTableSql, type RenderOptions } from '../ddl/partition-ddl.js';
import type { QualifiedName } from '../sql/quote.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import { fileTables } from './sql-file.js';
import type { Partitioning } from '../schema/resolved.js';

/**
 * The table a drizzle-kit `CREATE TABLE` statement creates, or undefined for any
 * other statement. Names are unquoted (`""` becomes `"`); dots inside quotes stay.
 *
 * @example
 * ```ts
 * createTableTarget('CREATE TABLE "analytics"."events" (\n...'); // { schema: 'analytics', name: 'events' }
 * ```
 */
export function createTableTarget(statement: string): QualifiedName | undefined {
  const first = fileTables(statement.trimStart()).created[0];
  return first && first.start === 0 ? first.table : undefined;
}

function key(q: QualifiedName): string {
  return JSON.stringify([q.schema ?? 'public', q.name]);
}

/** The partitioned tables among a schema module's exports (each once). */
export function partitionedTableObjects(exports: Record<string, unknown>): PgTable[] {
  const seen = new Set<string>();
  const out: PgTable[] = [];
  for (const value of Object.values(exports)) {
    const p = getPartitioning(value as PgTable);
    if (!p || seen.has(key(p.table))) continue;
    seen.add(key(p.table));
    out.push(value as PgTable);
  }
  return out;
}

/**
 * Indexes the partitioned tables among a schema module's exports by schema and name
 * (the key is `JSON.stringify([schema, name])`, schema `public` when unset).
 *
 * @example
 * ```ts
 * const tables = partitionedTablesOf(await import('./db/schema.js'));
 * tables.get('["public","events"]')?.method; // 'range'
 * ```
 */
export function partitionedTablesOf(exports: Record<string, unknown>): Map<string, Partitioning> {
  return new Map(partitionedTableObjects(exports).map((t) => [key(getPartitioning(t)!.table), getPartitioning(t)!]));
}

/**
 * Rewrites a list of drizzle-kit statements: each `CREATE TABLE` of a
 * partitioned table becomes partitioned DDL followed by its declared partitions.
 * Every other statement is returned unchanged.
 *
 * @example
 * ```ts
 * const statements = await generateMigration(prev, cur); // drizzle-kit/api
 * const rewritten = rewriteStatements(statements, partitionedTablesOf(schema), { casing: 'snake_case' });
 * ```
 */
export function rewriteStatements(statements: readonly string[], tables: Map<string, Partitioning>, opts: RenderOptions = {}): string[] {
  return statements.flatMap((s) => {
    const target = createTableTarget(s);
    const p = target && tables.get(key(target));
    return p ? partitionedTableSql(s, p, opts) : [s];
  });
}
