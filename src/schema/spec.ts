/**
 * The user-facing shape of a partitioning definition: what `range()`, `list()` and
 * `hash()` return, typed against the table's own columns. These objects are inert;
 * {@link resolvePartitioning} checks them and turns them into a `Partitioning`.
 */
import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { BoundInput, RangeLimit } from '../bound/values.js';
import type { KeyType } from '../bound/key-type.js';

/** @internal brand of partition specs */
export const SPEC_BRAND = Symbol.for('drizzle-partitions:PartitionSpec');
/** @internal brand of typed key expressions */
export const EXPRESSION_BRAND = Symbol.for('drizzle-partitions:KeyExpression');

/**
 * PostgreSQL's three partitioning methods.
 *
 * @example
 * ```ts
 * const method: PartitionMethod | undefined = getPartitioning(events)?.method; // 'range'
 * ```
 */
export type PartitionMethod = 'range' | 'list' | 'hash';

/**
 * A partition key expression with the type of the values it yields, as {@link expression} returns it.
 *
 * @example
 * ```ts
 * const day: KeyExpression = expression(sql`(${t.createdAt} at time zone 'UTC')::date`, 'date');
 * ```
 */
export interface KeyExpression {
  readonly [EXPRESSION_BRAND]: true;
  readonly sql: SQL;
  readonly type: KeyType;
  readonly enumLabels?: readonly string[] | undefined;
}

/** One element of a partition key: a column of the table, or an expression. */
export type KeyInput = PgColumn | SQL | KeyExpression;

type ColumnData<C> = C extends PgColumn<infer Cfg> ? Cfg['data'] : never;
type ColumnEnum<C> = C extends PgColumn<infer Cfg> ? Cfg['enumValues'] : never;
type ColumnKind<C> = C extends PgColumn<infer Cfg> ? Cfg['columnType'] : never;

/** The values a user may write for one key element, by the column's data type. */
export type KeyValue<K> = K extends PgColumn
  ? ColumnData<K> extends Date
    ? Date | string
    : ColumnKind<K> extends 'PgDateString' | 'PgTimestampString'
      ? Date | string
    : ColumnData<K> extends string
      ? ColumnEnum<K> extends readonly [string, ...string[]]
        ? string extends ColumnEnum<K>[number]
          ? string | number
          : ColumnEnum<K>[number]
        : string | number
      : ColumnData<K> extends number | bigint
        ? number | bigint
        : ColumnData<K> extends boolean
          ? boolean
          : Exclude<BoundInput, null | RangeLimit>
  : Exclude<BoundInput, null | RangeLimit>;

/** A range bound: one value per key element, or MINVALUE / MAXVALUE. */
export type RangeBound<K> = K extends readonly unknown[]
  ? { [I in keyof K]: KeyValue<K[I]> | RangeLimit }
  : KeyValue<K> | RangeLimit | readonly [KeyValue<K> | RangeLimit];

/** What every declared partition may carry besides its bound. */
export interface PartitionCommon {
  /** Explicit name; otherwise a deterministic one is derived from the bound. */
  name?: string;
  /** Tablespace for this partition. */
  tablespace?: string;
  /** Makes this partition itself partitioned (sub-partitioning). */
  partitionBy?: AnyPartitionSpec;
  /**
   * A partition family: this table is split on the same grid as another partitioned
   * table (same key type, interval, declared bounds, premake and retention keep),
   * checked when the schema loads. Maintenance then creates and retires the
   * family's partitions together, in foreign-key order. Pass the table, or a
   * function returning it when it is declared further down the module.
   */
  alignedWith?: object | (() => object);
  /**
   * With `alignedWith`: foreign keys that run partition to partition. Maintenance
   * adds each to every partition it creates, referencing the partition of the aligned
   * table with the same bounds (`retweets_p20260101` -> `tweets_p20260101`), so
   * retiring a month checks nothing outside it. The columns must map this table's
   * key column onto the aligned table's key column. Declare no table-level foreign
   * key for the same columns (PostgreSQL would check that one on every retirement).
   */
  partitionForeignKeys?: readonly PartitionForeignKeyInput[];
}

/**
 * A partition-to-partition foreign key of a partition family, as written: this
 * table's columns and the aligned table's columns they reference (as drizzle's
 * `foreignKey()` takes them).
 *
 * @example
 * ```ts
 * range(t.at, { maintenance: { interval: '1 month', alignedWith: tweets, partitionForeignKeys: [{ columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] }] } })
 * ```
 */
