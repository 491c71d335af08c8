/** The slot grid is anchored in UTC: the same instants give the same edges whatever TZ says. */
import { describe, expect, it } from 'vitest';
import { addSlots, floorToIntegerSlot, floorToSlot, timeBound } from '../../src/runtime/time-grid.js';

const us = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const iso = (m: bigint) => new Date(Number(m / 1000n)).toISOString();

describe('time grid', () => {
  it.each([
    ['hour', 1, '2026-03-29T01:30:00Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
    ['hour', 6, '2026-03-29T13:00:00Z', '2026-03-29T12:00:00.000Z', '2026-03-29T18:00:00.000Z'],
    ['day', 1, '2026-11-01T06:59:59Z', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'],
    ['week', 1, '2026-01-01T12:00:00Z', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z'], // a Thursday -> Monday
    ['week', 2, '1970-01-05T00:00:00Z', '1970-01-05T00:00:00.000Z', '1970-01-19T00:00:00.000Z'],
    ['month', 1, '2024-02-29T23:59:59Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['month', 3, '2026-05-17T00:00:00Z', '2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
    ['quarter', 1, '2026-12-31T23:00:00Z', '2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['year', 1, '2026-06-01T00:00:00Z', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['year', 5, '2026-06-01T00:00:00Z', '2025-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z'],
    ['day', 1, '1969-12-31T23:00:00Z', '1969-12-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z'], // before the epoch
  ] as const)('%s x%d: %s -> [%s, %s)', (unit, count, at, start, end) => {
    const i = { unit, count };
    const s = floorToSlot(us(at), i);
    expect(iso(s)).toBe(start);
    expect(iso(addSlots(s, i, 1))).toBe(end);
    expect(addSlots(addSlots(s, i, 5), i, -5)).toBe(s);
  });

  it('slots across both DST changes of 2026 (Europe and America) are exact days and hours in UTC', () => {
    const day = { unit: 'day' as const, count: 1 };
    let s = floorToSlot(us('2026-03-01T00:00:00Z'), day);
    for (let i = 0; i < 300; i++) {
      const next = addSlots(s, day, 1);
      expect(next - s).toBe(86_400_000_000n);
      s = next;
    }
    const hour = { unit: 'hour' as const, count: 1 };
    expect(addSlots(floorToSlot(us('2026-10-25T00:30:00Z'), hour), hour, 3) - us('2026-10-25T00:00:00Z')).toBe(3n * 3_600_000_000n);
  });

  it('bounds of each key type', () => {
    expect(timeBound(us('2026-01-01T00:00:00Z'), 'date')).toMatchObject({ kind: 'date', text: '2026-01-01' });
    expect(timeBound(us('2026-01-01T06:00:00Z'), 'timestamptz')).toMatchObject({ kind: 'timestamptz', text: '2026-01-01 06:00:00' });
    expect(floorToIntegerSlot(-1n, 1000n)).toBe(-1000n);
    expect(floorToIntegerSlot(1999n, 1000n)).toBe(1000n);
  });
});
