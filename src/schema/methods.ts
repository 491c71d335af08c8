/**
 * `range()`, `list()`, `hash()` and `expression()`: the builders a schema uses to
 * say how a table is partitioned.
 */
import type { SQL } from 'drizzle-orm';
import type { KeyType } from '../bound/key-type.js';
import {
  EXPRESSION_BRAND,
  SPEC_BRAND,
  type HashOptions,
  type KeyExpression,
  type KeyInput,
  type KeyTable,
  type ListOptions,
  type PartitionSpec,
  type RangeOptions,
} from './spec.js';

function spec<M extends PartitionSpec['method']>(method: M, key: KeyInput | readonly KeyInput[], options: PartitionSpec['options']): PartitionSpec<any, M> {
  const keys = Array.isArray(key) ? [...key] : [key as KeyInput];
  return Object.freeze({ [SPEC_BRAND]: true as const, method, keys: Object.freeze(keys), options: options ?? {} });
}

/**
 * `PARTITION BY RANGE (key)`. The key is one column, an expression, or an array of
 * them; bounds are typed by the key's columns.
 *
 * @example
 * ```ts
 * range(t.createdAt, {
 *   partitions: [{ from: '2026-01-01', to: '2026-02-01' }],
 *   maintenance: { interval: '1 month', premake: 3, retention: { keep: '12 months', action: 'detach' } },
 * })
 * ```
 */
export function range<const K extends KeyInput | readonly KeyInput[]>(key: K, options: RangeOptions<K> = {}): PartitionSpec<KeyTable<K>, 'range'> {
  return spec('range', key, options);
}

/**
 * `PARTITION BY LIST (key)`: one column or expression; each partition lists its
 * values (`null` included).
 *
 * @example
 * ```ts
 * list(t.region, { partitions: [{ values: ['eu', 'uk'] }, { values: ['us'] }] })
 * ```
 */
export function list<const K extends KeyInput | readonly [KeyInput]>(key: K, options: ListOptions<K> = {}): PartitionSpec<KeyTable<K>, 'list'> {
  return spec('list', key, options);
}

/**
 * `PARTITION BY HASH (key)`: `partitions: N` declares all N partitions, or list
 * `{ modulus, remainder }` entries yourself. No default partition.
 *
 * @example
 * ```ts
 * hash(t.userId, { partitions: 8 })
 * ```
 */
export function hash<const K extends KeyInput | readonly KeyInput[]>(key: K, options: HashOptions): PartitionSpec<KeyTable<K>, 'hash'> {
  return spec('hash', key, options);
}

/**
 * A partition key expression with the type of the values it yields, so bounds
 * can be checked and rendered for it. Columns inside `sql` are written unqualified.
 *
 * @example
 * ```ts
 * range(expression(sql`(${t.createdAt} at time zone 'UTC')::date`, 'date'), { partitions: [...] })
 * ```
 */
export function expression(sqlExpr: SQL, type: KeyType = 'other', enumLabels?: readonly string[]): KeyExpression {
  return Object.freeze({ [EXPRESSION_BRAND]: true as const, sql: sqlExpr, type, enumLabels });
}
