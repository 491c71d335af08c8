/**
 * Database names of drizzle columns, resolved the way drizzle-kit resolves them:
 * an explicit name wins; a column named after its key follows the `casing` option.
 * On drizzle-orm 1.0 the name is fixed when the table is built, and `casing` is
 * ignored (see src/compat/casing.ts).
 */
import type { Column } from 'drizzle-orm';
import { columnNameWithCasing } from '../compat/casing.js';

/** drizzle's `casing` option. */
export type Casing = 'snake_case' | 'camelCase' | undefined;

/**
 * The column's name in the database under `casing`.
 *
 * @example
 * ```ts
 * columnDbName(events.createdAt, 'snake_case'); // 'created_at' when declared as createdAt: timestamp()
 * ```
 */
export function columnDbName(column: Column, casing: Casing): string {
  return columnNameWithCasing(column, casing);
}
