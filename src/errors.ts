/**
 * Typed errors. Every error this package throws is a {@link DrizzlePartitionsError}
 * with a stable `code` and the names of the objects involved, so callers (and the
 * CLI) can react to the code and print the sentence.
 *
 * @example
 * ```ts
 * try {
 *   pgPartitionedTable('events', { id: integer() }, (t) => range(t.id, { partitions: [] }));
 * } catch (e) {
 *   if (e instanceof PartitionDefinitionError) console.error(e.code, e.table, e.message);
 * }
 * ```
 */
export class DrizzlePartitionsError extends Error {
  /** Stable machine-readable code, e.g. `RANGE_OVERLAP`. */
  readonly code: string;
  /** Sentence that says how to fix the problem, when there is one. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(hint ? `${message}\n  fix: ${hint}` : message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** Codes of {@link PartitionDefinitionError}: one per kind of mistake in a definition. */
export type DefinitionErrorCode =
  | 'SPEC_INVALID'
  | 'KEY_EMPTY'
  | 'KEY_COLUMN_NOT_IN_TABLE'
  | 'KEY_DUPLICATE_COLUMN'
  | 'KEY_EXPRESSION_UNSUPPORTED'
  | 'LIST_KEY_MULTIPLE_COLUMNS'
  | 'PRIMARY_KEY_MISSING_KEY_COLUMN'
  | 'UNIQUE_MISSING_KEY_COLUMN'
  | 'UNIQUE_WITH_EXPRESSION_KEY'
  | 'PARTITION_ENTRY_INVALID'
  | 'BOUND_ARITY'
  | 'BOUND_TYPE_MISMATCH'
  | 'BOUND_INVALID_VALUE'
  | 'BOUND_NULL_IN_RANGE'
  | 'BOUND_MINMAX_OUTSIDE_RANGE'
  | 'RANGE_MINMAX_ORDER'
  | 'RANGE_EMPTY'
  | 'RANGE_OVERLAP'
  | 'LIST_EMPTY'
  | 'LIST_DUPLICATE_VALUE'
  | 'HASH_PARTITIONS_INVALID'
  | 'HASH_MODULUS_INVALID'
  | 'HASH_REMAINDER_OUT_OF_RANGE'
  | 'HASH_DUPLICATE'
  | 'HASH_MODULUS_NOT_FACTOR'
  | 'HASH_MISSING_REMAINDERS'
  | 'DEFAULT_DUPLICATE'
  | 'DEFAULT_ON_HASH'
  | 'NAME_COLLISION'
  | 'NAME_TOO_LONG'
  | 'NAME_INVALID'
  | 'POLICY_INVALID'
  | 'POLICY_UNSUPPORTED_KEY'
  | 'POLICY_INTERVAL_INVALID'
  | 'POLICY_PREMAKE_INVALID'
  | 'POLICY_RETENTION_TOO_SHORT'
  | 'POLICY_RETENTION_ACTION_INVALID';

/** Where in a definition a mistake sits: the table, and optionally a column or partition. */
export interface DefinitionErrorContext {
  /** Qualified table name, e.g. `public.events` or `analytics.events`. */
  table: string;
  /** Database column name(s) involved. */
  column?: string | undefined;
  /** Partition name (or a description of the entry, e.g. `partitions[2]`). */
  partition?: string | undefined;
  /** The sub-partitioned partition whose own partitioning holds the mistake. */
  under?: string | undefined;
}

/**
 * A partitioned table definition that PostgreSQL would refuse (or that would
 * misbehave), caught when the schema module is evaluated.
 */
export class PartitionDefinitionError extends DrizzlePartitionsError {
  declare readonly code: DefinitionErrorCode;
  readonly table: string;
  readonly column: string | undefined;
  readonly partition: string | undefined;

  constructor(code: DefinitionErrorCode, ctx: DefinitionErrorContext, message: string, hint?: string) {
    const entry = ctx.partition && ctx.partition !== ctx.under ? `, partition "${ctx.partition}"` : '';
    const under = ctx.under ? `, in the sub-partitioning of partition "${ctx.under}"` : '';
    super(code, `[${code}] partitioned table "${ctx.table}"${entry}${under}: ${message}`, hint);
    this.table = ctx.table;
    this.column = ctx.column;
    this.partition = ctx.partition ?? ctx.under;
  }
}

/** An identifier or literal that cannot be sent to PostgreSQL safely. */
export class QuotingError extends DrizzlePartitionsError {
  declare readonly code: 'IDENTIFIER_EMPTY' | 'IDENTIFIER_TOO_LONG' | 'IDENTIFIER_INVALID' | 'LITERAL_INVALID';
  constructor(code: QuotingError['code'], message: string, hint?: string) {
    super(code, message, hint);
  }
}
