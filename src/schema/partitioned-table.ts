/**
 * `pgPartitionedTable()` and `partitioned()`: drizzle tables that carry their
 * partitioning. The result is the real `PgTable` drizzle built (drizzle-kit sees
 * exactly what it sees for a `pgTable`); the partitioning rides along under a
 * non-enumerable symbol, read back with {@link getPartitioning}.
 */
import type { BuildColumns, BuildExtraConfigColumns } from 'drizzle-orm';
import { pgTable, type PgColumnBuilderBase, type PgTable, type PgTableExtraConfigValue, type PgTableWithColumns } from 'drizzle-orm/pg-core';
import type { PgColumnsBuilders } from 'drizzle-orm/pg-core/columns/all';
import { resolvePartitioning } from './resolve.js';
import type { Partitioning } from './resolved.js';
import type { PartitionSpec } from './spec.js';
import { checkUniqueness } from './uniqueness.js';
import { checkFamily } from './family.js';

/** @internal where the partitioning lives on a table */
export const PARTITIONING = Symbol.for('drizzle-partitions:Partitioning');
/** @internal set while the uniqueness and family checks wait for forward references to resolve ('checking' while they run) */
const PENDING_UNIQUENESS = Symbol.for('drizzle-partitions:PendingUniqueness');

type Carrier = Record<symbol, unknown>;

/**
 * Attaches partitioning to a table built with `pgTable`, `pgSchema(...).table`
 * or a `pgTableCreator`. Checks the definition now and throws a
 * `PartitionDefinitionError` on a mistake. Returns the same table.
 *
 * @example
 * ```ts
 * const analytics = pgSchema('analytics');
 * export const events = partitioned(
 *   analytics.table('events', { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
 *     (t) => [primaryKey({ columns: [t.id, t.at] })]),
 *   (t) => range(t.at, { maintenance: { interval: '1 day', premake: 7 } }),
 * );
 * ```
 */
export function partitioned<T extends PgTable>(table: T, partitionBy: ((t: T) => PartitionSpec<T['_']['name']>) | PartitionSpec<T['_']['name']>): T {
  const spec = typeof partitionBy === 'function' ? partitionBy(table) : partitionBy;
  const partitioning = resolvePartitioning(table, spec);
  Object.defineProperty(table, PARTITIONING, { value: partitioning, enumerable: false, configurable: true, writable: false });
  try {
    checkUniqueness(table, partitioning);
    checkFamily(table, partitioning, getPartitioning, { final: false });
  } catch (e) {
    // The extra-config callback may refer to a table declared further down the
    // module (a foreign key), and alignedWith to a table declared further down:
    // they cannot run yet. Check on first getPartitioning().
    if (!(e instanceof ReferenceError)) throw e;
    Object.defineProperty(table, PENDING_UNIQUENESS, { value: true, enumerable: false, configurable: true, writable: true });
  }
  return table;
}

type PartitionedTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>> = PgTableWithColumns<{
  name: TName;
  schema: undefined;
  columns: BuildColumns<TName, TColumns, 'pg'>;
  dialect: 'pg';
}>;

type PartitionBy<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>> = (t: PartitionedTable<TName, TColumns>) => PartitionSpec<NoInfer<TName>>;
type ExtraConfig<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>> = (self: BuildExtraConfigColumns<TName, TColumns, 'pg'>) => PgTableExtraConfigValue[];

/**
 * A partitioned table in the `public` schema: `pgTable`'s arguments, then a
 * callback that returns `range()`, `list()` or `hash()`. Mistakes throw a
 * `PartitionDefinitionError` when the module is evaluated.
 *
 * @example
 * ```ts
 * export const events = pgPartitionedTable(
 *   'events',
 *   { id: bigserial({ mode: 'number' }), createdAt: timestamp('created_at', { withTimezone: true }).notNull() },
 *   (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
 *   (t) => range(t.createdAt, {
 *     partitions: [{ from: '2026-01-01', to: '2026-02-01' }],
 *     maintenance: { interval: '1 month', premake: 3, retention: { keep: '12 months', action: 'detach' } },
 *   }),
 * );
 * ```
 */
export function pgPartitionedTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns | ((columnTypes: PgColumnsBuilders) => TColumns),
  partitionBy: PartitionBy<TName, TColumns>,
): PartitionedTable<TName, TColumns>;
export function pgPartitionedTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns | ((columnTypes: PgColumnsBuilders) => TColumns),
  extraConfig: ExtraConfig<TName, TColumns> | undefined,
  partitionBy: PartitionBy<TName, TColumns>,
): PartitionedTable<TName, TColumns>;
export function pgPartitionedTable(name: string, columns: any, third: any, fourth?: any): any {
  const partitionBy = fourth === undefined ? third : fourth;
  const extraConfig = fourth === undefined ? undefined : third;
  const table = pgTable(name, columns, extraConfig);
  return partitioned(table, partitionBy);
}

/**
 * The partitioning of a table, or undefined when it is not partitioned.
 *
 * @example
 * ```ts
 * const p = getPartitioning(events);
 * p?.method;                        // 'range'
 * p?.partitions.map((x) => x.name); // ['events_p20260101', 'events_default']
 * ```
 */
export function getPartitioning(table: unknown): Partitioning | undefined {
  if (typeof table !== 'object' || table === null) return undefined;
  const carrier = table as Carrier;
  const partitioning = carrier[PARTITIONING] as Partitioning | undefined;
  if (partitioning && carrier[PENDING_UNIQUENESS] === true) {
    // 'checking': two tables aligned with each other read each other once
    carrier[PENDING_UNIQUENESS] = 'checking';
    try {
      checkUniqueness(table as PgTable, partitioning);
      checkFamily(table as PgTable, partitioning, getPartitioning, { final: true });
    } catch (e) {
      carrier[PENDING_UNIQUENESS] = true;
      throw e;
    }
    carrier[PENDING_UNIQUENESS] = false;
  }
  return partitioning;
}

/**
 * Whether `table` was defined with {@link pgPartitionedTable} or {@link partitioned}.
 *
 * @example
 * ```ts
 * isPartitionedTable(events); // true
 * isPartitionedTable(users);  // false for a plain pgTable
 * ```
 */
export function isPartitionedTable(table: unknown): boolean {
  return typeof table === 'object' && table !== null && PARTITIONING in table;
}

