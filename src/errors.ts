/**
 * Typed errors, all in this file. Every error this package throws is a
 * {@link DrizzlePartitionsError} with a stable `code` and the names of the objects
 * involved, so callers (and the CLI) can react to the code and print the sentence.
 * Each stage has its class and its union of codes (definitions, SQL quoting, the
 * drizzle project, the post-processor, the runtime, the CLI), each code belongs to
 * one class, and the base class writes every message the same way:
 * `[CODE] what happened` and, when there is one, a line `  fix: how to fix it`.
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
    super(formatMessage(code, message, hint));
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    sentences.set(this, message);
  }
}

/** The sentence each error was built with, before its code and hint were added. */
const sentences = new WeakMap<DrizzlePartitionsError, string>();

function formatMessage(code: string, message: string, hint: string | undefined): string {
  const text = `[${code}] ${message}`;
  return hint ? `${text}\n  fix: ${hint}` : text;
}

/**
 * Adds to an error's sentence and hint in place, keeping its class, code and fields:
 * for a caller that knows more than the thrower (e.g. which files a refusal left).
 *
 * @example
 * ```ts
 * throw amendError(e, { message: '; the new migration was removed', hint: 'run drizzle-partitions generate again' });
 * ```
 */
export function amendError<E extends DrizzlePartitionsError>(e: E, more: { message?: string; hint?: string }): E {
  const message = (sentences.get(e) ?? e.message) + (more.message ?? '');
  const hint = [e.hint, more.hint].filter(Boolean).join('; ') || undefined;
  sentences.set(e, message);
  return Object.assign(e, { message: formatMessage(e.code, message, hint), hint });
}

/**
 * Codes of {@link PartitionDefinitionError}: one per kind of mistake in a definition.
 *
 * @example
 * ```ts
 * if (e instanceof PartitionDefinitionError && e.code === 'RANGE_OVERLAP') console.error(e.partition, e.message);
 * ```
 */
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
  | 'POLICY_RETENTION_ACTION_INVALID'
  | 'FAMILY_TARGET_INVALID'
  | 'FAMILY_MISMATCH'
  | 'FAMILY_FOREIGN_KEY_INVALID';

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
 *
 * @example
 * ```ts
 * try { await import('./db/schema.js'); } catch (e) {
 *   if (e instanceof PartitionDefinitionError) console.error(e.code, e.table, e.partition ?? '');
 * }
 * ```
 */
export class PartitionDefinitionError extends DrizzlePartitionsError {
  declare readonly code: DefinitionErrorCode;
  readonly table: string;
  readonly column: string | undefined;
  readonly partition: string | undefined;

  constructor(code: DefinitionErrorCode, ctx: DefinitionErrorContext, message: string, hint?: string) {
    const entry = ctx.partition && ctx.partition !== ctx.under ? `, partition "${ctx.partition}"` : '';
    const under = ctx.under ? `, in the sub-partitioning of partition "${ctx.under}"` : '';
    super(code, `partitioned table "${ctx.table}"${entry}${under}: ${message}`, hint);
    this.table = ctx.table;
    this.column = ctx.column;
    this.partition = ctx.partition ?? ctx.under;
  }
}

/**
 * Codes of {@link QuotingError}.
 *
 * @example
 * ```ts
 * if (e instanceof QuotingError && e.code === 'IDENTIFIER_TOO_LONG') console.error(e.message);
 * ```
 */
export type QuotingErrorCode = 'IDENTIFIER_EMPTY' | 'IDENTIFIER_TOO_LONG' | 'IDENTIFIER_INVALID' | 'LITERAL_INVALID' | 'EXPRESSION_UNRENDERABLE';

/**
 * An identifier, literal or key expression that cannot be sent to PostgreSQL safely.
 *
 * @example
 * ```ts
 * quoteIdent('a'.repeat(64)); // throws QuotingError IDENTIFIER_TOO_LONG
 * ```
 */
