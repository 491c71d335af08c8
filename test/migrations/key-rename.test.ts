/**
 * RENAME COLUMN of a partition key column is followed in the recorded state: every
 * PARTITION BY clause (sub-levels too) names the column by its new name; string
 * literals and other names are left alone; a rename of another column changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { fileTables } from '../../src/migrations/sql-file.js';
import { renameColumnInState, type TableState } from '../../src/migrations/state.js';

const state: TableState = {
  schema: null,
  name: 'events',
  partitionBy: `PARTITION BY RANGE ((("at" AT TIME ZONE 'at')::date))`,
  partitions: [
    { name: 'events_2026', bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", partitionBy: 'PARTITION BY LIST ("kind", "at")', partitions: [{ name: 'events_2026_a', bound: "FOR VALUES IN ('a')" }] },
    { name: 'events_default', bound: 'DEFAULT' },
  ],
};

describe('renameColumnInState', () => {
  it('renames the quoted column in every clause, not the string literal that spells it', () => {
    const next = renameColumnInState(state, 'at', 'placed at');
    expect(next.partitionBy).toBe(`PARTITION BY RANGE ((("placed at" AT TIME ZONE 'at')::date))`);
    expect(next.partitions[0]!.partitionBy).toBe('PARTITION BY LIST ("kind", "placed at")');
    expect(next.partitions[0]!.partitions).toEqual(state.partitions[0]!.partitions);
    expect(next.partitions[1]).toBe(state.partitions[1]);
  });

  it('returns the same state when no clause names the column', () => {
    expect(renameColumnInState(state, 'note', 'remark')).toBe(state);
  });

  it('a name with a double quote in it', () => {
    const q: TableState = { ...state, partitionBy: 'PARTITION BY RANGE ("a""b")', partitions: [] };
    expect(renameColumnInState(q, 'a"b', 'c').partitionBy).toBe('PARTITION BY RANGE ("c")');
  });
});

describe('fileTables reads what drizzle-kit writes for renamed columns and moved tables', () => {
  it('drizzle-kit 0.31 and 1.0 statements', () => {
    const text = [
      'ALTER TABLE "events" RENAME COLUMN "at" TO "placed_at";',
      'ALTER TABLE "app"."logs" RENAME COLUMN "a""b" TO "c";',
      'ALTER TABLE "events" SET SCHEMA "app";',
      'ALTER TABLE "app"."logs" SET SCHEMA public;',
    ].join('\n--> statement-breakpoint\n');
    const f = fileTables(text);
    expect(f.renamedColumns).toEqual([
      { table: { schema: undefined, name: 'events' }, from: 'at', to: 'placed_at' },
      { table: { schema: 'app', name: 'logs' }, from: 'a"b', to: 'c' },
    ]);
    expect(f.moved).toEqual([
      { table: { schema: undefined, name: 'events' }, toSchema: 'app' },
      { table: { schema: 'app', name: 'logs' }, toSchema: 'public' },
    ]);
  });
});