export interface PartitionForeignKeyInput {
  columns: readonly PgColumn[];
  foreignColumns: readonly PgColumn[];
}

/**
 * A declared RANGE partition: `FOR VALUES FROM (from) TO (to)`, `to` exclusive.
 *
 * @example
 * ```ts
 * range(t.createdAt, { partitions: [{ name: 'events_2026_01', from: '2026-01-01', to: '2026-02-01' }] })
 * ```
 */
export interface RangePartitionDef<K> extends PartitionCommon {
  from: RangeBound<K>;
  to: RangeBound<K>;
}

/**
 * A declared LIST partition: `FOR VALUES IN (values)`; `null` allowed.
 *
 * @example
 * ```ts
 * list(t.region, { partitions: [{ values: ['eu', 'uk'] }, { values: ['us', null], tablespace: 'fast' }] })
 * ```
 */
export interface ListPartitionDef<K> extends PartitionCommon {
  values: readonly (KeyValue<K extends readonly [infer F] ? F : K> | null)[];
}

/**
 * A declared HASH partition: `FOR VALUES WITH (MODULUS m, REMAINDER r)`.
 *
 * @example
 * ```ts
 * hash(t.userId, { partitions: [{ modulus: 2, remainder: 0 }, { modulus: 2, remainder: 1 }] })
 * ```
 */
export interface HashPartitionDef extends PartitionCommon {
  modulus: number;
  remainder: number;
}

/**
 * The default partition, written as an entry of `partitions`.
 *
 * @example
 * ```ts
 * range(t.createdAt, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }, { default: true, name: 'events_other' }] })
 * ```
 */
export interface DefaultPartitionDef extends PartitionCommon {
  default: true;
}

/** Options of the default partition when given through the `default` option. */
export type DefaultOption = boolean | Omit<DefaultPartitionDef, 'default'>;

/**
 * Options of {@link range}: the declared partitions, the default partition, the
 * maintenance policy and what a migration does with a partition removed from the schema.
 *
 * @example
 * ```ts
 * range(t.createdAt, { default: false, maintenance: { interval: '1 day', premake: 7 }, onPartitionRemoved: 'drop' })
 * ```
 */
export interface RangeOptions<K> {
  /** Declared partitions, created by the migration that creates the table. */
  partitions?: readonly (RangePartitionDef<K> | DefaultPartitionDef)[];
  /** The default partition: on unless `false`. */
  default?: DefaultOption;
  /** Maintenance policy read by the runtime (premake, retention). */
  maintenance?: MaintenancePolicyInput;
  /**
   * What a later migration does with a declared partition removed from the schema:
   * `'detach'` (default; the table and its rows stay) or `'drop'` (explicit opt-in).
   * The default partition is only ever detached.
   */
  onPartitionRemoved?: 'detach' | 'drop';
}

/**
 * Options of {@link list}: the declared partitions with their values, the default
 * partition and what a migration does with a partition removed from the schema.
 *
 * @example
 * ```ts
 * list(t.region, { partitions: [{ values: ['eu', 'uk'] }, { values: ['us'] }], default: false })
 * ```
 */
export interface ListOptions<K> {
  partitions?: readonly (ListPartitionDef<K> | DefaultPartitionDef)[];
  /** The default partition: on unless `false`. */
  default?: DefaultOption;
  maintenance?: MaintenancePolicyInput;
  /**
   * What a later migration does with a declared partition removed from the schema:
   * `'detach'` (default; the table and its rows stay) or `'drop'` (explicit opt-in).
   * The default partition is only ever detached.
   */
  onPartitionRemoved?: 'detach' | 'drop';
}

/**
 * Options of {@link hash}: the partitions, as a count or as `{ modulus, remainder }`
 * entries. A HASH table has no default partition.
 *
 * @example
 * ```ts
 * hash(t.userId, { partitions: 8 }) // modulus 8, remainders 0 to 7
 * ```
 */
export interface HashOptions {
  /** `N` declares all N partitions (modulus N, remainders 0..N-1); or list them. */
  partitions: number | readonly HashPartitionDef[];
  /** HASH tables cannot have a default partition. */
  default?: false;
  maintenance?: MaintenancePolicyInput;
  /**
   * What a later migration does with a declared partition removed from the schema:
   * `'detach'` (default; the table and its rows stay) or `'drop'` (explicit opt-in).
   * The default partition is only ever detached.
   */
  onPartitionRemoved?: 'detach' | 'drop';
}

