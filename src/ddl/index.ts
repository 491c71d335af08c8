/**
 * drizzle-partitions/ddl: the partition SQL this package writes, for when you write
 * a migration by hand or check what the post-processor would emit. Every identifier
 * and literal goes through one quoting module.
 *
 * @example
 * ```ts
 * import { getPartitioning } from 'drizzle-partitions';
 * import { declaredPartitionsSql, partitionByClause } from 'drizzle-partitions/ddl';
 * const p = getPartitioning(events)!;
 * console.log(`CREATE TABLE "events" (...) ${partitionByClause(p)};`, ...declaredPartitionsSql(p));
 * ```
 */
export {
  partitionByClause,
  createPartitionSql,
  attachPartitionSql,
  detachPartitionSql,
  dropTableSql,
  declaredPartitionsSql,
  declaredPartitionTree,
  partitionedTableSql,
} from './partition-ddl.js';
export type { RenderOptions, CreatePartitionArgs, PartitionNode } from './partition-ddl.js';
export { createExtensionSql, dropExtensionSql, setExtensionSchemaSql, createCollationSql, dropCollationSql } from './extension-ddl.js';
export type { ExtensionDefinition, CollationDefinition } from './extension-ddl.js';
export { addNotValidSql, validateConstraintSql, partitionedForeignKeySql } from './not-valid-sql.js';
export { boundClause, boundLiteral } from '../bound/literals.js';
export { quoteIdent, quoteQualified, quoteLiteral } from '../sql/quote.js';
export type { QualifiedName } from '../sql/quote.js';
