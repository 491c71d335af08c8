/**
 * `drizzle-partitions/migrations`: the drizzle-kit post-processor for code.
 * Kept apart from the main entry so schema files stay light to load.
 *
 * @example
 * ```ts
 * import { generate, postprocess } from 'drizzle-partitions/migrations';
 * const result = await postprocess({ config: 'drizzle.config.ts' });
 * ```
 */
export { postprocess, generate, drizzleKitBin } from './run.js';
export type { PostprocessOptions, PostprocessResult, GenerateOptions } from './run.js';
export { planPostprocess } from './postprocess.js';
export type { PostprocessPlan, MigrationReport, PlanInput } from './postprocess.js';
export { openLayout } from './open-layout.js';
export type { MigrationsLayout, Migration, FileWrite } from './layout.js';
export { commitWrites } from './write-files.js';
export { loadDrizzleConfig } from './config.js';
export type { DrizzleProjectConfig } from './config.js';
export { loadSchema } from './load-schema.js';
export { tableState, parseState, serializeState } from './state.js';
export type { MigrationState, TableState, PartitionState } from './state.js';
export { FROZEN_MARKER, PROCESSED_MARKER } from './sql-file.js';
export { ConfigError, PostprocessError } from './errors.js';
export type { ConfigErrorCode, PostprocessErrorCode } from './errors.js';
