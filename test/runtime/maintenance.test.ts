/**
 * Maintenance on real PostgreSQL with an injected clock: premake, retention,
 * rows moved out of the default partition, and the catalog after each run.
 */
import { describe, expect, it } from 'vitest';
import { apply, listPartitions, plan } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from './fixtures.js';

const db = useTestDatabase();

describe('time-range maintenance', () => {
  it('creates the current day and premake days ahead, marked as ours, and says so', async () => {
    const t = eventsTable('ev_basic', { interval: '1 day', premake: 3 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const now = new Date('2026-03-27T12:00:00Z');
    const p = await plan(db.sql, [t], { now });
    expect(p.tables[0]!.ops.map((o) => o.kind === 'create' && o.partition.name)).toEqual(['ev_basic_p20260327', 'ev_basic_p20260328', 'ev_basic_p20260329', 'ev_basic_p20260330']);
    expect(p.tables[0]!.problems.map((x) => x.code)).toContain('premake-short');
    const r = await apply(db.sql, p);
    expect(r.results.map((x) => x.status)).toEqual(['done', 'done', 'done', 'done']);
    const tree = await listPartitions(db.sql, t);
    expect(tree.partitions.map((x) => [x.name, x.origin])).toEqual([
      ['ev_basic_default', 'declared'],
      ['ev_basic_p20260327', 'maintenance'],
      ['ev_basic_p20260328', 'maintenance'],
      ['ev_basic_p20260329', 'maintenance'],
      ['ev_basic_p20260330', 'maintenance'],
    ]);
    const again = await plan(db.sql, [t], { now });
    expect(again.tables[0]!.ops).toEqual([]);
    expect(again.tables[0]!.problems).toEqual([]);
  });
});