export class QuotingError extends DrizzlePartitionsError {
  declare readonly code: QuotingErrorCode;
  constructor(code: QuotingErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

/**
 * Codes of {@link ConfigError}.
 *
 * @example
 * ```ts
 * const retryable = (code: ConfigErrorCode) => code === 'CONFIG_NOT_FOUND' || code === 'SCHEMA_NOT_FOUND';
 * ```
 */
export type ConfigErrorCode =
  /** No drizzle config where one was looked for (the `--config` path, or the defaults in cwd). */
  | 'CONFIG_NOT_FOUND'
  /** The config file threw while loading, or is not valid JSON. */
  | 'CONFIG_LOAD_FAILED'
  /** The config loaded but is unusable: not postgresql, no `schema`, a wrong type or value. */
  | 'CONFIG_INVALID'
  /** The config's `schema` patterns match no schema file. */
  | 'SCHEMA_NOT_FOUND'
  /** A schema file threw while loading. */
  | 'SCHEMA_LOAD_FAILED'
  /** tsx, which loads TypeScript configs and schema files, is not installed (an optional peer dependency). */
  | 'TSX_MISSING';

/**
 * Where a {@link ConfigError} comes from, and what it wraps.
 *
 * @example
 * ```ts
 * new ConfigError('SCHEMA_LOAD_FAILED', `schema file "${file}" failed to load: boom`, { file, cause: err });
 * ```
 */
export interface ConfigErrorDetails {
  /** Absolute path of the config or schema file involved, when there is one. */
  file?: string | undefined;
  /** Sentence that says how to fix the problem. */
  hint?: string | undefined;
  /** The original error (a config or schema file that threw), kept as `cause`. */
  cause?: unknown;
}

/**
 * A drizzle config or schema that cannot be read. The message names the file (or
 * the patterns that matched nothing); `file` holds its absolute path, and `cause`
 * the error the file threw, if it threw.
 *
 * @example
 * ```ts
 * try {
 *   const config = await loadDrizzleConfig({ cwd: process.cwd() });
 * } catch (e) {
 *   if (e instanceof ConfigError && e.code === 'CONFIG_NOT_FOUND') console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export class ConfigError extends DrizzlePartitionsError {
  declare readonly code: ConfigErrorCode;
  /** Absolute path of the config or schema file involved, when there is one. */
  readonly file: string | undefined;

  constructor(code: ConfigErrorCode, message: string, details: ConfigErrorDetails = {}) {
    super(code, message, details.hint);
    this.file = details.file;
    if (details.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: details.cause, writable: true, configurable: true, enumerable: false });
    }
  }
}

/**
 * Why the post-processor refused or failed; nothing was written.
 *
 * @example
 * ```ts
 * const refused = (code: PostprocessErrorCode) => code === 'KEY_CHANGED' || code === 'BOUND_CHANGED';
 * ```
 */
export type PostprocessErrorCode =
  | 'KEY_CHANGED'
  | 'BOUND_CHANGED'
  | 'SUBPARTITION_CHANGED'
  | 'TABLESPACE_CHANGED'
  | 'NAME_REUSED'
  | 'TABLE_MISSING_FROM_MIGRATION'
  | 'CREATE_TABLE_UNRECOGNISED'
  | 'JOURNAL_MISSING'
  | 'JOURNAL_MALFORMED'
  | 'SNAPSHOT_MALFORMED'
  | 'STATE_MALFORMED'
  | 'MIGRATION_FILE_MISSING'
  | 'PREFIX_UNSUPPORTED'
  | 'NO_MIGRATIONS'
  | 'DRIZZLE_KIT_FAILED'
  | 'COLLATION_CHANGED'
  | 'DECLARATION_CONFLICT';

/**
 * A refusal or failure of the post-processor. `where` is the migration (tag or
 * folder) or file it concerns.
 *
 * @example
 * ```ts
 * try { await postprocess(); } catch (e) { if (e instanceof PostprocessError) console.error(e.code, e.where); }
 * ```
 */
export class PostprocessError extends DrizzlePartitionsError {
  declare readonly code: PostprocessErrorCode;
  readonly where: string;
  constructor(code: PostprocessErrorCode, where: string, message: string, hint?: string) {
    super(code, `${where}: ${message}`, hint);
    this.where = where;
  }
}

/**
 * Codes of {@link DeclarationError}: a `pgExtension()` or `pgCollation()` PostgreSQL would refuse.
 *
 * @example
 * ```ts
 * if (e instanceof DeclarationError && e.code === 'COLLATION_NONDETERMINISTIC_LIBC') console.error(e.object);
 * ```
 */
export type DeclarationErrorCode = 'DECLARATION_NAME_INVALID' | 'COLLATION_PROVIDER_INVALID' | 'COLLATION_LOCALE_INVALID' | 'COLLATION_NONDETERMINISTIC_LIBC';

/**
 * An extension or collation declaration PostgreSQL would refuse, caught when the
 * schema module is evaluated. `object` names it (`extension "pg_trgm"`, `collation "public"."ci"`).
 *
 * @example
 * ```ts
 * try { pgCollation('ci', { provider: 'libc', locale: 'C', deterministic: false }); } catch (e) {
 *   if (e instanceof DeclarationError) console.error(e.code, e.object);
 * }
 * ```
 */
