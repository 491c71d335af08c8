/**
 * The maintenance policy a partitioned table declares: how wide new partitions
 * are, how many to keep ready ahead, and what to do with old ones. Parsed and
 * checked at definition time; the runtime reads the resolved form.
 */

import type { PartitionLevel } from './resolved.js';
import type { AnyPartitionSpec } from './spec.js';

/** Calendar and clock units a time interval may use. */
export type IntervalUnit = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

/** A time interval: `count` × `unit`, e.g. 3 × month. */
export interface TimeInterval {
  unit: IntervalUnit;
  count: number;
}

/** What retention does with a partition past `keep`. */
export type RetentionActionInput = 'detach' | 'drop' | { moveToSchema: string } | { moveToTablespace: string };

/** A retention action, resolved. */
export type RetentionAction =
  | { kind: 'detach' }
  | { kind: 'drop' }
  | { kind: 'move-schema'; schema: string }
  | { kind: 'move-tablespace'; tablespace: string };

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
}

/** A policy, resolved for the key's type. */
export type MaintenancePolicy = (
  | { kind: 'time'; interval: TimeInterval; premake: number; retention?: { keep: TimeInterval; action: RetentionAction } }
  | { kind: 'integer'; interval: bigint; premake: number; retention?: { keep: bigint; action: RetentionAction } }
) & {
  /** The sub-partitioning of new partitions: the spec, and its check against a sample partition name. */
  partitionBy?: { spec: AnyPartitionSpec; sample: PartitionLevel } | undefined;
};

/** Default number of partitions premade ahead of the current one. */
export const DEFAULT_PREMAKE = 4;

const UNITS: Record<string, IntervalUnit> = {
  hour: 'hour', hours: 'hour', h: 'hour',
  day: 'day', days: 'day', d: 'day',
  week: 'week', weeks: 'week', w: 'week',
  month: 'month', months: 'month', mon: 'month', mons: 'month',
  quarter: 'quarter', quarters: 'quarter',
  year: 'year', years: 'year', y: 'year',
};

/**
 * Parses `'1 month'`, `'3 days'`, `'6 hours'`, `'quarter'` into a {@link TimeInterval};
 * returns a reason instead when it cannot.
 */
export function parseTimeInterval(text: unknown): TimeInterval | string {
  if (typeof text !== 'string') return `${String(text)} is not a time interval such as '1 month'`;
  const m = /^\s*(-?\d+)?\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || !unit) return `"${text}" is not a time interval; write a count and one of hour, day, week, month, quarter, year (e.g. '1 month')`;
  const count = m[1] === undefined ? 1 : Number(m[1]);
  if (!Number.isSafeInteger(count) || count <= 0) return `"${text}" must be a positive whole number of ${unit}s`;
  return { unit, count };
}

/** Approximate length in hours (months as 28 to 31 days): [shortest, longest]. */
export function intervalHours(i: TimeInterval): [number, number] {
  const per: Record<IntervalUnit, [number, number]> = {
    hour: [1, 1],
    day: [24, 24],
    week: [168, 168],
    month: [28 * 24, 31 * 24],
    quarter: [89 * 24, 92 * 24],
    year: [365 * 24, 366 * 24],
  };
  const [lo, hi] = per[i.unit];
  return [lo * i.count, hi * i.count];
}

/** Renders an interval back as text: `{ unit: 'month', count: 3 }` -> `'3 months'`. */
export function formatInterval(i: TimeInterval): string {
  return `${i.count} ${i.unit}${i.count === 1 ? '' : 's'}`;
}
