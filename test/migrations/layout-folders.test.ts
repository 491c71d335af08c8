/**
 * drizzle-kit 1.0's folder layout as the post-processor reads it: which tables
 * drizzle-kit knew before each migration (replayed from the base snapshot and the
 * diff snapshots' deltas, merges included), which migrations are custom, and the
 * new folder it writes. The replay is checked against drizzle-kit 1.0's own
 * `reconstruct` (drizzle-kit/api-postgres from workspaces/drizzle-1).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFolderLayout } from '../../src/migrations/layout-folders.js';
import { openLayout } from '../../src/migrations/open-layout.js';
import { PostprocessError } from '../../src/errors.js';
import { DRIZZLE_1_MODULES } from '../support/project.js';

type Reconstruct = (files: Record<string, unknown>, id?: string) => Promise<{ ddl: { entityType: string; schema: string; name: string }[] }>;
const { reconstruct } = createRequire(import.meta.url)(join(DRIZZLE_1_MODULES, 'drizzle-kit', 'api-postgres.js')) as { reconstruct: Reconstruct };

const ROOT = '00000000-0000-0000-0000-000000000000';
const tbl = (schema: string, name: string) => ({ schema, name, isRlsEnabled: false, entityType: 'tables' });
const key = (schema: string, name: string) => `tables\u0000${JSON.stringify([schema, name])}`;
const base = (id: string, ddl: unknown[]) => ({ type: 'base', version: '9', dialect: 'postgres', id, prevIds: [ROOT], footprints: [], ddl });
const diff = (id: string, prevIds: string[], deltas: unknown[]) => ({ type: 'diff', version: '9', dialect: 'postgres', id, prevIds, footprints: [], deltas });
const uuid = (n: number) => `${String(n).repeat(8)}-${String(n).repeat(4)}-4${String(n).repeat(3)}-8${String(n).repeat(3)}-${String(n).repeat(12)}`;
const [A, B, C, D, E] = [1, 2, 3, 4, 5].map(uuid) as [string, string, string, string, string];

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A migrations folder holding these snapshots (and an empty migration.sql each). */
function outDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dp-layout-folders-'));
  dirs.push(dir);
  for (const [folder, snapshot] of Object.entries(files)) {
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, 'snapshot.json'), JSON.stringify(snapshot, null, 2));
    writeFileSync(join(dir, folder, 'migration.sql'), '');
  }
  return dir;
}

async function kitTables(files: Record<string, unknown>, id: string): Promise<string[]> {
  return (await reconstruct(files, id)).ddl.filter((e) => e.entityType === 'tables').map((e) => `${e.schema}.${e.name}`).sort();
}

const sorted = (s: ReadonlySet<string> | undefined) => [...(s ?? [])].sort();

/** Two branches from A (B renames t1 and adds t3; C drops app.t2 and adds t4), merged by D; E is custom. */
const BRANCHED = {
  '20260101000000_a': base(A, [{ name: 'app', entityType: 'schemas' }, tbl('public', 't1'), tbl('app', 't2')]),
  '20260101000001_b': diff(B, [A], [{ op: 'create', row: tbl('public', 't3') }, { op: 'rename', key: key('public', 't1'), set: { name: 't1r' } }]),
  '20260101000002_c': diff(C, [A], [{ op: 'create', row: tbl('public', 't4') }, { op: 'drop', key: key('app', 't2') }]),
  '20260101000003_d': diff(D, [B, C], [{ op: 'rename', key: key('public', 't4'), set: { schema: 'app' } }]),
  '20260101000004_e': diff(E, [D], []),
};

