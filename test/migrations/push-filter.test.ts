/**
 * partitionsTablesFilter / pushWarnings (src/migrations/push-filter.ts): the filter keeps
 * every partition out by drizzle-kit's own tablesFilter rule (0.31 and 1.0 share it), and
 * the warning fires exactly when the config's filter lets push see a partition.
 */
import { bigint, integer, text, timestamp } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { getPartitioning, hash, list, pgPartitionedTable, range } from '../../src/index.js';
import { partitionsTablesFilter, pushWarnings, tablesFilterAdmits } from '../../src/migrations/push-filter.js';

const events = getPartitioning(
  pgPartitionedTable('events', { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() }, (t) =>
    range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }, { from: '2026-02-01', to: '2026-03-01', name: 'feb_2026', partitionBy: hash(t.id, { partitions: 2 }) }] }),
  ),
)!;
const tenants = getPartitioning(pgPartitionedTable('tenants', { id: integer().notNull(), region: text().notNull() }, (t) => list(t.region, { partitions: [{ values: ['eu'] }], default: false })))!;

describe('tablesFilterAdmits: drizzle-kit’s rule', () => {
  it.each([
    [undefined, 'events_p1', true],
    [[], 'events_p1', true],
    [['*', '!events_*'], 'events', true],
    [['*', '!events_*'], 'events_p20260101', false],
    [['!events_*'], 'users', true],
    [['users'], 'events_p1', false],
    [['events*'], 'events_default', true],
    [['*', '!{events,tenants}_*'], 'tenants_eu', false],
    [['*', '!events_p2026??01'], 'events_p20260101', false],
    [['*', '!events_p[0-9]*'], 'events_default', true],
    [['*', '!!events_*'], 'events_p1', true],
    [['*', '!events\\_*'], 'events_p1', false],
  ] as const)('%j admits %s: %s', (filter, name, admitted) => {
    expect(tablesFilterAdmits(filter as readonly string[] | undefined, name)).toBe(admitted);
  });
});

describe('partitionsTablesFilter', () => {
  it('excludes <table>_* per table, keeps the rest and the parents', () => {
    const f = partitionsTablesFilter(['events', 'sessions']);
    expect(f).toEqual(['*', '!events_*', '!sessions_*']);
    expect(['users', 'events', 'sessions'].filter((n) => tablesFilterAdmits(f, n))).toEqual(['users', 'events', 'sessions']);
  });

  it('given a partitioning, also excludes declared partitions named outside <table>_* (sub-partitions too)', () => {
    const f = partitionsTablesFilter([events, tenants], ['*', '!tmp_*']);
    expect(f).toEqual(['*', '!tmp_*', '!events_*', '!feb_2026', '!feb_2026_h2_0', '!feb_2026_h2_1', '!tenants_*']);
    for (const n of ['events_p20260101', 'events_default', 'feb_2026', 'feb_2026_h2_1', 'tenants_eu', 'tmp_x']) expect(tablesFilterAdmits(f, n), n).toBe(false);
  });
});

describe('pushWarnings', () => {
  it('no partitioned table, or a filter that keeps every partition out: no warning', () => {
    expect(pushWarnings({ configFile: 'c.ts' }, [])).toEqual([]);
    expect(pushWarnings({ configFile: 'c.ts', tablesFilter: partitionsTablesFilter([events, tenants]) }, [events, tenants])).toEqual([]);
    expect(pushWarnings({ configFile: 'c.ts', tablesFilter: ['users'] }, [events])).toEqual([]);
  });

  it('a schemaFilter that leaves out the schema of the table: push and pull do not look there, no warning', () => {
    expect(pushWarnings({ configFile: 'c.ts', schemaFilter: ['app'] }, [events])).toEqual([]);
    expect(pushWarnings({ configFile: 'c.ts', schemaFilter: ['public'] }, [events])).toHaveLength(1);
  });

  it('no filter: names the config, the tables, some partitions and the fix', () => {
    const [w, ...rest] = pushWarnings({ configFile: '/app/drizzle.config.ts' }, [events, tenants]);
    expect(rest).toEqual([]);
    expect(w).toContain('/app/drizzle.config.ts: drizzle-kit push and pull (0.31 and 1.0) would see the partitions of events, tenants (events_p20260101, feb_2026, feb_2026_h2_0, … 6 declared)');
    expect(w).toContain("add tablesFilter: partitionsTablesFilter(['events', 'tenants'])");
  });

  it('a filter that misses some partitions: warns for those tables only, and says what to add', () => {
    // '!events_*' misses feb_2026 and its sub-partitions; tenants is not guarded at all
    const [w] = pushWarnings({ configFile: 'c.ts', tablesFilter: ['*', '!events_*'] }, [events, tenants]);
    expect(w).toContain('would see the partitions of events, tenants (feb_2026, feb_2026_h2_0, feb_2026_h2_1, … 4 declared)');
    expect(w).toContain("add '!events_*', '!tenants_*' to its tablesFilter (or build it with partitionsTablesFilter(['events', 'tenants']))");
  });

  it('a table without declared partitions is still warned about: maintenance creates <table>_p… partitions', () => {
    const bare = getPartitioning(pgPartitionedTable('logs', { at: timestamp().notNull() }, (t) => range(t.at, { default: false })))!;
    expect(pushWarnings({ configFile: 'c.ts', tablesFilter: ['*'] }, [bare])[0]).toContain('would see the partitions of logs as plain tables');
    expect(pushWarnings({ configFile: 'c.ts', tablesFilter: ['*', '!logs_*'] }, [bare])).toEqual([]);
  });
});
