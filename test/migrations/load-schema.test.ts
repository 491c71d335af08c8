/**
 * loadSchema on throwaway projects under the OS temp dir, laid out like a user's:
 * node_modules holds the repo's packages and `drizzle-partitions` (a link to this
 * repo, whose package.json points at dist/ — `npm test` builds it first). Schema
 * files import both by name, so they resolve from the schema file, and the tables
 * they define come from the built CommonJS copy while the test reads them with the
 * ESM source. No database.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPartitioning, isPartitionedTable } from '../../src/index.js';
import { partitionedTablesOf } from '../../src/migrations/index.js';
import { ConfigError } from '../../src/errors.js';
import { loadSchema, resolveSchemaFiles } from '../../src/project/load-schema.js';
import { configError } from '../support/expect-config-error.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const projects: string[] = [];

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'dist/cjs/index.js')) || !existsSync(join(repoRoot, 'dist/esm/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  }
});

/**
 * A temp project: a node_modules DIRECTORY with a link to each of the repo's
 * packages plus `drizzle-partitions` -> the repo, and `files` written.
 */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'dp-schema-'));
  projects.push(dir);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(repoRoot, 'node_modules'))) {
    if (!name.startsWith('.')) symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name), 'dir');
  }
  symlinkSync(repoRoot, join(modules, 'drizzle-partitions'), 'dir');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

afterAll(() => {
  for (const dir of projects) {
    const modules = join(dir, 'node_modules');
    // remove the links one by one: never anything they point at
    for (const name of readdirSync(modules)) if (lstatSync(join(modules, name)).isSymbolicLink()) unlinkSync(join(modules, name));
    rmSync(dir, { recursive: true, force: true });
  }
});


const EVENTS = `
import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

export const events = pgPartitionedTable(
  'events',
  { id: bigint({ mode: 'number' }).notNull(), createdAt: timestamp('created_at', { withTimezone: true }).notNull(), kind: text() },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
  (t) => range(t.createdAt, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }),
);
`;
const USERS = `
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: integer().primaryKey(), name: text() });
`;

describe('resolveSchemaFiles', () => {
  const layout = {
    'src/db/events.ts': EVENTS,
    'src/db/users.ts': USERS,
    'src/db/.draft.ts': 'throw new Error("dotfiles are skipped");',
    'src/db/types.d.ts': 'export type X = 1;',
    'src/db/README.md': '# not a schema',
    'src/db/legacy/orders.ts': 'export const orders = 1;',
    'src/other/tags.mts': 'export const tags = 1;',
    'src/other/ids.cjs': 'exports.ids = 1;',
  };

  it('expands globs (no dotfiles, schema extensions only), relative to cwd', async () => {
    const dir = project(layout);
    expect(await resolveSchemaFiles({ schema: ['./src/db/*.ts'], cwd: dir })).toEqual([join(dir, 'src/db/events.ts'), join(dir, 'src/db/users.ts')]);
    expect(await resolveSchemaFiles({ schema: 'src/**/*.{ts,mts,cjs}', cwd: dir })).toEqual([
      join(dir, 'src/db/events.ts'),
      join(dir, 'src/db/legacy/orders.ts'),
      join(dir, 'src/db/users.ts'),
      join(dir, 'src/other/ids.cjs'),
      join(dir, 'src/other/tags.mts'),
    ]);
    expect(await resolveSchemaFiles({ schema: [join(dir, 'src/other/*')], cwd: tmpdir() })).toEqual([
      join(dir, 'src/other/ids.cjs'),
      join(dir, 'src/other/tags.mts'),
    ]);
  });

  it('takes a directory one level deep, like drizzle-kit', async () => {
    const dir = project(layout);
    expect(await resolveSchemaFiles({ schema: ['./src/db'], cwd: dir })).toEqual([join(dir, 'src/db/events.ts'), join(dir, 'src/db/users.ts')]);
    expect(await resolveSchemaFiles({ schema: ['src/db/'], cwd: dir })).toEqual([join(dir, 'src/db/events.ts'), join(dir, 'src/db/users.ts')]);
    // a glob matching directories expands each of them one level (glob 8 + readdir in drizzle-kit)
    expect(await resolveSchemaFiles({ schema: ['src/*'], cwd: dir })).toEqual([
      join(dir, 'src/db/events.ts'),
      join(dir, 'src/db/users.ts'),
      join(dir, 'src/other/ids.cjs'),
      join(dir, 'src/other/tags.mts'),
    ]);
  });

  it('takes files as written, in pattern order, once each', async () => {
    const dir = project({ ...layout, 'src/app/(db)/[id].ts': 'export const x = 1;' });
    expect(await resolveSchemaFiles({ schema: ['./src/db/users.ts', 'src/db', 'src/app/(db)/[id].ts'], cwd: dir })).toEqual([
      join(dir, 'src/db/users.ts'),
      join(dir, 'src/db/events.ts'),
      join(dir, 'src/app/(db)/[id].ts'),
    ]);
  });

  it('SCHEMA_NOT_FOUND names the patterns when nothing matches', async () => {
    const dir = project(layout);
    const e = await configError(resolveSchemaFiles({ schema: ['./src/schema.ts', 'src/db/*.md'], cwd: dir }));
    expect(e.code).toBe('SCHEMA_NOT_FOUND');
    expect(e.message).toContain('"./src/schema.ts", "src/db/*.md"');
    expect(e.message).toContain(dir);
    const none = await configError(loadSchema({ schema: [], cwd: dir }));
    expect(none.code).toBe('SCHEMA_NOT_FOUND');
  });
});

