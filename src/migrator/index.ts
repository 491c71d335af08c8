/**
 * `drizzle-partitions/migrator`: drizzle's migrations applied the way production
 * needs them: each migration in its own transaction, a migration marked
 * `-- drizzle-partitions: no-transaction` statement by statement outside one
 * (`CREATE INDEX CONCURRENTLY`, also on partitioned tables), one migrator at a time,
 * lock_timeout with retries, drizzle's own bookkeeping kept.
 *
 * @example
 * ```ts
 * import { migrate } from 'drizzle-partitions/migrator';
 * await migrate(db, { migrationsFolder: './drizzle' });
 * ```
 */
export { migrate } from './migrate.js';
export type { MigrateOptions, MigrateProgress, MigrateResult } from './migrate.js';
export { NO_TRANSACTION_MARKER } from '../migrations/sql-file.js';
export { MigratorError } from '../errors.js';
export type { MigratorErrorCode } from '../errors.js';
