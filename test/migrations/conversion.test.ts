/**
 * A plain table the schema now declares partitioned (or a partitioned one declared
 * plain again): the diff records the conversion instead of refusing it, writes no DDL
 * for the table (a comment and a notice in its place), and a later migration that
 * changes the table's partitions starts with a guard that stops it while the table is
 * still plain.
 */
import { integer, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { getPartitioning, partitioned, pgPartitionedTable, range } from '../../src/index.js';
import { diffMigration, type CurrentTable } from '../../src/migrations/diff.js';
import { fileTables } from '../../src/migrations/sql-file.js';
import { migrationState, parseState, sameState, serializeState, tableState, type TableState } from '../../src/migrations/state.js';

const events = (months: string[]) =>
  pgPartitionedTable('events', { id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() }, undefined, (t) =>
    range(t.at, { partitions: months.map((m) => ({ from: `2026-${m}-01`, to: `2026-${String(Number(m) + 1).padStart(2, '0')}-01` })) }),
  );
const current = (months: string[]): Map<string, CurrentTable> => {
  const p = getPartitioning(events(months))!;
  return new Map([['public.events', { partitioning: p, state: tableState(p) }]]);
};
const NO_FILE = fileTables('');
const converted = (migration: string): Map<string, TableState> => {
  const st = current(['01']).get('public.events')!.state;
  return new Map([['public.events', { ...st, conversion: { direction: 'to-partitioned', migration } }]]);
};

describe('plain -> partitioned', () => {
  it('records the table partitioned, marked converted by this migration, with a comment in place of DDL', () => {
    const r = diffMigration({ migration: '0001_convert', prev: new Map(), current: current(['01']), file: NO_FILE, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.trailing).toEqual([]);
    expect(r.edits).toEqual([]);
    expect(r.guards).toEqual([]);
    const st = r.next.get('public.events')!;
    expect(st.conversion).toEqual({ direction: 'to-partitioned', migration: '0001_convert' });
    expect(st.partitions.map((p) => p.name)).toEqual(['events_p20260101', 'events_default']);
    expect(r.conversions).toHaveLength(1);
    expect(r.conversions[0]).toContain('-- drizzle-partitions: "public"."events" becomes partitioned online: run drizzle-partitions convert apply --table public.events\n');
    expect(r.conversions[0]).toMatch(/^DO \$drizzle_partitions\$ BEGIN RAISE NOTICE '%', 'drizzle-partitions: "public"."events" becomes partitioned online: .*'; END \$drizzle_partitions\$;$/m);
    expect(r.conversionSentences).toEqual(['"public"."events" becomes partitioned online: run drizzle-partitions convert apply --table public.events']);
  });

  it('drizzle-kit statements for the table in the same migration stay as written (they run on the plain table, before convert apply)', () => {
    const file = fileTables('ALTER TABLE "events" ADD COLUMN "note" text;');
    const r = diffMigration({ migration: '0001_convert', prev: new Map(), current: current(['01']), file, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.replacements).toEqual([]);
    expect(r.next.get('public.events')!.conversion?.direction).toBe('to-partitioned');
  });

  it('a table renamed by this migration from a plain one is converted under its new name', () => {
    const file = fileTables('ALTER TABLE "log" RENAME TO "events";');
    const r = diffMigration({ migration: '0001_convert', prev: new Map(), current: current(['01']), file, tablesBefore: new Set(['public.log']), opts: {} });
    expect(r.conversionSentences[0]).toContain('--table public.events');
  });

  it('a table no migration created and that did not exist is still refused', () => {
    expect(() => diffMigration({ migration: '0001', prev: new Map(), current: current(['01']), file: NO_FILE, tablesBefore: new Set(), opts: {} })).toThrow(/TABLE_MISSING_FROM_MIGRATION|neither created/);
  });
});

describe('later migrations of a converted table', () => {
  it('a partition added gets the guard first, and the state keeps the marker', () => {
    const r = diffMigration({ migration: '0002_more', prev: converted('0001_convert'), current: current(['01', '02']), file: NO_FILE, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.guards).toEqual([
      `DO $drizzle_partitions$ BEGIN IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('"events"')) IS DISTINCT FROM 'p' THEN RAISE EXCEPTION '%', 'drizzle-partitions: table public.events is not partitioned yet: run drizzle-partitions convert apply --table public.events, then migrate again'; END IF; END $drizzle_partitions$;`,
    ]);
    expect(r.trailing.join('\n')).toContain('CREATE TABLE "events_p20260201" PARTITION OF "events"');
    expect(r.next.get('public.events')!.conversion).toEqual({ direction: 'to-partitioned', migration: '0001_convert' });
    expect(r.conversions).toEqual([]);
  });

  it('a partition removed gets the guard too; a migration that leaves the partitions alone gets none', () => {
    const removed = diffMigration({ migration: '0002', prev: converted('0001'), current: current([]), file: NO_FILE, tablesBefore: new Set(['public.events']), opts: {} });
    expect(removed.guards).toHaveLength(1);
    expect(removed.trailing.join('\n')).toContain('DETACH PARTITION');
    const same = diffMigration({ migration: '0002', prev: converted('0001'), current: current(['01']), file: fileTables('ALTER TABLE "events" ADD COLUMN "note" text;'), tablesBefore: new Set(['public.events']), opts: {} });
    expect(same.guards).toEqual([]);
    expect(same.trailing).toEqual([]);
  });

  it('a table moved to another schema: its partitions follow it after the guard', () => {
    const file = fileTables('ALTER TABLE "events" SET SCHEMA "app";');
    const app = getPartitioning(partitioned(pgSchema('app').table('events', { id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() }), (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] })))!;
    const r = diffMigration({ migration: '0002', prev: converted('0001'), current: new Map([['app.events', { partitioning: app, state: tableState(app) }]]), file, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.guards).toHaveLength(1);
    expect(r.guards[0]).toContain(`to_regclass('"events"')`);
    expect(r.trailing[0]).toBe('ALTER TABLE "events_p20260101" SET SCHEMA "app";');
  });

  it('the guard names the table as it is when the migration starts (before a rename)', () => {
    const file = fileTables('ALTER TABLE "events" RENAME TO "happenings";');
    const p = getPartitioning(pgPartitionedTable('happenings', { at: timestamp({ withTimezone: true }).notNull() }, undefined, (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01', name: 'events_p20260101' }, { from: '2026-02-01', to: '2026-03-01' }] })))!;
    const r = diffMigration({ migration: '0002', prev: converted('0001'), current: new Map([['public.happenings', { partitioning: p, state: tableState(p) }]]), file, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.guards).toHaveLength(1);
    expect(r.guards[0]).toContain(`to_regclass('"events"')`);
    expect(r.next.get('public.happenings')!.conversion?.migration).toBe('0001');
  });
});

describe('partitioned -> plain', () => {
  it('records the table among plainConversions, with a comment in place of DDL', () => {
    const prev = new Map([['public.events', current(['01']).get('public.events')!.state]]);
    const r = diffMigration({ migration: '0003_plain', prev, current: new Map(), file: NO_FILE, tablesBefore: new Set(['public.events']), opts: {} });
    expect(r.next.size).toBe(0);
    expect([...r.nextPlain.values()]).toEqual([{ schema: null, name: 'events', conversion: { direction: 'to-plain', migration: '0003_plain' } }]);
    expect(r.conversions[0]).toContain('-- drizzle-partitions: "public"."events" becomes a plain table again online: run drizzle-partitions convert apply --table public.events');
    expect(r.trailing).toEqual([]);
  });

  it('a dropped table leaves the list; one partitioned again leaves it for a to-partitioned marker', () => {
    const prevPlain = new Map([['public.events', { schema: null, name: 'events', conversion: { direction: 'to-plain' as const, migration: '0003' } }]]);
    const dropped = diffMigration({ migration: '0004', prev: new Map(), prevPlain, current: new Map(), file: fileTables('DROP TABLE "events" CASCADE;'), tablesBefore: new Set(['public.events']), opts: {} });
    expect(dropped.nextPlain.size).toBe(0);
    const again = diffMigration({ migration: '0004', prev: new Map(), prevPlain, current: current(['01']), file: NO_FILE, tablesBefore: new Set(['public.events']), opts: {} });
    expect(again.nextPlain.size).toBe(0);
    expect(again.next.get('public.events')!.conversion).toEqual({ direction: 'to-partitioned', migration: '0004' });
  });
});

describe('the state file', () => {
  it('round-trips the markers; a state with a marker is the same partitioning as one without', () => {
    const tables = [...converted('0001').values()];
    const plainConversions = [{ schema: 'app', name: 'logs', conversion: { direction: 'to-plain' as const, migration: '0003' } }];
    const text = serializeState(migrationState(tables, undefined, { plainConversions }));
    const back = parseState(text);
    expect(back).toEqual({ version: 1, tables, plainConversions });
    const bare = migrationState(tables.map(({ conversion: _, ...t }) => t));
    expect(sameState(back as ReturnType<typeof migrationState>, bare)).toBe(true);
    // a state without conversions serialises as it always did
    expect(serializeState(bare)).not.toContain('conversion');
  });

  it('refuses a malformed marker, naming it', () => {
    const bad = JSON.stringify({ version: 1, tables: [{ schema: null, name: 'events', partitionBy: 'PARTITION BY RANGE ("at")', partitions: [], conversion: { direction: 'sideways', migration: '1' } }] });
    expect(parseState(bad)).toMatch(/malformed conversion on table entry "events"/);
    expect(parseState(JSON.stringify({ version: 1, tables: [], plainConversions: [{ name: 'x' }] }))).toMatch(/malformed plainConversions entry/);
  });
});