export class DeclarationError extends DrizzlePartitionsError {
  declare readonly code: DeclarationErrorCode;
  readonly object: string;
  constructor(code: DeclarationErrorCode, object: string, message: string, hint?: string) {
    super(code, `${object}: ${message}`, hint);
    this.object = object;
  }
}

/**
 * Codes of {@link RuntimeError}: maintenance, introspection, the executor over each driver.
 *
 * @example
 * ```ts
 * try { await listPartitions(db, events); } catch (e) {
 *   if (e instanceof RuntimeError && e.code === 'NOT_PARTITIONED') console.error(e.message); // migrations not applied yet
 * }
 * ```
 */
export type RuntimeErrorCode =
  /** A step could not get its locks in all its attempts (LockTimeoutError). */
  | 'LOCK_TIMEOUT'
  /** The table is not partitioned in the database, or not defined as partitioned. */
  | 'NOT_PARTITIONED'
  /** ensurePartitions on a table that is not LIST-partitioned. */
  | 'NOT_LIST_PARTITIONED'
  /** A value given to ensurePartitions does not fit the key's type. */
  | 'VALUE_INVALID'
  /** Every name a new partition could take belongs to another table. */
  | 'NAME_TAKEN'
  /** A tablespace named for a move or a new partition does not exist. */
  | 'TABLESPACE_NOT_FOUND'
  /** A manual operation on the default partition (createPartition, detachPartition, movePartition refuse it). */
  | 'PARTITION_IS_DEFAULT'
  /** A manual operation on a table that is not a partition of the table named. */
  | 'NOT_A_PARTITION'
  /** attachPartition of a table that is already a partition (of this table or another). */
  | 'ALREADY_A_PARTITION'
  /** detachPartition or movePartition (to a schema) of a partition the schema declares: the migrations own it. */
  | 'PARTITION_DECLARED'
  /** A bound given to createPartition or attachPartition does not fit the table's partitioning. */
  | 'BOUND_INVALID'
  /** attachPartition of a table holding rows outside the bound (its CHECK did not validate). */
  | 'ROWS_OUTSIDE_BOUND'
  /** A plan option out of range (a step limit). */
  | 'OPTION_INVALID'
  /** PostgreSQL printed a partition bound this package cannot read back. */
  | 'BOUND_UNPARSEABLE'
  | 'DATABASE_UNSUPPORTED'
  | 'SERVER_VERSION_UNKNOWN'
  | 'EXECUTOR_NESTED'
  | 'EXECUTOR_RELEASED'
  | 'TRANSACTION_NESTED'
  /** transaction() or transactionScript() on an executor whose settings hold per statement. */
  | 'TRANSACTION_UNSUPPORTED'
  | 'TRANSACTION_ABORTED'
  | 'CONNECTION_LOST'
  /** Rows that would move out of the default partition are referenced by a foreign key (or one would act on their delete). */
  | 'ROWS_REFERENCED'
  /** Steps of a maintenance runner's run failed (given to its onError, never thrown). */
  | 'MAINTENANCE_FAILED'
  /** A maintenance runner found it no longer held its lock (given to its onError, never thrown). */
  | 'RUNNER_LOCK_LOST'
  /** convert: another converter or maintainer holds the table's lock. */
  | 'CONVERT_BUSY'
  /** convert: the table to convert does not exist. */
  | 'CONVERT_NO_TABLE'
  /** convert: the table has no primary key (copy and change capture find rows by it). */
  | 'CONVERT_NO_PRIMARY_KEY'
  /** convert: the primary key lacks a partition key column. */
  | 'CONVERT_KEY_MISSING'
  /** convert: a unique index (not the primary key) lacks a partition key column. */
  | 'CONVERT_UNIQUE_WITHOUT_KEY'
  /** convert: a materialized view reads the table. */
  | 'CONVERT_VIEW_UNSUPPORTED'
  /** convert: the data's key range needs more partitions than a conversion makes. */
  | 'CONVERT_RANGE_TOO_WIDE'
  /** convert: the copy's row count or checksum differs from the table's; nothing swapped. */
  | 'CONVERT_VERIFY_MISMATCH'
  /** convert: the conversion recorded for the table goes the other way from the definition (undo, or drop-old then apply). */
  | 'CONVERT_OTHER_DIRECTION'
  /** convert: transactions holding snapshots older than the copy outlasted the wait before the swap (named); nothing swapped, resumable. */
  | 'CONVERT_SNAPSHOT_WAIT'
  /** convert: the table's primary key or a unique constraint is DEFERRABLE, which ON CONFLICT cannot use; nothing made. */
  | 'CONVERT_DEFERRABLE_KEY'
  /** convert: row-level security would hide rows of the table from the converter (FORCE ROW LEVEL SECURITY, a role without BYPASSRLS); nothing copied. */
  | 'CONVERT_ROW_SECURITY'
  /** convert: the table's columns changed after its copy was made (a column added, dropped, renamed or changed in type); nothing swapped. */
  | 'CONVERT_COLUMNS_CHANGED'
  /** convert undo: the conversion is not swapped. */
  | 'CONVERT_NOT_SWAPPED'
  /** convert drop-old without confirmation. */
  | 'CONVERT_CONFIRM_REQUIRED';

