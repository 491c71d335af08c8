/**
 * loadDrizzleConfig on throwaway projects under the OS temp dir: drizzle-kit 0.31's
 * lookup (ts, then js, then json; --config relative to cwd), paths relative to cwd,
 * defaults, and a typed error for every way a config can be wrong. No database.
 */
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDrizzleConfig } from '../../src/project/config.js';
import { ConfigError } from '../../src/errors.js';
import { configError } from '../support/expect-config-error.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const projects: string[] = [];

/** A temp project with the repo's node_modules (drizzle-kit, drizzle-orm) linked in and `files` written. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), 'dp-config-'));
  projects.push(dir);
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

afterAll(() => {
  for (const dir of projects) {
    unlinkSync(join(dir, 'node_modules')); // the link only, never the repo's node_modules
    rmSync(dir, { recursive: true, force: true });
  }
});


const tsConfig = (body: string) => `import { defineConfig } from 'drizzle-kit';\nexport default defineConfig(${body});\n`;

describe('lookup', () => {
  it('takes drizzle.config.ts, then .js, then .json from cwd', async () => {
    const dir = project({
      'drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: './schema.ts', out: './from-ts' }`),
      'drizzle.config.js': `module.exports = { dialect: 'postgresql', schema: './schema.ts', out: './from-js' };\n`,
      'drizzle.config.json': JSON.stringify({ dialect: 'postgresql', schema: './schema.ts', out: './from-json' }),
    });
    const ts = await loadDrizzleConfig({ cwd: dir });
    expect(ts.configFile).toBe(join(dir, 'drizzle.config.ts'));
    expect(ts.out).toBe(join(dir, 'from-ts'));

    unlinkSync(join(dir, 'drizzle.config.ts'));
    const js = await loadDrizzleConfig({ cwd: dir });
    expect(js.configFile).toBe(join(dir, 'drizzle.config.js'));
    expect(js.out).toBe(join(dir, 'from-js'));

    unlinkSync(join(dir, 'drizzle.config.js'));
    const json = await loadDrizzleConfig({ cwd: dir });
    expect(json.configFile).toBe(join(dir, 'drizzle.config.json'));
    expect(json.out).toBe(join(dir, 'from-json'));

    unlinkSync(join(dir, 'drizzle.config.json'));
    const e = await configError(loadDrizzleConfig({ cwd: dir }));
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.message).toContain(dir);
    expect(e.message).toContain('drizzle.config.ts, drizzle.config.js, drizzle.config.json');
  });

  it('does not look for drizzle.config.mjs by default, but loads it (and .mts, .cts, .cjs) through --config', async () => {
    const dir = project({
      'drizzle.config.mjs': `export default { dialect: 'postgresql', schema: 'a.ts', out: 'mjs' };\n`,
      'mts/drizzle.config.mts': `const out: string = 'mts';\nexport default { dialect: 'postgresql', schema: 'a.ts', out };\n`,
      'cts/drizzle.config.cts': `const out: string = 'cts';\nexport = { dialect: 'postgresql', schema: 'a.ts', out };\n`,
      'cjs/drizzle.config.cjs': `module.exports = { dialect: 'postgresql', schema: 'a.ts', out: 'cjs' };\n`,
    });
    expect((await configError(loadDrizzleConfig({ cwd: dir }))).code).toBe('CONFIG_NOT_FOUND');
    expect((await loadDrizzleConfig({ cwd: dir, config: 'drizzle.config.mjs' })).out).toBe(join(dir, 'mjs'));
    for (const ext of ['mts', 'cts', 'cjs']) {
      expect((await loadDrizzleConfig({ cwd: dir, config: `${ext}/drizzle.config.${ext}` })).out).toBe(join(dir, ext));
    }
  });

  it('like drizzle-kit (tsx resolves x.js to x.ts), --config drizzle.config.js loads a drizzle.config.ts beside it', async () => {
    const dir = project({
      'drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: './schema.ts', out: './from-ts' }`),
      'drizzle.config.js': `module.exports = { dialect: 'postgresql', schema: './schema.ts', out: './from-js' };\n`,
    });
    const config = await loadDrizzleConfig({ cwd: dir, config: 'drizzle.config.js' });
    expect(config.configFile).toBe(join(dir, 'drizzle.config.js'));
    expect(config.out).toBe(join(dir, 'from-ts'));
  });

  it('resolves --config against cwd, and the paths inside it against cwd too (not the config folder)', async () => {
    const dir = project({
      'db/drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: ['./src/db/*.ts', './src/legacy'], out: './migrations' }`),
    });
    const config = await loadDrizzleConfig({ cwd: dir, config: 'db/drizzle.config.ts' });
    expect(config.configFile).toBe(join(dir, 'db/drizzle.config.ts'));
    expect(config.cwd).toBe(dir);
    expect(config.out).toBe(join(dir, 'migrations'));
    expect(config.schema).toEqual(['./src/db/*.ts', './src/legacy']); // as written; loadSchema resolves them against cwd

    const absolute = await loadDrizzleConfig({ cwd: tmpdir(), config: join(dir, 'db/drizzle.config.ts') });
    expect(absolute.configFile).toBe(join(dir, 'db/drizzle.config.ts'));
    expect(absolute.out).toBe(join(tmpdir(), 'migrations'));

    const missing = await configError(loadDrizzleConfig({ cwd: dir, config: 'drizzle.config.ts' }));
    expect(missing.code).toBe('CONFIG_NOT_FOUND');
    expect(missing.file).toBe(join(dir, 'drizzle.config.ts'));
    expect(missing.message).toContain(`"${join(dir, 'drizzle.config.ts')}" does not exist`);
  });

  it('reads the file anew on every call', async () => {
    const dir = project({ 'drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: 'a.ts', out: 'one' }`) });
    expect((await loadDrizzleConfig({ cwd: dir })).out).toBe(join(dir, 'one'));
    write(dir, 'drizzle.config.ts', tsConfig(`{ dialect: 'postgresql', schema: 'a.ts', out: 'two' }`));
    expect((await loadDrizzleConfig({ cwd: dir })).out).toBe(join(dir, 'two'));
  });
});

describe('contents', () => {
  it('applies drizzle-kit defaults and keeps the whole object as raw', async () => {
    const dir = project({ 'drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: './src/schema.ts', partitions: { premake: 2 } } as never`) });
    const config = await loadDrizzleConfig({ cwd: dir });
    expect(config).toEqual({
      configFile: join(dir, 'drizzle.config.ts'),
      cwd: dir,
      dialect: 'postgresql',
      schema: ['./src/schema.ts'],
      out: join(dir, 'drizzle'),
      prefix: 'index',
      breakpoints: true,
      raw: { dialect: 'postgresql', schema: './src/schema.ts', partitions: { premake: 2 } },
    });
    expect(config.casing).toBeUndefined();
    expect(config.schemaFilter).toBeUndefined();
  });

  it('reads migrations.prefix, casing, breakpoints, filters and dbCredentials', async () => {
    const dir = project({
      'drizzle.config.ts': tsConfig(`{
        dialect: 'postgresql',
        schema: './src/schema.ts',
        casing: 'snake_case',
        breakpoints: false,
        migrations: { prefix: 'timestamp', table: 'journal' },
        schemaFilter: 'public',
        tablesFilter: ['events*', 'users'],
        dbCredentials: { url: process.env.NOPE ?? 'postgres://localhost/app' },
      }`),
    });
    const config = await loadDrizzleConfig({ cwd: dir });
    expect(config.prefix).toBe('timestamp');
    expect(config.casing).toBe('snake_case');
    expect(config.breakpoints).toBe(false);
    expect(config.schemaFilter).toEqual(['public']);
    expect(config.tablesFilter).toEqual(['events*', 'users']);
    expect(config.dbCredentials).toEqual({ url: 'postgres://localhost/app' });
    expect(config.raw.migrations).toEqual({ prefix: 'timestamp', table: 'journal' });
  });

  it.each(['index', 'timestamp', 'supabase', 'unix', 'none'])('accepts migrations.prefix %s', async (prefix) => {
    const dir = project({ 'drizzle.config.json': JSON.stringify({ dialect: 'postgresql', schema: 's.ts', migrations: { prefix } }) });
    expect((await loadDrizzleConfig({ cwd: dir })).prefix).toBe(prefix);
  });

  it('loads ESM configs in a "type": "module" project and module.exports configs', async () => {
    const esm = project({
      'package.json': JSON.stringify({ type: 'module' }),
      'drizzle.config.ts': tsConfig(`{ dialect: 'postgresql', schema: 'a.ts', casing: 'camelCase' }`),
    });
    expect((await loadDrizzleConfig({ cwd: esm })).casing).toBe('camelCase');
    const named = project({ 'drizzle.config.js': `exports.dialect = 'postgresql';\nexports.schema = 'a.ts';\n` });
    expect((await loadDrizzleConfig({ cwd: named })).schema).toEqual(['a.ts']);
  });
});

describe('errors', () => {
  it('CONFIG_LOAD_FAILED names the file, quotes the error and keeps it as cause', async () => {
    const dir = project({ 'drizzle.config.ts': `throw new Error('DATABASE_URL is not set');\nexport default {};\n` });
    const e = await configError(loadDrizzleConfig({ cwd: dir }));
    expect(e.code).toBe('CONFIG_LOAD_FAILED');
    expect(e.file).toBe(join(dir, 'drizzle.config.ts'));
    expect(e.message).toContain(`drizzle config "${join(dir, 'drizzle.config.ts')}" failed to load: DATABASE_URL is not set`);
    expect((e.cause as Error).message).toBe('DATABASE_URL is not set');
  });

  it('CONFIG_LOAD_FAILED for a syntax error, bad JSON, and top-level await (as in drizzle-kit 0.31)', async () => {
    const syntax = project({ 'drizzle.config.ts': `export default { dialect: 'postgresql', ` });
    expect((await configError(loadDrizzleConfig({ cwd: syntax }))).code).toBe('CONFIG_LOAD_FAILED');

    const json = project({ 'drizzle.config.json': `{ "dialect": "postgresql", }` });
    const bad = await configError(loadDrizzleConfig({ cwd: json }));
    expect(bad.code).toBe('CONFIG_LOAD_FAILED');
    expect(bad.message).toContain(join(json, 'drizzle.config.json'));

    const tla = project({
      'package.json': JSON.stringify({ type: 'module' }),
      'drizzle.config.ts': `const schema = await Promise.resolve('a.ts');\nexport default { dialect: 'postgresql', schema };\n`,
    });
    const e = await configError(loadDrizzleConfig({ cwd: tla }));
    expect(e.code).toBe('CONFIG_LOAD_FAILED');
    expect(e.hint).toContain('top-level await');
  });

  it('CONFIG_INVALID for another dialect, saying so', async () => {
    const dir = project({ 'drizzle.config.ts': tsConfig(`{ dialect: 'mysql', schema: './schema.ts' }`) });
    const e = await configError(loadDrizzleConfig({ cwd: dir }));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.file).toBe(join(dir, 'drizzle.config.ts'));
    expect(e.message).toContain(`drizzle config "${join(dir, 'drizzle.config.ts')}": dialect "mysql" is not supported`);
    expect(e.message).toContain('PostgreSQL only');
  });

  it.each([
    [{ schema: 'a.ts' }, '"dialect" is missing'],
    [{ dialect: 'postgresql' }, '"schema" is missing'],
    [{ dialect: 'postgresql', schema: [] }, '"schema" must be'],
    [{ dialect: 'postgresql', schema: ['a.ts', 3] }, '"schema" must be'],
    [{ dialect: 'postgresql', schema: 'a.ts', out: 7 }, '"out" must be'],
    [{ dialect: 'postgresql', schema: 'a.ts', casing: 'snake' }, '"casing" must be'],
    [{ dialect: 'postgresql', schema: 'a.ts', migrations: { prefix: 'date' } }, '"migrations.prefix" must be'],
    [{ dialect: 'postgresql', schema: 'a.ts', breakpoints: 'yes' }, '"breakpoints" must be'],
    [{ dialect: 'postgresql', schema: 'a.ts', tablesFilter: [1] }, '"tablesFilter" must be'],
    [[1, 2], 'does not export a config object'],
  ])('CONFIG_INVALID: %j', async (content, message) => {
    const dir = project({ 'drizzle.config.json': JSON.stringify(content) });
    const e = await configError(loadDrizzleConfig({ cwd: dir }));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(join(dir, 'drizzle.config.json'));
    expect(e.message).toContain(message);
  });

  it('CONFIG_INVALID for a config file of another type', async () => {
    const dir = project({ 'drizzle.config.yaml': 'dialect: postgresql\n' });
    const e = await configError(loadDrizzleConfig({ cwd: dir, config: 'drizzle.config.yaml' }));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('unsupported file type ".yaml"');
  });
});
