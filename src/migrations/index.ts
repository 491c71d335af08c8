/**
 * `drizzle-partitions/migrations`: the drizzle-kit post-processor for code.
 * Kept apart from the main entry so schema files stay light to load. Only what a
 * project calls: generate, postprocess, the config reader and their errors; the
 * layouts, state files and writers are internals.
 *
 * @example
 * ```ts
 * import { generate, postprocess } from 'drizzle-partitions/migrations';
 * const result = await postprocess({ config: 'drizzle.config.ts' });
 * ```
 */
export { postprocess, generate } from './run.js';
export type { PostprocessOptions, PostprocessResult, GenerateOptions } from './run.js';
export type { MigrationReport } from './postprocess.js';
export { loadDrizzleConfig } from '../project/config.js';
export type { DrizzleProjectConfig } from '../project/config.js';
export { FROZEN_MARKER } from './sql-file.js';
export { createTableTarget, partitionedTablesOf, rewriteStatements } from './statements.js';
export { ConfigError, PostprocessError } from '../errors.js';
export type { ConfigErrorCode, PostprocessErrorCode } from '../errors.js';
