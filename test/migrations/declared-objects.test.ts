/**
 * Declared extensions and collations through the post-processor: the diff, the state
 * files (unchanged bytes when a project declares none; old files read as none), and
 * planPostprocess on a drizzle-kit 0.31 folder: created at the top of the migration
 * being processed, dropped at its end, a migration of its own when drizzle-kit wrote none.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { declaredObjectsOf, diffObjects, NO_OBJECTS, objectsState } from '../../src/migrations/declared-objects.js';
import { openLayout } from '../../src/migrations/open-layout.js';
import { planPostprocess, type PlanInput } from '../../src/migrations/postprocess.js';
import { migrationState, parseState, serializeState, stateObjects, type MigrationState } from '../../src/migrations/state.js';
import { commitWrites } from '../../src/migrations/write-files.js';
import { pgCollation, type PgCollation } from '../../src/schema/collation.js';
import { pgExtension, type PgExtension } from '../../src/schema/extension.js';
import { thrown } from '../support/errors.js';

const trgm = pgExtension('pg_trgm');
const ci = pgCollation('ci', { provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });

describe('diffObjects', () => {
  it('creates new declarations first, drops removed ones last, moves an extension to its new schema', () => {
    const d = diffObjects('0001_x', NO_OBJECTS, objectsState([trgm], [ci]));
    expect(d.leading).toEqual(['CREATE EXTENSION IF NOT EXISTS "pg_trgm";', `CREATE COLLATION IF NOT EXISTS "ci" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`]);
    expect(d.trailing).toEqual([]);
    const gone = diffObjects('0002_x', objectsState([trgm], [ci]), NO_OBJECTS);
    expect(gone.leading).toEqual([]);
    expect(gone.trailing).toEqual(['DROP COLLATION IF EXISTS "ci";', 'DROP EXTENSION IF EXISTS "pg_trgm";']);
    expect(gone.notes.join('\n')).toContain('refuses while');
    const moved = diffObjects('0003_x', objectsState([trgm], []), objectsState([pgExtension('pg_trgm', { schema: 'ext' })], []));
    expect(moved.leading).toEqual(['ALTER EXTENSION "pg_trgm" SET SCHEMA "ext";']);
    // no schema and schema public are the same place
    expect(diffObjects('0004_x', objectsState([trgm], []), objectsState([pgExtension('pg_trgm', { schema: 'public' })], [])).leading).toEqual([]);
  });

  it('refuses a collation whose definition changed, naming it and the fix', () => {
    const e = thrown(() => diffObjects('0005_x', objectsState([], [ci]), objectsState([], [pgCollation('ci', { provider: 'icu', locale: 'und-u-ks-level1', deterministic: false })])));
    expect(e.code).toBe('COLLATION_CHANGED');
    expect(e.message).toContain('0005_x: collation "public.ci" changes its definition from (icu, und-u-ks-level2, nondeterministic) to (icu, und-u-ks-level1, nondeterministic)');
    expect(e.hint).toContain('new name');
  });

  it('collects declarations from exports once each, and refuses two different ones under one name', () => {
    const found = declaredObjectsOf({ a: trgm, b: trgm, c: ci, d: { name: 'x' }, e: 'text' });
    expect(found.extensions).toEqual([trgm]);
    expect(found.collations).toEqual([ci]);
    const e = thrown(() => declaredObjectsOf({ a: ci, b: pgCollation('ci', { provider: 'icu', locale: 'und' }) }, 'drizzle.config.ts'));
    expect(e.code).toBe('DECLARATION_CONFLICT');
    expect(e.message).toContain('collation "public.ci"');
    expect(thrown(() => declaredObjectsOf({ a: trgm, b: pgExtension('pg_trgm', { schema: 'x' }) })).code).toBe('DECLARATION_CONFLICT');
  });
});

describe('state files', () => {
  it('write no extensions/collations keys when there are none, so existing state files stay byte for byte', () => {
    const text = serializeState(migrationState([]));
    expect(text).toBe('{\n  "version": 1,\n  "tables": []\n}\n');
    const parsed = parseState(text) as MigrationState;
    expect(stateObjects(parsed)).toEqual({ extensions: [], collations: [] });
    const full = serializeState(migrationState([], objectsState([trgm], [ci])));
    expect(JSON.parse(full)).toEqual({ version: 1, tables: [], extensions: [{ name: 'pg_trgm', schema: null }], collations: [{ schema: null, name: 'ci', provider: 'icu', locale: 'und-u-ks-level2', deterministic: false }] });
    expect(stateObjects(parseState(full) as MigrationState)).toEqual(objectsState([trgm], [ci]));
  });

  it('refuse malformed entries', () => {
    expect(parseState('{"version":1,"tables":[],"collations":[{"name":"ci","provider":"x","locale":"und","deterministic":true}]}')).toMatch(/malformed collation entry/);
    expect(parseState('{"version":1,"tables":[],"extensions":{}}')).toMatch(/malformed extension entry/);
  });
});

describe('planPostprocess with declarations (drizzle-kit 0.31 folder)', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });

  const write = (path: string, content: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  const snapshot = (n: number, tables: Record<string, unknown> = {}) => ({ id: `${n}`.padStart(8, '0') + '-0000-4000-8000-000000000000', prevId: n === 1 ? '00000000-0000-0000-0000-000000000000' : `${n - 1}`.padStart(8, '0') + '-0000-4000-8000-000000000000', version: '7', dialect: 'postgresql', tables, enums: {}, schemas: {}, sequences: {}, roles: {}, policies: {}, views: {}, _meta: { columns: {}, schemas: {}, tables: {} } });
  /** A folder with drizzle-kit's migrations `sqls` (tags 0000_m0, 0001_m1, …). */
  function folder(sqls: string[]): string {
    const out = join(mkdtempSync(join(realpathSync(tmpdir()), 'dp-objects-')), 'drizzle');
    dirs.push(dirname(out));
    const entries = sqls.map((_, idx) => ({ idx, version: '7', when: 1_767_225_600_000 + idx * 1000, tag: `000${idx}_m${idx}`, breakpoints: true }));
    write(join(out, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
    sqls.forEach((sql, idx) => {
      write(join(out, 'meta', `000${idx}_snapshot.json`), JSON.stringify(snapshot(idx + 1), null, 2));
      write(join(out, `000${idx}_m${idx}.sql`), sql);
    });
    return out;
  }
  function run(out: string, extensions: PgExtension[], collations: PgCollation[], extra: Partial<PlanInput> = {}) {
    const plan = planPostprocess({ layout: openLayout(out, { prefix: 'index', breakpoints: true }), tables: [], extensions, collations, now: new Date('2026-01-02T00:00:00Z'), ...extra });
    commitWrites(plan.writes);
    return plan;
  }
  const CREATE_USERS = 'CREATE TABLE "users" (\n\t"email" text COLLATE "ci"\n);\n';

  it('puts CREATE EXTENSION / COLLATION before drizzle-kit statements and records them', () => {
    const out = folder([CREATE_USERS]);
    const plan = run(out, [trgm], [ci]);
    expect(plan.report).toEqual([{ id: '0000_m0', action: 'rewritten', notes: ['create extension pg_trgm', 'create collation public.ci (icu, und-u-ks-level2, nondeterministic)'] }]);
    expect(readFileSync(join(out, '0000_m0.sql'), 'utf8')).toBe(
      `-- drizzle-partitions: partitioned DDL added\nCREATE EXTENSION IF NOT EXISTS "pg_trgm";--> statement-breakpoint\nCREATE COLLATION IF NOT EXISTS "ci" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);--> statement-breakpoint\n${CREATE_USERS}`,
    );
    const state = JSON.parse(readFileSync(join(out, 'meta', '_partitions', '0000_m0.json'), 'utf8'));
    expect(state.extensions).toEqual([{ name: 'pg_trgm', schema: null }]);
    // a rerun finds nothing to do
    expect(run(out, [trgm], [ci]).writes).toEqual([]);
  });

  it('a project without declarations writes the state it always wrote', () => {
    const out = folder([CREATE_USERS]);
    run(out, [], []);
    expect(readFileSync(join(out, 'meta', '_partitions', '0000_m0.json'), 'utf8')).toBe('{\n  "version": 1,\n  "tables": []\n}\n');
    expect(readFileSync(join(out, '0000_m0.sql'), 'utf8')).toBe(CREATE_USERS);
  });

  it('writes a migration of its own when only declarations changed, drops at the end of the one drizzle-kit wrote', () => {
    const out = folder([CREATE_USERS]);
    run(out, [], []);
    // only a declaration changed: drizzle-kit wrote nothing, so a migration of its own
    const added = run(out, [trgm], [], { name: 'objects' });
    expect(added.report).toEqual([{ id: '0001_objects', action: 'created', notes: ['create extension pg_trgm'] }]);
    expect(readFileSync(join(out, '0001_objects.sql'), 'utf8')).toBe('-- drizzle-partitions: partitioned DDL added\nCREATE EXTENSION IF NOT EXISTS "pg_trgm";');
    expect(JSON.parse(readFileSync(join(out, 'meta', '_partitions', '0001_objects.json'), 'utf8')).extensions).toEqual([{ name: 'pg_trgm', schema: null }]);
    expect(run(out, [trgm], []).writes).toEqual([]);
  });

  it('drops a removed declaration after the statements of the migration drizzle-kit wrote', () => {
    const out = folder([CREATE_USERS]);
    run(out, [trgm], [ci]);
    // drizzle-kit then writes a migration that drops the column using the collation
    const journal = JSON.parse(readFileSync(join(out, 'meta', '_journal.json'), 'utf8'));
    journal.entries.push({ idx: 1, version: '7', when: 1_767_225_601_000, tag: '0001_m1', breakpoints: true });
    write(join(out, 'meta', '_journal.json'), JSON.stringify(journal, null, 2));
    // (its snapshot differs from the previous one: not a custom migration)
    write(join(out, 'meta', '0001_snapshot.json'), JSON.stringify(snapshot(2, { 'public.users': { name: 'users', schema: '', columns: {}, indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, policies: {}, checkConstraints: {}, isRLSEnabled: false } }), null, 2));
    write(join(out, '0001_m1.sql'), 'ALTER TABLE "users" DROP COLUMN "email";');
    const plan = run(out, [], []);
    expect(plan.report[0]).toMatchObject({ id: '0001_m1', action: 'rewritten' });
    expect(readFileSync(join(out, '0001_m1.sql'), 'utf8')).toBe(
      '-- drizzle-partitions: partitioned DDL added\nALTER TABLE "users" DROP COLUMN "email";--> statement-breakpoint\nDROP COLLATION IF EXISTS "ci";--> statement-breakpoint\nDROP EXTENSION IF EXISTS "pg_trgm";',
    );
    // the state after it records none again: the keys are gone
    expect(readFileSync(join(out, 'meta', '_partitions', '0001_m1.json'), 'utf8')).toBe('{\n  "version": 1,\n  "tables": []\n}\n');
  });

  it('refuses a changed collation and writes nothing', () => {
    const out = folder([CREATE_USERS]);
    run(out, [], [ci]);
    const changed = pgCollation('ci', { provider: 'icu', locale: 'de-u-ks-level2', deterministic: false });
    const e = thrown(() => run(out, [], [changed]));
    expect(e.code).toBe('COLLATION_CHANGED');
    expect(e.message).toContain('(new migration after 0000_m0)');
  });
});
