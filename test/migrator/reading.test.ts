/**
 * The migrator reads a migrations folder as drizzle-orm's migrators do (0.45 for the
 * journal layout, 1.0 for folders: same order, hash, created_at, name), splits and
 * recognises statements, finds what is pending as drizzle does, and knows what each
 * server version cannot run. No database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrationFiles as readOrm045 } from 'drizzle-orm/migrator';
import { requireServerVersionSql } from '../../src/ddl/partition-ddl.js';
import { MigratorError } from '../../src/errors.js';
import { pendingMigrations, type BookkeepingRow } from '../../src/migrator/bookkeeping.js';
import { readMigrationFolder, splitStatements } from '../../src/migrator/files.js';
import { isNoTransaction } from '../../src/migrations/sql-file.js';
import { migrate } from '../../src/migrator/index.js';
import { recognise, statementTable, versionNeeds } from '../../src/migrator/statements.js';
import { DRIZZLE_1_MODULES } from '../support/project.js';
import { BREAK, writeFolder } from './folders.js';

const SQL_A = 'CREATE TABLE "a" ("id" int);';
const SQL_B = `-- drizzle-partitions: no-transaction${BREAK}CREATE INDEX CONCURRENTLY "a_id_idx" ON "a" USING btree ("id");${BREAK}ALTER TABLE "a" ADD CONSTRAINT "a_c" CHECK (id > 0) NOT VALID;`;

function caught(fn: () => unknown): MigratorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MigratorError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('reading a migrations folder', () => {
  it('journal layout: the order, hash and created_at drizzle-orm 0.45 uses', () => {
    const dir = writeFolder('journal', [
      { id: '0000_a', sql: SQL_A, when: 1767225600123 },
      { id: '0001_b', sql: `${SQL_B}\n-- é ünïcode`, when: 1767225700456 },
    ]);
    const ours = readMigrationFolder(dir);
    const orm = readOrm045({ migrationsFolder: dir });
    expect(ours.layout).toBe('journal');
    expect(ours.migrations.map((m) => [m.hash, m.createdAt])).toEqual(orm.map((m) => [m.hash, m.folderMillis]));
    expect(ours.migrations.map((m) => m.id)).toEqual(['0000_a', '0001_b']);
    rmSync(dir, { recursive: true });
  });

  it('folders: the order, hash, created_at and name drizzle-orm 1.0 uses', async () => {
    const dir = writeFolder('folders', [
      { id: '20260102030405_b', sql: SQL_B },
      { id: '20260101000000_a', sql: SQL_A },
    ]);
    const orm1 = (await import(join(DRIZZLE_1_MODULES, 'drizzle-orm', 'migrator.js'))) as { readMigrationFiles(c: { migrationsFolder: string }): { hash: string; folderMillis: number; name: string }[] };
    const ours = readMigrationFolder(dir);
    expect(ours.layout).toBe('folders');
    expect(ours.migrations.map((m) => [m.id, m.hash, m.createdAt])).toEqual(orm1.readMigrationFiles({ migrationsFolder: dir }).map((m) => [m.name, m.hash, m.folderMillis]));
    expect(ours.migrations[0]!.createdAt).toBe(Date.UTC(2026, 0, 1, 0, 0, 0));
    rmSync(dir, { recursive: true });
  });

  it('MIGRATIONS_NOT_FOUND, MIGRATION_SQL_MISSING and JOURNAL_UNREADABLE name the folder or file', () => {
    const missing = join(tmpdir(), 'dp-migrator-does-not-exist');
    expect(caught(() => readMigrationFolder(missing))).toMatchObject({ code: 'MIGRATIONS_NOT_FOUND', message: expect.stringContaining(missing) });
    const empty = mkdtempSync(join(tmpdir(), 'dp-migrator-'));
    expect(caught(() => readMigrationFolder(empty)).code).toBe('MIGRATIONS_NOT_FOUND');
    const dir = writeFolder('journal', [{ id: '0000_a', sql: SQL_A }]);
    rmSync(join(dir, '0000_a.sql'));
    expect(caught(() => readMigrationFolder(dir))).toMatchObject({ code: 'MIGRATION_SQL_MISSING', message: expect.stringContaining('0000_a.sql') });
    writeFileSync(join(dir, 'meta', '_journal.json'), '{ not json');
    expect(caught(() => readMigrationFolder(dir))).toMatchObject({ code: 'JOURNAL_UNREADABLE', message: expect.stringContaining('_journal.json') });
    rmSync(dir, { recursive: true });
    rmSync(empty, { recursive: true });
  });
});

describe('statements', () => {
  it('splits on drizzle breakpoints, dropping pieces that hold only comments; the marker line makes a migration run outside a transaction', () => {
    expect(splitStatements(SQL_B)).toHaveLength(2);
    expect(isNoTransaction(SQL_B)).toBe(true);
    expect(isNoTransaction(`${SQL_A}\n-- drizzle-partitions: no-transaction please`)).toBe(false);
    expect(isNoTransaction(SQL_A)).toBe(false);
  });

  it('recognises the statements it makes rerunnable, with quoted and bare names', () => {
    expect(recognise('\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Ev""idx" ON "app"."events" USING btree ("id","at");')).toEqual({
      kind: 'create-index-concurrently', unique: true, name: 'Ev"idx', table: { schema: 'app', name: 'events' }, rest: ' USING btree ("id","at");',
    });
    expect(recognise('create index concurrently on Events (at)')).toMatchObject({ kind: 'create-index-concurrently', name: undefined, table: { name: 'events' } });
    expect(recognise('DROP INDEX CONCURRENTLY IF EXISTS "app"."i";')).toEqual({ kind: 'drop-index-concurrently', ifExists: true, index: { schema: 'app', name: 'i' }, rest: ';' });
    expect(recognise('ALTER TABLE ONLY "t" ADD CONSTRAINT "c" CHECK (x > 0) NOT VALID;')).toEqual({ kind: 'add-constraint', table: { name: 't' }, name: 'c' });
    expect(recognise('ALTER TABLE "t" DETACH PARTITION "t_p1" CONCURRENTLY;')).toEqual({ kind: 'detach-concurrently', parent: { name: 't' }, partition: { name: 't_p1' } });
    expect(recognise('ALTER TABLE "app"."T" VALIDATE CONSTRAINT "c""1";')).toEqual({ kind: 'validate-constraint', table: { schema: 'app', name: 'T' }, name: 'c"1' });
    expect(recognise('CREATE INDEX "i" ON "t" ("a");')).toEqual({ kind: 'other' });
    expect(statementTable('ALTER TABLE IF EXISTS "s"."t" ADD COLUMN "x" int;')).toEqual({ schema: 's', name: 't' });
  });

  it('knows what each server version cannot run, including the guards this package writes', () => {
    expect(versionNeeds('ALTER TABLE "t" DETACH PARTITION "p" CONCURRENTLY;')).toEqual([{ versionNum: 140000, what: 'DETACH PARTITION ... CONCURRENTLY' }]);
    expect(versionNeeds('ALTER TABLE "t" ADD CONSTRAINT "u" UNIQUE NULLS NOT DISTINCT ("a");')).toEqual([{ versionNum: 150000, what: 'NULLS NOT DISTINCT' }]);
    expect(versionNeeds(requireServerVersionSql(170000, 'identity columns on partitioned table "public.events"'))).toEqual([{ versionNum: 170000, what: 'identity columns on partitioned table "public.events"' }]);
    expect(versionNeeds('-- DETACH PARTITION p CONCURRENTLY in a comment\nCREATE TABLE "x" (id int);')).toEqual([]);
  });
});

describe('what is pending', () => {
  const m = (id: string, createdAt: number) => ({ id, sqlPath: '', sql: '', hash: id, createdAt });
  const local = [m('0000_a', 1000), m('0001_b', 2000), m('0002_c', 3000)];
  const row = (id: number, createdAt: number | null, name: string | null = null): BookkeepingRow => ({ id, hash: 'h', createdAt, name });

  it('journal (drizzle-orm 0.45): what is later than the latest created_at, even when an earlier one is missing', () => {
    expect(pendingMigrations('journal', local, []).map((x) => x.id)).toEqual(['0000_a', '0001_b', '0002_c']);
    expect(pendingMigrations('journal', local, [row(1, 2000)]).map((x) => x.id)).toEqual(['0002_c']);
    expect(pendingMigrations('journal', local, [row(1, 3000)])).toEqual([]);
  });

  it('folders (drizzle-orm 1.0): every migration whose name no row has', () => {
    expect(pendingMigrations('folders', local, [row(1, 3000, '0002_c'), row(2, 1000, '0000_a')]).map((x) => x.id)).toEqual(['0001_b']);
  });
});

describe('options', () => {
  it('MIGRATOR_OPTION_INVALID before anything is read or connected', async () => {
    await expect(migrate({}, { migrationsFolder: '' })).rejects.toMatchObject({ code: 'MIGRATOR_OPTION_INVALID' });
    await expect(migrate({}, { migrationsFolder: './drizzle', migrationsTable: 'x'.repeat(64) })).rejects.toMatchObject({ code: 'MIGRATOR_OPTION_INVALID', message: expect.stringContaining('migrationsTable') });
    await expect(migrate({}, { migrationsFolder: './drizzle', transaction: 'some' as never })).rejects.toMatchObject({ code: 'MIGRATOR_OPTION_INVALID' });
  });
});
