/**
 * The one place partition DDL is rendered. The migration post-processor and the
 * runtime both build their statements here; every name and value goes through
 * the quoting module.
 */
import type { DeclaredPartition, PartitionBound, PartitionKey, PartitionLevel, Partitioning } from '../schema/resolved.js';
import { columnDbName, type Casing } from './column-names.js';
import { renderExpression } from '../sql/expression.js';
import { boundClause } from '../bound/literals.js';
import { qualifiedLabel, numericLiteral, quoteIdent, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { PostprocessError } from '../errors.js';

/**
 * Options that change how names are rendered.
 *
 * @example
 * ```ts
 * partitionByClause(getPartitioning(events)!, { casing: 'snake_case' }); // a createdAt column with no name: 'PARTITION BY RANGE ("created_at")'
 * ```
 */
export interface RenderOptions {
  /** drizzle's `casing` option, as in drizzle.config.ts. */
  casing?: Casing;
}

function keySql(key: PartitionKey, opts: RenderOptions): string {
  if (key.kind === 'column') return quoteIdent(columnDbName(key.column, opts.casing));
  return `(${renderExpression(key.sql, (c) => columnDbName(c, opts.casing))})`;
}

/**
 * `PARTITION BY RANGE ("created_at")`, `PARTITION BY LIST ("region")`, `PARTITION BY HASH ("a", "b")`.
 *
 * @example
 * ```ts
 * partitionByClause(getPartitioning(events)!); // 'PARTITION BY RANGE ("created_at")'
 * ```
 */
export function partitionByClause(level: PartitionLevel, opts: RenderOptions = {}): string {
  return `PARTITION BY ${level.method.toUpperCase()} (${partitionKeysSql(level, opts).join(', ')})`;
}

/**
 * The SQL of each key of a level, as `PARTITION BY` lists them: a quoted column,
 * or an expression in parentheses.
 *
 * @example
 * ```ts
 * partitionKeysSql(getPartitioning(events)!); // ['"created_at"']
 * ```
 */
export function partitionKeysSql(level: PartitionLevel, opts: RenderOptions = {}): string[] {
  return level.keys.map((k) => keySql(k, opts));
}

/**
 * Arguments of {@link createPartitionSql}.
 *
 * @example
 * ```ts
 * const args: CreatePartitionArgs = { parent: { name: 'users' }, partition: { name: 'users_h0' }, bound: { kind: 'hash', modulus: 4, remainder: 0 }, tablespace: 'fast' };
 * createPartitionSql(args); // 'CREATE TABLE "users_h0" PARTITION OF "users" FOR VALUES WITH (MODULUS 4, REMAINDER 0) TABLESPACE "fast";'
 * ```
 */
export interface CreatePartitionArgs {
  parent: QualifiedName;
  partition: QualifiedName;
  bound: PartitionBound;
  /** Makes the new partition itself partitioned. */
  partitionBy?: PartitionLevel | undefined;
  tablespace?: string | undefined;
}

/**
 * `CREATE TABLE child PARTITION OF parent FOR VALUES ... [PARTITION BY ...] [TABLESPACE ...];`
 *
 * @example
 * ```ts
 * createPartitionSql({ parent: { name: 'events' }, partition: { name: 'events_default' }, bound: { kind: 'default' } });
 * // 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;'
 * ```
 */
export function createPartitionSql(args: CreatePartitionArgs, opts: RenderOptions = {}): string {
  return createPartitionFromClauses({
    parent: args.parent,
    partition: args.partition,
    bound: boundClause(args.bound),
    partitionBy: args.partitionBy ? partitionByClause(args.partitionBy, opts) : undefined,
    tablespace: args.tablespace,
  });
}

/**
 * `CREATE TABLE ... PARTITION OF ...` from clauses this module rendered earlier
 * (the migration state records them), e.g. `bound: "FOR VALUES IN ('eu')"`.
 *
 * @example
 * ```ts
 * createPartitionFromClauses({ parent: { name: 't' }, partition: { name: 't_eu' }, bound: "FOR VALUES IN ('eu')" });
 * ```
 */
export function createPartitionFromClauses(args: { parent: QualifiedName; partition: QualifiedName; bound: string; partitionBy?: string | undefined; tablespace?: string | undefined }): string {
  const parts = [`CREATE TABLE ${quoteQualified(args.partition)} PARTITION OF ${quoteQualified(args.parent)} ${args.bound}`];
  if (args.partitionBy) parts.push(args.partitionBy);
  if (args.tablespace !== undefined) parts.push(`TABLESPACE ${quoteIdent(args.tablespace)}`);
  return `${parts.join(' ')};`;
}

/**
 * `ALTER TABLE schema.from RENAME TO "to";` — a partition keeps its schema.
 *
 * @example
 * ```ts
 * renameTableSql({ schema: 'shop', name: 'orders_p1' }, 'sales_p1'); // 'ALTER TABLE "shop"."orders_p1" RENAME TO "sales_p1";'
 * ```
 */
export function renameTableSql(from: QualifiedName, to: string): string {
  return `ALTER TABLE ${quoteQualified(from)} RENAME TO ${quoteIdent(to)};`;
}

/**
 * `ALTER TABLE parent ATTACH PARTITION child FOR VALUES ...;`
 *
 * @example
 * ```ts
 * attachPartitionSql({ parent: { name: 'events' }, partition: { name: 'events_p20260101' }, bound });
 * ```
 */
export function attachPartitionSql(args: { parent: QualifiedName; partition: QualifiedName; bound: PartitionBound }): string {
  return `ALTER TABLE ${quoteQualified(args.parent)} ATTACH PARTITION ${quoteQualified(args.partition)} ${boundClause(args.bound)};`;
}

/**
 * `ALTER TABLE parent DETACH PARTITION child [CONCURRENTLY | FINALIZE];` —
 * CONCURRENTLY (PostgreSQL 14+) cannot run inside a transaction block or while the
 * parent has a default partition; FINALIZE completes an interrupted CONCURRENTLY.
 *
 * @example
 * ```ts
 * detachPartitionSql({ parent: { name: 'events' }, partition: { name: 'events_p20250101' }, mode: 'concurrently' });
 * // 'ALTER TABLE "events" DETACH PARTITION "events_p20250101" CONCURRENTLY;'
 * ```
 */
export function detachPartitionSql(args: { parent: QualifiedName; partition: QualifiedName; mode?: 'concurrently' | 'finalize' | undefined }): string {
  const suffix = args.mode === 'concurrently' ? ' CONCURRENTLY' : args.mode === 'finalize' ? ' FINALIZE' : '';
  return `ALTER TABLE ${quoteQualified(args.parent)} DETACH PARTITION ${quoteQualified(args.partition)}${suffix};`;
}

/**
 * `DROP TABLE [IF EXISTS] name;` (never CASCADE: dependent objects stop the drop).
 *
 * @example
 * ```ts
 * dropTableSql({ table: { schema: 'archive', name: 'events_p20250101' } }); // 'DROP TABLE "archive"."events_p20250101";'
 * ```
 */
export function dropTableSql(args: { table: QualifiedName; ifExists?: boolean }): string {
  return `DROP TABLE ${args.ifExists ? 'IF EXISTS ' : ''}${quoteQualified(args.table)};`;
}

/**
 * A partition in the tree with its parent, in creation order (parents first).
 *
 * @example
 * ```ts
 * const nodes: PartitionNode[] = declaredPartitionTree(getPartitioning(events)!);
 * nodes.map((n) => `${n.parent.name} > ${n.qualified.name}`); // ['events > events_p20260101', 'events > events_default']
 * ```
 */
export interface PartitionNode {
  parent: QualifiedName;
  partition: DeclaredPartition;
  qualified: QualifiedName;
}

/**
 * Walks the declared partitions of a table, parents before their sub-partitions.
 *
 * @example
 * ```ts
 * for (const n of declaredPartitionTree(getPartitioning(events)!)) console.log(n.parent.name, n.qualified.name, n.partition.bound.kind);
 * ```
 */
export function declaredPartitionTree(p: Partitioning): PartitionNode[] {
  const out: PartitionNode[] = [];
  const walk = (parent: QualifiedName, level: PartitionLevel) => {
    for (const partition of level.partitions) {
      const qualified = { schema: p.table.schema, name: partition.name };
      out.push({ parent, partition, qualified });
      if (partition.partitionBy) walk(qualified, partition.partitionBy);
    }
  };
  walk(p.table, p);
  return out;
}

/**
 * The statements that create every declared partition of a table (and the
 * default partitions), parents first.
 *
 * @example
 * ```ts
 * declaredPartitionsSql(getPartitioning(events)!);
 * // ['CREATE TABLE "events_p20260101" PARTITION OF "events" FOR VALUES FROM (...) TO (...);', ..., 'CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;']
 * ```
 */
export function declaredPartitionsSql(p: Partitioning, opts: RenderOptions = {}): string[] {
  return declaredPartitionTree(p).map((n) =>
    createPartitionSql({ parent: n.parent, partition: n.qualified, bound: n.partition.bound, partitionBy: n.partition.partitionBy, tablespace: n.partition.tablespace }, opts),
  );
}

/**
 * Turns drizzle-kit's `CREATE TABLE ... (\n ... \n);` for a partitioned table into
 * partitioned DDL: `PARTITION BY` goes before the final `;`, then the declared
 * partitions follow. The column list and constraints stay byte-for-byte.
 *
 * @example
 * ```ts
 * partitionedTableSql('CREATE TABLE "events" (\n\t"id" bigint\n);\n', getPartitioning(events)!);
 * // ['CREATE TABLE "events" (\n\t"id" bigint\n) PARTITION BY RANGE ("created_at");\n', 'CREATE TABLE "events_default" ...']
 * ```
 */
export function partitionedTableSql(createTableSql: string, p: Partitioning, opts: RenderOptions = {}): string[] {
  const m = /\)\s*;(\s*)$/.exec(createTableSql);
  if (!m) {
    const table = qualifiedLabel(p.table);
    throw new PostprocessError('CREATE_TABLE_UNRECOGNISED', table, `the CREATE TABLE statement for "${table}" does not end with ");", so PARTITION BY cannot be added: ${JSON.stringify(createTableSql.slice(-60))}`);
  }
  const head = createTableSql.slice(0, m.index + 1);
  return [`${head} ${partitionByClause(p, opts)};${m[1]}`, ...declaredPartitionsSql(p, opts)];
}

/**
 * A statement that stops a migration before any DDL when the server is older than
 * `minVersionNum`, saying what needs which version.
 *
 * @example
 * ```ts
 * requireServerVersionSql(170000, 'identity columns on partitioned table "public.events"');
 * ```
 */
export function requireServerVersionSql(minVersionNum: number, what: string): string {
  const major = Math.floor(minVersionNum / 10000);
  const message = `drizzle-partitions: ${what} need PostgreSQL ${major} or later; this server is %`;
  return `DO $drizzle_partitions$ BEGIN IF current_setting('server_version_num')::int < ${numericLiteral(minVersionNum)} THEN RAISE EXCEPTION ${quoteLiteral(message)}, current_setting('server_version'); END IF; END $drizzle_partitions$;`;
}
