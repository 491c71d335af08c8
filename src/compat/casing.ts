/**
 * Column names across drizzle-orm lines. drizzle-orm 0.x names a column declared
 * without a name (`createdAt: timestamp()`) when a query or drizzle-kit runs,
 * following the `casing` option (drizzle config, `drizzle({ casing })`), through
 * `CasingCache` from `drizzle-orm/casing`. drizzle-orm 1.0 names it when the
 * table is built (`snakeCase.table(...)`, `pgTableCreator(fn, casing)`,
 * `pgSchema(name, casing)`; plain `pgTable` keeps the key), has no `CasingCache`,
 * and drizzle-kit 1.0 ignores the config's `casing`: there `column.name` is final.
 */
import * as casingModule from 'drizzle-orm/casing';
import type { Column } from 'drizzle-orm';

/** drizzle's `casing` option. */
export type CompatCasing = 'snake_case' | 'camelCase' | undefined;

interface CasingCacheLike {
  getColumnCasing(column: Column): string;
}
type CasingCacheCtor = new (casing?: CompatCasing) => CasingCacheLike;

/** drizzle-orm 0.x's `CasingCache`, or undefined on drizzle-orm 1.0. Read off the namespace: a named import fails to link on 1.0. */
const CasingCacheClass: CasingCacheCtor | undefined = (casingModule as unknown as { CasingCache?: CasingCacheCtor }).CasingCache;

/**
 * Whether the installed drizzle-orm resolves column names at query time from a
 * `casing` option (0.x), rather than when the table is built (1.0).
 *
 * @example
 * ```ts
 * if (!casingAppliesAtRuntime() && config.casing) warn('drizzle-kit 1.0 ignores the config casing');
 * ```
 */
export function casingAppliesAtRuntime(): boolean {
  return CasingCacheClass !== undefined;
}

const caches = new Map<string, CasingCacheLike>();

/**
 * The column's name in the database: under drizzle-orm 0.x, `casing` applies to a
 * column named after its key; under 1.0 the name the table was built with is
 * final and `casing` is ignored, as drizzle-kit 1.0 ignores it.
 *
 * @example
 * ```ts
 * columnNameWithCasing(events.createdAt, 'snake_case'); // 0.x: 'created_at'; 1.0 with pgTable: 'createdAt'
 * ```
 */
export function columnNameWithCasing(column: Column, casing: CompatCasing): string {
  if (!CasingCacheClass) return column.name;
  const key = casing ?? 'none';
  let cache = caches.get(key);
  if (!cache) {
    cache = new CasingCacheClass(casing);
    caches.set(key, cache);
  }
  return cache.getColumnCasing(column);
}
