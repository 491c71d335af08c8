/**
 * drizzle-kit 0.31's `push` and `pull` look at plain tables only: a partitioned
 * parent is invisible to them and its partitions look like stray tables, which
 * `push` offers to drop. Keep partitions out with a `tablesFilter`.
 */
import type { Partitioning } from '../schema/resolved.js';

/**
 * A `tablesFilter` for drizzle.config.ts that keeps every table except the
 * partitions of `tables` (named `<table>_...` by this package) away from push/pull.
 *
 * @example
 * ```ts
 * // drizzle.config.ts
 * export default defineConfig({ ..., tablesFilter: partitionsTablesFilter(['events', 'sessions']) });
 * // ['*', '!events_*', '!sessions_*']
 * ```
 */
export function partitionsTablesFilter(tables: readonly (string | { table: { name: string } })[], base: readonly string[] = ['*']): string[] {
  const names = tables.map((t) => (typeof t === 'string' ? t : t.table.name));
  return [...base, ...names.map((n) => `!${n}_*`)];
}

/** Warnings for a config whose tablesFilter would let push see (and drop) partitions. */
export function pushWarnings(config: { tablesFilter?: string[] | undefined; configFile: string }, tables: readonly Partitioning[]): string[] {
  if (tables.length === 0) return [];
  const filter = config.tablesFilter ?? [];
  const unguarded = tables.filter((t) => !filter.includes(`!${t.table.name}_*`));
  if (unguarded.length === 0) return [];
  return [
    `${config.configFile}: drizzle-kit push would see the partitions of ${unguarded.map((t) => t.table.name).join(', ')} as plain tables and offer to drop them; add tablesFilter: partitionsTablesFilter([${unguarded.map((t) => `'${t.table.name}'`).join(', ')}]) (from drizzle-partitions), and use generate + migrate for partitioned tables`,
  ];
}
