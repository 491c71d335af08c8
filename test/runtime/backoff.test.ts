/**
 * The sleep between lock attempts (src/runtime/lock.ts backoffDelay): never shorter
 * than lock_timeout * (1 + 1 / maxWaitShare), so the application queues behind a
 * failing step less than that share of the time, with room for a lock wait that
 * overruns lock_timeout a little; exponential above that floor, capped; jitter only
 * lengthens it.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/runtime/lock.js';

const low = () => 0;
const high = () => 0.999999;

describe('backoffDelay', () => {
  it('is at least lock_timeout * (1 + 1 / maxWaitShare) after any attempt (11 lock timeouts by default)', () => {
    expect(backoffDelay(1, { lockTimeoutMs: 1000 }, low)).toBe(11_000);
    expect(backoffDelay(1, { lockTimeoutMs: 200, maxWaitShare: 0.25 }, low)).toBe(1000);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const d = backoffDelay(attempt, { lockTimeoutMs: 300, backoffMs: 1 }, Math.random);
      expect(d).toBeGreaterThanOrEqual(3300);
      // the application's share of a cycle (one lock_timeout queued, overrun by a fifth, then the sleep) stays within 0.1
      expect(360 / (360 + d)).toBeLessThanOrEqual(0.1);
    }
  });

  it('grows exponentially from backoffMs above the floor, and is capped at 30 s (or the floor, if longer)', () => {
    const opts = { lockTimeoutMs: 10, backoffMs: 1000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, opts, low))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(20, { lockTimeoutMs: 5000 }, low)).toBe(55_000);
  });

  it('jitter lengthens the sleep by up to a half, never shortens it', () => {
    const opts = { lockTimeoutMs: 100 };
    expect(backoffDelay(1, opts, low)).toBe(1100);
    expect(backoffDelay(1, opts, high)).toBeCloseTo(1650, 0);
  });
});
