/**
 * The grid maintenance cuts a key into: time slots anchored in UTC (an hour,
 * day, ISO week from Monday, month, quarter or year, or a multiple of one, counted
 * from 1970-01-01), or integer slots of a fixed width counted from 0. Slot edges
 * never depend on the server's or the machine's time zone, so DST cannot shift them.
 */
import { daysToText, microsToText, type BoundValue } from '../bound/values.js';
import type { KeyType } from '../bound/key-type.js';
import { calendarMonths, US_PER_DAY, US_PER_HOUR, type TimeInterval } from '../schema/policy.js';

/** 1970-01-05 was a Monday: ISO weeks start there. */
const FIRST_MONDAY_DAY = 4n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function monthIndex(micros: bigint): number {
  const d = new Date(Number(floorDiv(micros, 1000n)));
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function monthStart(index: number): bigint {
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  return BigInt(Date.UTC(year, month, 1)) * 1000n;
}

/**
 * The start of the slot of `interval` that holds `micros` (microseconds since
 * 1970-01-01 UTC).
 *
 * @example
 * ```ts
 * floorToSlot(BigInt(Date.UTC(2026, 4, 17, 13)) * 1000n, { unit: 'month', count: 3 }); // 2026-04-01T00:00Z, in micros
 * ```
 */
export function floorToSlot(micros: bigint, interval: TimeInterval): bigint {
  const n = BigInt(interval.count);
  switch (interval.unit) {
    case 'hour':
      return floorDiv(micros, US_PER_HOUR * n) * US_PER_HOUR * n;
    case 'day':
      return floorDiv(micros, US_PER_DAY * n) * US_PER_DAY * n;
    case 'week': {
      const days = floorDiv(micros, US_PER_DAY) - FIRST_MONDAY_DAY;
      return (floorDiv(days, 7n * n) * 7n * n + FIRST_MONDAY_DAY) * US_PER_DAY;
    }
    case 'month':
    case 'quarter':
    case 'year': {
      const months = calendarMonths(interval)!;
      const m = monthIndex(micros);
      return monthStart(Math.floor(m / months) * months);
    }
  }
}

/** `start` moved by `k` whole intervals (k may be negative). `start` must be a slot start. */
export function addSlots(start: bigint, interval: TimeInterval, k: number): bigint {
  const n = BigInt(interval.count) * BigInt(k);
  switch (interval.unit) {
    case 'hour':
      return start + US_PER_HOUR * n;
    case 'day':
      return start + US_PER_DAY * n;
    case 'week':
      return start + 7n * US_PER_DAY * n;
    default: {
      return monthStart(monthIndex(start) + calendarMonths(interval)! * k);
    }
  }
}

/** A slot start as a bound value of the key's type (date keys in days, timestamps in micros). */
export function timeBound(micros: bigint, type: KeyType): BoundValue {
  if (type === 'date') {
    const days = floorDiv(micros, US_PER_DAY);
    return { kind: 'date', text: daysToText(days), ord: days };
  }
  return { kind: type === 'timestamptz' ? 'timestamptz' : 'timestamp', text: microsToText(micros), ord: micros };
}

/** The instant (micros) a time bound value stands for. */
export function boundMicros(v: BoundValue): bigint | undefined {
  if (v.kind === 'date') return v.ord * US_PER_DAY;
  if (v.kind === 'timestamp' || v.kind === 'timestamptz') return v.ord;
  return undefined;
}

/** The start of the integer slot of width `width` that holds `value`. */
export function floorToIntegerSlot(value: bigint, width: bigint): bigint {
  return floorDiv(value, width) * width;
}

/** An integer bound value. */
export function integerBound(value: bigint): BoundValue {
  return { kind: 'integer', text: value.toString(), ord: value };
}

/** `micros` moved back by `i`, calendar-aware (months keep the day and time when they can). */
export function subtractInterval(micros: bigint, i: TimeInterval): bigint {
  const months = calendarMonths(i);
  if (months !== undefined) {
    const d = new Date(Number(micros / 1000n));
    const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
    return BigInt(t) * 1000n + (micros % 1000n);
  }
  return micros - (i.unit === 'hour' ? US_PER_HOUR : i.unit === 'day' ? US_PER_DAY : 7n * US_PER_DAY) * BigInt(i.count);
}