/**
 * An error of the runtime (plan, apply, ensurePartitions, listPartitions and the
 * executor they run on).
 *
 * @example
 * ```ts
 * try { await ensurePartitions(db, events, ['x']); } catch (e) { if (e instanceof RuntimeError && e.code === 'NOT_LIST_PARTITIONED') console.error(e.message); }
 * ```
 */
export class RuntimeError extends DrizzlePartitionsError {
  declare readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

/**
 * Codes of {@link CliError}.
 *
 * @example
 * ```ts
 * const setupProblem = (code: CliErrorCode) => code === 'NO_DATABASE_URL' || code === 'NO_DRIVER';
 * ```
 */
export type CliErrorCode = 'NO_DATABASE_URL' | 'NO_DRIVER';

/**
 * An error of the command line: nothing to connect to, no driver to connect with.
 *
 * @example
 * ```ts
 * if (e instanceof CliError && e.code === 'NO_DATABASE_URL') console.error(e.hint); // pass --url, set DATABASE_URL, ...
 * ```
 */
export class CliError extends DrizzlePartitionsError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

/**
 * Codes of {@link MigratorError}: the migrator (`migrate()`, `drizzle-partitions migrate`).
 *
 * @example
 * ```ts
 * const retryLater = (code: MigratorErrorCode) => code === 'MIGRATOR_BUSY';
 * ```
 */
export type MigratorErrorCode =
  /** No migrations folder, or nothing drizzle would read in it. */
  | 'MIGRATIONS_NOT_FOUND'
  /** The journal names a migration whose SQL file is not there. */
  | 'MIGRATION_SQL_MISSING'
  /** meta/_journal.json is not JSON, or has no entries. */
  | 'JOURNAL_UNREADABLE'
  /** A pending migration needs a newer PostgreSQL than the server's; nothing was run. */
  | 'SERVER_TOO_OLD'
  /** A statement of a migration failed; the migration is not recorded. */
  | 'MIGRATION_FAILED'
  /** Another migrator held the migrator lock for longer than the wait. */
  | 'MIGRATOR_BUSY'
  /** One transaction for all migrations was asked for, and a pending migration must run outside one. */
  | 'SINGLE_TRANSACTION_REFUSED'
  /** Rows of the bookkeeping table match no migration of the folder (drizzle 1.0's upgrade of the table). */
  | 'MIGRATIONS_TABLE_MISMATCH'
  /** A concurrent index on a partitioned table has no name (each partition's index is named after it). */
  | 'INDEX_NAME_REQUIRED'
  /** The name of a concurrent index is taken by another relation. */
  | 'INDEX_NAME_TAKEN'
  /** An option of migrate() (or migrations.table / migrations.schema of the config) is not usable. */
  | 'MIGRATOR_OPTION_INVALID';

/**
 * An error of the migrator. `migration` names the migration (journal tag or folder
 * name) when the error is about one; a failed statement's error is `cause`.
 *
 * @example
 * ```ts
 * try { await migrate(db, { migrationsFolder: './drizzle' }); } catch (e) {
 *   if (e instanceof MigratorError && e.code === 'MIGRATION_FAILED') console.error(e.migration, e.message);
 * }
 * ```
 */
export class MigratorError extends DrizzlePartitionsError {
  declare readonly code: MigratorErrorCode;
  /** The migration concerned, when there is one. */
  readonly migration: string | undefined;
  constructor(code: MigratorErrorCode, message: string, hint?: string, details: { migration?: string; cause?: unknown } = {}) {
    super(code, message, hint);
    this.migration = details.migration;
    if (details.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: details.cause, writable: true, configurable: true, enumerable: false });
    }
  }
}

/**
 * Every code an error of this package can have.
 *
 * @example
 * ```ts
 * const exitCodes: Partial<Record<ErrorCode, number>> = { LOCK_TIMEOUT: 75, CONFIG_NOT_FOUND: 78 };
 * ```
 */
export type ErrorCode = DefinitionErrorCode | DeclarationErrorCode | QuotingErrorCode | ConfigErrorCode | PostprocessErrorCode | RuntimeErrorCode | CliErrorCode | MigratorErrorCode;