/**
 * A partitioning definition for a table named `TTable`: what {@link range}, {@link list} and {@link hash} return.
 *
 * @example
 * ```ts
 * const byUser: PartitionSpec<'users'> = hash(users.id, { partitions: 8 });
 * ```
 */
export interface PartitionSpec<TTable extends string = string, M extends PartitionMethod = PartitionMethod> {
  readonly [SPEC_BRAND]: true;
  readonly method: M;
  readonly keys: readonly KeyInput[];
  readonly options: RangeOptions<any> | ListOptions<any> | HashOptions;
  /** @internal type-level only: the table the key columns belong to */
  readonly _table?: TTable;
}

/** Any partition spec, whatever table it names. */
export type AnyPartitionSpec = PartitionSpec<string, PartitionMethod>;

/** Table name a key element belongs to (string for expressions). */
export type KeyTable<K> = K extends PgColumn<infer Cfg> ? Cfg['tableName'] : K extends readonly (infer E)[] ? KeyTable<E> : never;

export function isPartitionSpec(x: unknown): x is AnyPartitionSpec {
  return typeof x === 'object' && x !== null && SPEC_BRAND in x;
}

export function isKeyExpression(x: unknown): x is KeyExpression {
  return typeof x === 'object' && x !== null && EXPRESSION_BRAND in x;
}

/**
 * What retention does with a partition past `keep`.
 *
 * @example
 * ```ts
 * range(t.createdAt, { maintenance: { interval: '1 month', retention: { keep: '12 months', action: { moveToSchema: 'archive' } } } })
 * ```
 */
export type RetentionActionInput = 'detach' | 'drop' | { moveToSchema: string } | { moveToTablespace: string };

/**
 * The policy as written in a schema.
 *
 * @example
 * ```ts
 * { interval: '1 month', premake: 3, retention: { keep: '12 months', action: 'detach' } }
 * { interval: 1_000_000, premake: 2 } // integer key: each partition holds 1,000,000 ids
 * ```
 */
export interface MaintenancePolicyInput {
  /** Width of each partition: `'1 day'`, `'3 months'`, …; a whole number for integer keys. */
  interval: string | number | bigint;
  /** How many partitions to keep ready beyond the current one (default 4). */
  premake?: number;
  /** Partitions entirely older than `keep` are retired with `action` (default `'detach'`). */
  retention?: { keep: string | number | bigint; action?: RetentionActionInput };
  /**
   * Sub-partitioning of every partition maintenance creates, e.g.
   * `hash(t.tenantId, { partitions: 4 })`: each new month is itself partitioned.
   */
  partitionBy?: AnyPartitionSpec;
  /**
   * Tablespace of every partition maintenance creates, and of its indexes, e.g.
   * `'fast'` (retired ones can go elsewhere: `retention.action: { moveToTablespace: 'cold' }`).
   */
  tablespace?: string;
  /**
   * A partition family: this table is split on the same grid as another partitioned
   * table (same key type, interval, declared bounds, premake and retention keep),
   * checked when the schema loads. Maintenance then creates and retires the
   * family's partitions together, in foreign-key order. Pass the table, or a
   * function returning it when it is declared further down the module.
   */
  alignedWith?: object | (() => object);
  /**
   * With `alignedWith`: foreign keys that run partition to partition. Maintenance
   * adds each to every partition it creates, referencing the partition of the aligned
   * table with the same bounds (`retweets_p20260101` -> `tweets_p20260101`), so
   * retiring a month checks nothing outside it. The columns must map this table's
   * key column onto the aligned table's key column. Declare no table-level foreign
   * key for the same columns (PostgreSQL would check that one on every retirement).
   */
  partitionForeignKeys?: readonly PartitionForeignKeyInput[];
}

/**
 * A partition-to-partition foreign key of a partition family, as written: this
 * table's columns and the aligned table's columns they reference (as drizzle's
 * `foreignKey()` takes them).
 *
 * @example
 * ```ts
 * range(t.at, { maintenance: { interval: '1 month', alignedWith: tweets, partitionForeignKeys: [{ columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] }] } })
 * ```
 */
export interface PartitionForeignKeyInput {
  columns: readonly PgColumn[];
  foreignColumns: readonly PgColumn[];
}
