/**
 * The schema's `.concurrently()` indexes, recorded in the partitioning state so that
 * a later migration that drops one drops it concurrently too (drizzle-kit writes a
 * plain `DROP INDEX`, and its snapshot is the only other place that remembers the
 * flag).
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';

/**
 * `schema.index` keys (schema `public` when unset) of the named indexes declared
 * `.concurrently()` on any table among a schema module's exports, sorted. An unnamed
 * index is left out: drizzle-kit derives its name, and a drop of it stays as
 * drizzle-kit writes it.
 *
 * @example
 * ```ts
 * concurrentIndexNames({ users }); // ['public.users_name_idx'] for index('users_name_idx').on(t.name).concurrently()
 * ```
 */
export function concurrentIndexNames(exports: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const value of Object.values(exports)) {
    if (!is(value, PgTable)) continue;
    const config = getTableConfig(value);
    for (const ix of config.indexes) {
      if (ix.config.concurrently && ix.config.name) names.add(`${config.schema ?? 'public'}.${ix.config.name}`);
    }
  }
  return [...names].sort();
}
