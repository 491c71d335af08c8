/**
 * Database names of drizzle columns, resolved the way drizzle-kit resolves them:
 * an explicit name wins; a column named after its key follows the `casing` option.
 */
import { CasingCache } from 'drizzle-orm/casing';
import type { Column } from 'drizzle-orm';

/** drizzle's `casing` option. */
export type Casing = 'snake_case' | 'camelCase' | undefined;

const caches = new Map<string, CasingCache>();

/**
 * The column's name in the database under `casing`.
 *
 * @example
 * ```ts
 * columnDbName(events.createdAt, 'snake_case'); // 'created_at' when declared as createdAt: timestamp()
 * ```
 */
export function columnDbName(column: Column, casing: Casing): string {
  const key = casing ?? 'none';
  let cache = caches.get(key);
  if (!cache) {
    cache = new CasingCache(casing);
    caches.set(key, cache);
  }
  return cache.getColumnCasing(column);
}