describe('loadSchema', () => {
  it('loads the files with tsx and collects their exports; a partitioned table is recognised by getPartitioning', async () => {
    const dir = project({ 'src/db/events.ts': EVENTS, 'src/db/users.ts': USERS });
    const { files, exports } = await loadSchema({ schema: ['./src/db'], cwd: dir });
    expect(files).toEqual([join(dir, 'src/db/events.ts'), join(dir, 'src/db/users.ts')]);
    expect(Object.keys(exports)).toEqual(['events', 'users']);

    // The table was made by the project's drizzle-partitions (dist/cjs, through
    // `require`); getPartitioning here is the ESM source: both use Symbol.for keys.
    expect(exports.events instanceof PgTable).toBe(false); // another copy of drizzle-orm: the project's CommonJS one
    expect(is(exports.events, PgTable)).toBe(true);
    expect(isPartitionedTable(exports.events)).toBe(true);
    expect(isPartitionedTable(exports.users)).toBe(false);
    const p = getPartitioning(exports.events);
    expect(p?.method).toBe('range');
    expect(p?.table).toEqual({ schema: undefined, name: 'events' });
    expect(p?.partitions.map((x) => x.name)).toEqual(['events_p20260101', 'events_default']);
    expect([...partitionedTablesOf(exports).keys()]).toEqual(['["public","events"]']);

    const dist = (await import(join(repoRoot, 'dist/esm/index.js'))) as typeof import('../../src/index.js');
    expect(dist.getPartitioning(exports.events)?.method).toBe('range');
  });

  it('loads ESM schemas of a "type": "module" project and .mts/.cjs files', async () => {
    const dir = project({
      'package.json': JSON.stringify({ type: 'module' }),
      'schema/events.ts': EVENTS,
      'schema/users.mts': USERS,
      'schema/ids.cjs': 'exports.ids = { n: 1 };',
    });
    const { exports } = await loadSchema({ schema: 'schema', cwd: dir });
    expect(Object.keys(exports)).toEqual(['events', 'ids', 'users']);
    expect(getPartitioning(exports.events)?.method).toBe('range');
  });

  it('evaluates a file imported by another once; a value exported twice appears once', async () => {
    const dir = project({
      'db/index.ts': `export * from './users';\nexport { users as people } from './users';\nexport const count = 1;\n`,
      'db/users.ts': USERS,
    });
    const { files, exports } = await loadSchema({ schema: ['db/*.ts'], cwd: dir });
    expect(files).toEqual([join(dir, 'db/index.ts'), join(dir, 'db/users.ts')]);
    // a file's exports come in esbuild's CommonJS order (alphabetical), as drizzle-kit sees them
    expect(Object.keys(exports)).toEqual(['count', 'people']);
    expect(getPartitioning(exports.people)).toBeUndefined();
  });

  it('disambiguates a name two files use for different values: name, name$2', async () => {
    const table = (name: string) => `import { integer, pgTable } from 'drizzle-orm/pg-core';\nexport const t = pgTable('${name}', { id: integer() });\n`;
    const dir = project({
      'a.ts': `${table('a')}export default t;\n`,
      'b.ts': table('b'),
      'c.ts': `${table('c')}export default pgTable('d', { id: integer() });\n`,
    });
    const { exports } = await loadSchema({ schema: ['a.ts', 'b.ts', 'c.ts'], cwd: dir });
    // a.ts's t is its default (one value, first name); b.ts's t then takes the free name
    expect(Object.keys(exports)).toEqual(['default', 't', 'default$2', 't$2']);
    const name = (x: unknown) => (x as { [k: symbol]: unknown })[Symbol.for('drizzle:Name')];
    expect(Object.values(exports).map(name)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('SCHEMA_LOAD_FAILED names the file that throws and keeps the error as cause', async () => {
    const dir = project({
      'db/a.ts': USERS,
      'db/b.ts': `import './c';\nexport const b = 1;\n`,
      'db/c.ts': `throw new Error('no DATABASE_URL');\n`,
    });
    const e = await configError(loadSchema({ schema: ['db/a.ts', 'db/b.ts'], cwd: dir }));
    expect(e.code).toBe('SCHEMA_LOAD_FAILED');
    expect(e.file).toBe(join(dir, 'db/b.ts'));
    expect(e.message).toContain(`schema file "${join(dir, 'db/b.ts')}" failed to load: no DATABASE_URL`);
    expect((e.cause as Error).message).toBe('no DATABASE_URL');
  });

  it('SCHEMA_LOAD_FAILED for an import that does not resolve from the schema file', async () => {
    const dir = project({ 'db/a.ts': `import { x } from 'not-installed-anywhere';\nexport const a = x;\n` });
    const e = await configError(loadSchema({ schema: 'db', cwd: dir }));
    expect(e.code).toBe('SCHEMA_LOAD_FAILED');
    expect(e.message).toContain(join(dir, 'db/a.ts'));
    expect(e.message).toContain('not-installed-anywhere');
  });

  it("uses the tsconfig.json of cwd (paths), not the one of the process's directory", async () => {
    const dir = project({
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@db/*': ['./src/db/*'] } } }),
      'src/db/users.ts': USERS,
      'src/schema.ts': `export * from '@db/users';\n`,
    });
    const { exports } = await loadSchema({ schema: 'src/schema.ts', cwd: dir });
    expect(Object.keys(exports)).toEqual(['users']);
  });
});