describe('openFolderLayout', () => {
  it('lists the folders that hold a snapshot.json, in the order the migrator applies them', () => {
    const dir = outDir(BRANCHED);
    mkdirSync(join(dir, '_drizzle_partitions')); // no snapshot.json: not a migration
    writeFileSync(join(dir, 'notes.md'), '');
    const layout = openLayout(dir, { prefix: 'index', breakpoints: true });
    expect(layout.kind).toBe('folders');
    expect(layout.migrations.map((m) => m.id)).toEqual(Object.keys(BRANCHED));
    expect(layout.migrations[1]).toEqual({ id: '20260101000001_b', sqlPath: join(dir, '20260101000001_b', 'migration.sql'), statePath: join(dir, '20260101000001_b', '_partitions.json') });
  });

  it("knows the tables drizzle-kit knew before each migration, as drizzle-kit 1.0's reconstruct does (branches and a merge)", async () => {
    const layout = openFolderLayout(outDir(BRANCHED));
    expect(sorted(layout.tablesBefore(0))).toEqual([]);
    // B and C both start from A
    expect(sorted(layout.tablesBefore(1))).toEqual(await kitTables(BRANCHED, A));
    expect(sorted(layout.tablesBefore(2))).toEqual(await kitTables(BRANCHED, A));
    // D starts from both branches: B's first, then what C's history adds
    const merged = sorted(layout.tablesBefore(3));
    expect(merged).toEqual(['public.t1r', 'public.t3', 'public.t4']);
    expect(sorted(layout.tablesBefore(4))).toEqual(await kitTables(BRANCHED, D));
    expect(sorted(layout.tablesBefore(5))).toEqual(await kitTables(BRANCHED, E));
    expect(sorted(layout.tablesBefore(5))).toEqual(['app.t4', 'public.t1r', 'public.t3']);
  });

  it('a diff without deltas (generate --custom) is custom; so is a base without ddl; drizzle-generated ones are not', () => {
    const layout = openFolderLayout(outDir(BRANCHED));
    expect([0, 1, 2, 3, 4].map((i) => layout.isCustom(i))).toEqual([false, false, false, false, true]);
    const first = openFolderLayout(outDir({ '20260101000000_seed': base(A, []) }));
    expect(first.isCustom(0)).toBe(true);
  });

  it('plans a new folder as drizzle-kit would: a diff child of every leaf, a second after the newest parent', () => {
    const dir = outDir(BRANCHED);
    const layout = openFolderLayout(dir);
    const { migration, writes } = layout.planNewMigration('partitions', 'SELECT 1;', new Date(Date.UTC(2025, 0, 1)));
    expect(migration.id).toBe('20260101000005_partitions');
    expect(writes.map((w) => w.path)).toEqual([join(dir, migration.id, 'migration.sql'), join(dir, migration.id, 'snapshot.json')]);
    const snapshot = JSON.parse(writes[1]!.content) as Record<string, unknown>;
    expect(snapshot).toEqual({ type: 'diff', version: '9', dialect: 'postgres', id: expect.any(String), prevIds: [E], footprints: [], deltas: [] });
    expect(snapshot.id).not.toBe(E);
    // now is later than every parent: the folder is named after now (UTC)
    expect(layout.planNewMigration('later', '', new Date(Date.UTC(2026, 10, 21, 10, 11, 12))).migration.id).toBe('20261121101112_later');
  });

  it('with two leaves the new folder merges them, and never reuses an existing folder name', () => {
    const files = { '20260101000000_a': BRANCHED['20260101000000_a'], '20260101000001_b': BRANCHED['20260101000001_b'], '20260101000002_c': BRANCHED['20260101000002_c'] };
    const dir = outDir(files);
    const layout = openFolderLayout(dir);
    const { migration, writes } = layout.planNewMigration('partitions', '', new Date(Date.UTC(2025, 0, 1)));
    expect(migration.id).toBe('20260101000003_partitions');
    expect((JSON.parse(writes[1]!.content) as { prevIds: string[] }).prevIds.sort()).toEqual([B, C].sort());
    expect(sorted(layout.tablesBefore(3))).toEqual(['public.t1r', 'public.t3', 'public.t4']);
    mkdirSync(join(dir, '20260101000003_partitions'));
    expect(layout.planNewMigration('partitions', '', new Date(Date.UTC(2025, 0, 1))).migration.id).toBe('20260101000004_partitions');
  });

  it('refuses snapshots it cannot follow', () => {
    expect(() => openFolderLayout(outDir({ '20260101000000_a': { id: A, dialect: 'postgresql' } }))).toThrow(PostprocessError);
    const orphan = openFolderLayout(outDir({ '20260101000000_a': base(A, []), '20260101000001_b': diff(B, [C], []) }));
    expect(() => orphan.tablesBefore(1)).toThrow(/names parent snapshot 3{8}/);
    expect(() => openFolderLayout(outDir({ '20260101000000_a': base(A, []), '20260101000001_b': base(A, []) }))).toThrow(/same id/);
  });
});
