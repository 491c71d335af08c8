/**
 * drizzle-partitions: PostgreSQL table partitioning for Drizzle ORM.
 *
 * @example
 * ```ts
 * import { pgPartitionedTable, range, getPartitioning } from 'drizzle-partitions';
 * ```
 *
 * What applications call: the schema API, the runtime (listPartitions, plan, apply,
 * ensurePartitions, the manual operations createPartition / attachPartition / detachPartition /
 * movePartition, partitionTablespaces, startMaintenance, maintenanceStatus, convertTable and
 * the rest of the online conversion), the push filter and the errors. The SQL helpers are in
 * `drizzle-partitions/ddl`, generate / postprocess in `drizzle-partitions/migrations`.
 */
export { pgPartitionedTable, partitioned, getPartitioning, isPartitionedTable } from './schema/partitioned-table.js';
export { range, list, hash, expression } from './schema/methods.js';
export { notValid } from './schema/not-valid.js';
export { MINVALUE, MAXVALUE } from './bound/values.js';
export type { BoundValue, BoundInput, RangeLimit } from './bound/values.js';
export type { KeyType } from './bound/key-type.js';
export type {
  PartitionSpec,
  PartitionMethod,
  RangeOptions,
  ListOptions,
  HashOptions,
  RangePartitionDef,
  ListPartitionDef,
  HashPartitionDef,
  DefaultPartitionDef,
  KeyExpression,
} from './schema/spec.js';
export type { Partitioning, PartitionLevel, DeclaredPartition, PartitionBound, PartitionKey } from './schema/resolved.js';
export type { TimeInterval, IntervalUnit } from './schema/policy.js';
export type { MaintenancePolicyInput, PartitionForeignKeyInput, RetentionActionInput } from './schema/spec.js';
export type { MaintenancePolicy, RetentionAction } from './schema/resolved.js';
export type { QualifiedName } from './sql/quote.js';
export { partitionsTablesFilter } from './migrations/push-filter.js';
export { pgExtension, isPgExtension } from './schema/extension.js';
export type { PgExtension, PgExtensionOptions } from './schema/extension.js';
export { pgCollation, isPgCollation } from './schema/collation.js';
export type { PgCollation, PgCollationOptions, CollatedColumn } from './schema/collation.js';
export { listPartitions } from './runtime/introspect.js';
export type { PartitionInfo, PartitionTree, PartitionOrigin } from './runtime/introspect.js';
export { plan } from './runtime/plan.js';
export type { MaintenancePlan, TablePlan, MaintenanceOp, CreateOp, RetireOp, FinalizeOp, Problem, ProblemCode, PlanOptions } from './runtime/plan.js';
export { apply } from './runtime/apply.js';
export type { ApplyOptions, ApplyResult, OpResult, ProgressEvent } from './runtime/apply.js';
export { ensurePartitions } from './runtime/ensure.js';
export { createPartition, attachPartition, detachPartition, movePartition } from './runtime/manual.js';
export type { BoundSpec, PartitionOpResult, PartitionOpOptions } from './runtime/manual.js';
export { partitionTablespaces } from './runtime/tablespace.js';
export type { PartitionTablespace, RelationTablespace } from './runtime/tablespace.js';
export { startMaintenance } from './runtime/runner.js';
export type { MaintenanceRunner, MaintenanceRunnerOptions, MaintenanceRun } from './runtime/runner.js';
export { maintenanceStatus } from './runtime/runs-record.js';
export type { MaintenanceRecordStatus, RunOutcome, RunRecord, TableRun } from './runtime/runs-record.js';
export { LockTimeoutError } from './runtime/lock.js';
export { convertTable, planConversion, conversionStatus, undoConversion, dropConvertedOriginal } from './runtime/convert/convert.js';
export type { ConvertOptions, ConvertProgress, ConvertResult, ConversionPlan, ConversionStatus } from './runtime/convert/convert.js';
export type { ConversionPhase } from './ddl/conversions-record-sql.js';
export { CliError, ConfigError, DeclarationError, DrizzlePartitionsError, PartitionDefinitionError, PostprocessError, QuotingError, RuntimeError } from './errors.js';
export type { CliErrorCode, ConfigErrorCode, DeclarationErrorCode, DefinitionErrorCode, ErrorCode, PostprocessErrorCode, QuotingErrorCode, RuntimeErrorCode } from './errors.js';
