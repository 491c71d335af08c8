/**
 * The maintenance policy a partitioned table declares: how wide new partitions
 * are, how many to keep ready ahead, and what to do with old ones. Parsed and
 * checked at definition time; the runtime reads the resolved form. The policy's
 * types live with the other input forms (spec.ts: MaintenancePolicyInput) and
 * resolved forms (resolved.ts: MaintenancePolicy); this file holds intervals.
 */

/**
 * Calendar and clock units a time interval may use.
 *
 * @example
 * ```ts
 * const policy = getPartitioning(events)!.policy;
 * const unit: IntervalUnit | undefined = policy?.kind === 'time' ? policy.interval.unit : undefined; // 'month'
 * ```
 */
export type IntervalUnit = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

/**
 * A time interval: `count` × `unit`, e.g. 3 × month.
 *
 * @example
 * ```ts
 * const quarterly: TimeInterval = { unit: 'month', count: 3 }; // maintenance: { interval: '3 months' }, resolved
 * ```
 */
export interface TimeInterval {
  unit: IntervalUnit;
  count: number;
}

export { US_PER_DAY, US_PER_HOUR } from '../bound/values.js';

/**
 * The whole months of a calendar interval (month, quarter, year), or undefined for
 * the clock units (hour, day, week).
 *
 * @example
 * ```ts
 * calendarMonths({ unit: 'quarter', count: 2 }); // 6
 * ```
 */
export function calendarMonths(i: TimeInterval): number | undefined {
  return i.unit === 'month' ? i.count : i.unit === 'quarter' ? 3 * i.count : i.unit === 'year' ? 12 * i.count : undefined;
}

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
