/**
 * Errors of the migrations stage: reading a user's drizzle project (the drizzle
 * config and the schema files it points at), and the post-processor's refusals.
 */
import { DrizzlePartitionsError } from '../errors.js';

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
 * The message of whatever a file threw (an `Error` or anything else), for quoting
 * in a {@link ConfigError}.
 *
 * @example
 * ```ts
 * thrownMessage(new Error('boom')); // 'boom'
 * thrownMessage('oops');            // 'oops'
 * ```
 */
export function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as { message?: unknown }).message === 'string') {
    return (thrown as { message: string }).message;
  }
  return String(thrown);
}

/**
 * A fix for a file that failed to load, when the failure is one drizzle-kit 0.31
 * shares: files are `require()`d, so top-level `await` cannot work.
 *
 * @example
 * ```ts
 * loadFailureHint(new Error('Top-level await is currently not supported with the "cjs" output format'));
 * // 'drizzle-kit 0.31 loads configs and schemas with require() (through tsx), which cannot run top-level await: move the await into a function'
 * ```
 */
export function loadFailureHint(thrown: unknown): string | undefined {
  return /top-level await/i.test(thrownMessage(thrown))
    ? 'drizzle-kit 0.31 loads configs and schemas with require() (through tsx), which cannot run top-level await: move the await into a function'
    : undefined;
}

/** Why the post-processor refused or failed; nothing was written. */
export type PostprocessErrorCode =
  | 'KEY_CHANGED'
  | 'CONVERT_TO_PARTITIONED'
  | 'CONVERT_TO_PLAIN'
  | 'BOUND_CHANGED'
  | 'SUBPARTITION_CHANGED'
  | 'TABLESPACE_CHANGED'
  | 'NAME_REUSED'
  | 'TABLE_MISSING_FROM_MIGRATION'
  | 'CREATE_TABLE_UNRECOGNISED'
  | 'CONCURRENT_INDEX_ON_PARTITIONED'
  | 'JOURNAL_MISSING'
  | 'JOURNAL_MALFORMED'
  | 'SNAPSHOT_MALFORMED'
  | 'STATE_MALFORMED'
  | 'MIGRATION_FILE_MISSING'
  | 'PREFIX_UNSUPPORTED'
  | 'NO_MIGRATIONS'
  | 'DRIZZLE_KIT_FAILED';

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
    super(code, `[${code}] ${where}: ${message}`, hint);
    this.where = where;
  }
}
