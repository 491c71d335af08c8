/**
 * What kind of values a partition key holds, read from the drizzle column's SQL
 * type. Bound values are checked, compared and rendered by this kind.
 */
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * The kinds of key this package checks and renders bound values for.
 *
 * @example
 * ```ts
 * const types: KeyType[] = (await listPartitions(db, events)).keyTypes; // ['timestamptz']
 * expression(sql`lower(${t.email})`, 'text'); // the key type of an expression key
 * ```
 */
export type KeyType =
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'float'
  | 'text'
  | 'uuid'
  | 'boolean'
  | 'enum'
  | 'other';

/** Key types that a time-based maintenance policy can drive. */
export const TIME_KEY_TYPES: readonly KeyType[] = ['date', 'timestamp', 'timestamptz'];
/** Key types that an integer-range maintenance policy can drive. */
export const INTEGER_KEY_TYPES: readonly KeyType[] = ['smallint', 'integer', 'bigint'];

/** Inclusive limits of PostgreSQL's integer types. */
export const INTEGER_LIMITS: Record<'smallint' | 'integer' | 'bigint', readonly [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** Classifies a PostgreSQL type name (as `getSQLType()` or `format_type()` print it). */
export function keyTypeOfSqlType(sqlType: string): KeyType {
  const t = sqlType.trim().toLowerCase();
  if (t === 'date') return 'date';
  if (t.startsWith('timestamp')) return t.includes('with time zone') || t.startsWith('timestamptz') ? 'timestamptz' : 'timestamp';
  if (t === 'smallint' || t === 'smallserial' || t === 'int2') return 'smallint';
  if (t === 'integer' || t === 'serial' || t === 'int' || t === 'int4') return 'integer';
  if (t === 'bigint' || t === 'bigserial' || t === 'int8') return 'bigint';
  if (t.startsWith('numeric') || t.startsWith('decimal')) return 'numeric';
  if (t === 'real' || t === 'double precision' || t === 'float4' || t === 'float8') return 'float';
  if (t === 'text' || t.startsWith('varchar') || t.startsWith('character varying') || t.startsWith('char') || t.startsWith('character')) return 'text';
  if (t === 'uuid') return 'uuid';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  return 'other';
}

/** Enum labels of a drizzle enum column, in declaration order; undefined for other columns. */
export function enumLabelsOf(column: PgColumn): readonly string[] | undefined {
  const e = (column as unknown as { enum?: { enumValues?: readonly string[] } }).enum;
  return e && Array.isArray(e.enumValues) ? e.enumValues : undefined;
}

/** The key type of a drizzle column. */
export function keyTypeOfColumn(column: PgColumn): KeyType {
  if (enumLabelsOf(column)) return 'enum';
  return keyTypeOfSqlType(column.getSQLType());
}
