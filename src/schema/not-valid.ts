/**
 * `notValid()`: a foreign key or check constraint of a table's extra config that is
 * added to an EXISTING table without the validating scan (`NOT VALID`), then
 * validated in a migration of its own, outside a transaction. The mark rides on the
 * drizzle builder under a symbol; drizzle and drizzle-kit see the builder as it was.
 * The post-processor reads the marks with {@link notValidConstraintNames}.
 */
import { getTableName, is, type Column } from 'drizzle-orm';
import { CheckBuilder, ForeignKeyBuilder, PgTable } from 'drizzle-orm/pg-core';
import { columnNameWithCasing, type CompatCasing } from '../compat/casing.js';
import { DrizzlePartitionsError } from '../errors.js';

/** @internal where the mark lives on a builder */
export const NOT_VALID = Symbol.for('drizzle-partitions:NotValid');

const EXTRA_CONFIG_BUILDER = Symbol.for('drizzle:ExtraConfigBuilder');
const EXTRA_CONFIG_COLUMNS = Symbol.for('drizzle:ExtraConfigColumns');
const TABLE_SCHEMA = Symbol.for('drizzle:Schema');

/**
 * Marks a `foreignKey({...})` or `check(name, sql)` of a table's extra config (of a
 * `pgTable` or a `pgPartitionedTable`) so that, when a migration adds it to a table
 * that already exists, the post-processor makes the statement `... NOT VALID` (new
 * and updated rows are checked at once, existing rows are not scanned under lock)
 * and validates it with `ALTER TABLE ... VALIDATE CONSTRAINT` in a migration of its
 * own that `drizzle-partitions migrate` runs outside a transaction. On a table the
 * same migration creates, nothing changes (it is empty). Returns the same builder.
 *
 * A foreign key on a partitioned (referencing) table: PostgreSQL 18 adds it NOT
 * VALID; before 18 the migration adds it validated at once (a notice says so).
 * A column's `.references()` cannot be marked: declare the key with `foreignKey()`.
 * The migration's statement is found by the constraint's name: a foreign key without
 * a `name` under drizzle-kit's default name (0.31's `..._fk` or 1.0's `..._fkey`).
 *
 * @example
 * ```ts
 * import { check, foreignKey, integer, pgTable } from 'drizzle-orm/pg-core';
 * import { sql } from 'drizzle-orm';
 * import { notValid } from 'drizzle-partitions';
 *
 * export const orders = pgTable('orders', { id: integer().primaryKey(), userId: integer('user_id'), total: integer() }, (t) => [
 *   notValid(foreignKey({ name: 'orders_user_fk', columns: [t.userId], foreignColumns: [users.id] })),
 *   notValid(check('orders_total_positive', sql`${t.total} >= 0`)),
 * ]);
 * ```
 */
export function notValid<T extends ForeignKeyBuilder | CheckBuilder>(builder: T): T {
  if (!is(builder, ForeignKeyBuilder) && !is(builder, CheckBuilder)) {
    throw new DrizzlePartitionsError('NOT_VALID_UNSUPPORTED', `notValid() takes a foreignKey({...}) or check(name, sql) builder, not ${describe(builder)}`, 'wrap foreignKey() or check() of the table extra config; a column .references() cannot be marked, declare it with foreignKey()');
  }
  Object.defineProperty(builder, NOT_VALID, { value: true, enumerable: false, configurable: true, writable: false });
  return builder;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const kind = (value.constructor as unknown as Record<symbol, unknown> | undefined)?.[Symbol.for('drizzle:entityKind')];
  return typeof kind === 'string' ? kind : (value.constructor?.name ?? 'an object');
}

/** Whether a builder was marked with {@link notValid}. */
export function isNotValid(builder: unknown): boolean {
  return typeof builder === 'object' && builder !== null && (builder as Record<symbol, unknown>)[NOT_VALID] === true;
}

/** What a built foreign key offers (drizzle-orm 0.45 and 1.0). */
interface BuiltForeignKey {
  getName(): string;
  reference(): { name?: string; columns: Column[]; foreignColumns: Column[]; foreignTable: PgTable };
}

/**
 * The names drizzle-kit may give a marked foreign key: its `getName()` with the
 * columns' names under `casing` (drizzle-kit 0.31); without an explicit name also
 * drizzle-kit 1.0's default `<table>_<columns>_<table>_<columns>_fkey`.
 */
function foreignKeyNames(fk: BuiltForeignKey, table: PgTable, casing: CompatCasing): string[] {
  const ref = fk.reference();
  const from = ref.columns.map((c) => columnNameWithCasing(c, casing));
  const to = ref.foreignColumns.map((c) => columnNameWithCasing(c, casing));
  let name = fk.getName();
  if (casing !== undefined) {
    ref.columns.forEach((c, i) => (name = name.replace(c.name, from[i]!)));
    ref.foreignColumns.forEach((c, i) => (name = name.replace(c.name, to[i]!)));
  }
  const names = [name];
  if (!ref.name) names.push(`${getTableName(table)}_${from.join('_')}_${getTableName(ref.foreignTable)}_${to.join('_')}_fkey`);
  return names;
}

/**
 * The constraints of `table` marked with {@link notValid}, by the names drizzle-kit
 * writes them under (a foreign key without a `name` may have two candidates, one
 * per drizzle-kit line). Runs the table's extra-config callback as drizzle's
 * `getTableConfig()` does.
 *
 * @example
 * ```ts
 * notValidConstraintNames(orders, 'snake_case'); // { schema: undefined, name: 'orders', constraints: ['orders_user_fk', 'orders_total_positive'] }
 * ```
 */
export function notValidConstraintNames(table: PgTable, casing: CompatCasing): { schema: string | undefined; name: string; constraints: string[] } {
  const t = table as unknown as Record<symbol, unknown>;
  const out = { schema: t[TABLE_SCHEMA] as string | undefined, name: getTableName(table), constraints: [] as string[] };
  const extra = t[EXTRA_CONFIG_BUILDER] as ((columns: unknown) => unknown) | undefined;
  if (typeof extra !== 'function') return out;
  const config = extra(t[EXTRA_CONFIG_COLUMNS]);
  const values: unknown[] = Array.isArray(config) ? config.flat(1) : Object.values(config ?? {});
  for (const b of values) {
    if (!isNotValid(b)) continue;
    if (is(b, ForeignKeyBuilder)) out.constraints.push(...foreignKeyNames((b as unknown as { build(t: PgTable): BuiltForeignKey }).build(table), table, casing));
    else if (is(b, CheckBuilder)) out.constraints.push((b as unknown as { build(t: PgTable): { name: string } }).build(table).name);
  }
  return out;
}
