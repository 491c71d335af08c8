/**
 * The checked, resolved form of a partitioning definition: what the DDL module
 * renders, the migration post-processor records and the runtime maintains.
 */
import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { QualifiedName } from '../sql/quote.js';
import type { PartitionBound } from '../bound/values.js';
import type { KeyType } from '../bound/key-type.js';
import type { TimeInterval } from './policy.js';
import type { AnyPartitionSpec, PartitionMethod } from './spec.js';

/** A key element that is a column of the table. `name` is drizzle's name, before `casing`. */
export interface ColumnKey {
  kind: 'column';
  column: PgColumn;
  name: string;
  type: KeyType;
  enumLabels?: readonly string[] | undefined;
}

/** A key element that is an expression. */
export interface ExpressionKey {
  kind: 'expression';
  sql: SQL;
  type: KeyType;
  enumLabels?: readonly string[] | undefined;
}

/**
 * One element of a resolved partition key: a column of the table or an expression,
 * with the type of its values.
 *
 * @example
 * ```ts
 * for (const k of getPartitioning(events)!.keys) console.log(k.kind, k.type); // 'column' 'timestamptz'
 * ```
 */
export type PartitionKey = ColumnKey | ExpressionKey;

export type { PartitionBound };

/**
 * One level of partitioning: a method, a key, and the partitions declared at it.
 *
 * @example
 * ```ts
 * const sub: PartitionLevel | undefined = getPartitioning(events)!.partitions[0]!.partitionBy;
 * sub?.method; // 'hash' when that partition is itself hash-partitioned
 * ```
 */
export interface PartitionLevel {
  method: PartitionMethod;
  keys: readonly PartitionKey[];
  /** Declared partitions in creation order; the default partition, if any, last. */
  partitions: readonly DeclaredPartition[];
}

/**
 * A partition the schema declares. Partitions live in their parent's schema.
 *
 * @example
 * ```ts
 * for (const d of getPartitioning(events)!.partitions) console.log(d.name, d.bound.kind); // 'events_p20260101' 'range', ...
 * ```
 */
export interface DeclaredPartition {
  name: string;
  bound: PartitionBound;
  tablespace?: string | undefined;
  /** Set when this partition is itself partitioned. */
  partitionBy?: PartitionLevel | undefined;
}

/**
 * Everything this package knows about a partitioned table, as `getPartitioning()`
 * returns it.
 *
 * @example
 * ```ts
 * const p: Partitioning | undefined = getPartitioning(events);
 * p?.table; // { schema: undefined, name: 'events' }
 * ```
 */
export interface Partitioning extends PartitionLevel {
  /** The partitioned table's schema (undefined: the search path, normally `public`) and name. */
  table: QualifiedName;
  policy?: MaintenancePolicy | undefined;
  /** What a migration does with a declared partition removed from the schema. */
  onPartitionRemoved: 'detach' | 'drop';
}

/**
 * A retention action, resolved.
 *
 * @example
 * ```ts
 * getPartitioning(events)!.policy?.retention?.action; // { kind: 'detach' }; { moveToSchema: 'archive' } gives { kind: 'move-schema', schema: 'archive' }
 * ```
 */
export type RetentionAction =
  | { kind: 'detach' }
  | { kind: 'drop' }
  | { kind: 'move-schema'; schema: string }
  | { kind: 'move-tablespace'; tablespace: string };

/**
 * A policy, resolved for the key's type.
 *
 * @example
 * ```ts
 * getPartitioning(events)!.policy; // for { interval: '1 month', premake: 3, retention: { keep: '12 months' } }:
 * // { kind: 'time', interval: { unit: 'month', count: 1 }, premake: 3, retention: { keep: { unit: 'month', count: 12 }, action: { kind: 'detach' } } }
 * ```
 */
export type MaintenancePolicy = (
  | { kind: 'time'; interval: TimeInterval; premake: number; retention?: { keep: TimeInterval; action: RetentionAction } }
  | { kind: 'integer'; interval: bigint; premake: number; retention?: { keep: bigint; action: RetentionAction } }
) & {
  /** The sub-partitioning of new partitions: the spec, and its check against a sample partition name. */
  partitionBy?: { spec: AnyPartitionSpec; sample: PartitionLevel } | undefined;
  /** Tablespace of new partitions and their indexes (maintenance: { tablespace }). */
  tablespace?: string | undefined;
  /** The table this one is aligned with (a partition family, see family.ts): read lazily, it may be declared further down. */
  alignedWith?: (() => unknown) | undefined;
  /** Foreign keys maintenance adds partition to partition within the family (checked in family.ts). */
  partitionForeignKeys?: readonly { columns: readonly PgColumn[]; foreignColumns: readonly PgColumn[] }[] | undefined;
};
