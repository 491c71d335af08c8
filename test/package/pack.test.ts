/**
 * The package as users get it: `npm pack`, installed from the tarball into an empty
 * project (with drizzle-orm, the peer; drizzle-kit and postgres for the CLI), then used
 * from ESM, from CommonJS, through its bin, type-checked from .mts / .cts files under
 * `moduleResolution: node16` (and from a plain .ts file under node10), driven end to end
 * through the CLI on the test server, and checked by arethetypeswrong.
 *
 * Needs a build (`npm run test:package` and `npm test` build first). npm installs from
 * its cache (`--offline`), falling back to the registry (`--prefer-offline`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** The versions this repository is built and tested with (its lockfile's). */
const installed = async (name: string) => (JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const ATTW = '@arethetypeswrong/cli@0.18.5';

const db = useTestDatabase({ prefix: 'dp_pack' });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of `npm run ...` minus what ties a child npm to this repository. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(k) || k === 'INIT_CWD' || k === 'DATABASE_URL') continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

function run(command: string, args: string[], cwd: string, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: childEnv(opts.env), timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

const node = (args: string[], cwd: string, env?: Record<string, string>) => run(process.execPath, args, cwd, { env });

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** `npm install` from the cache, or from the registry when the cache lacks something. */
async function npmInstall(cwd: string, specs: string[]): Promise<void> {
  const offline = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...specs], cwd);
  if (offline.code === 0) return;
  ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], cwd), `npm install ${specs.join(' ')}`);
}

let work: string;
let tarball: string;
let app: string;
const appPath = (rel: string) => join(app, rel);
async function write(rel: string, text: string): Promise<void> {
  await mkdir(dirname(appPath(rel)), { recursive: true });
  await writeFile(appPath(rel), text);
}

beforeAll(async () => {
  for (const f of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json', 'dist/esm/cli/main.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first (npm run test:package does)`);
  }
  work = await mkdtemp(join(tmpdir(), 'dp-pack-'));
  // --ignore-scripts: a prepack build would delete dist/ under the other test files running now.
  const packed = ok(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT), 'npm pack');
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = join(work, info!.filename);
  app = join(work, 'app');
  await mkdir(app);
  await write('package.json', `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  await npmInstall(app, [
    tarball,
    `drizzle-orm@${await installed('drizzle-orm')}`,
    `drizzle-kit@${await installed('drizzle-kit')}`,
    `postgres@${await installed('postgres')}`,
  ]);
}, 240_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

// Each check writes files of its own: they run side by side.
const CHECKS = { concurrent: true, timeout: 120_000 } as const;

describe('npm pack', CHECKS, () => {
  it('ships dist (ESM, CommonJS marked as such, the bin), the README and the LICENSE, nothing else', async () => {
    const r = ok(await run('tar', ['tzf', tarball], work), 'tar');
    const files = r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/migrations/index.js', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/migrations/index.js', 'dist/cjs/package.json', 'dist/esm/cli/main.js']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
    expect(JSON.parse(await readFile(appPath('node_modules/drizzle-partitions/dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect((await readFile(appPath('node_modules/drizzle-partitions/dist/esm/cli/main.js'), 'utf8')).startsWith('#!/usr/bin/env node')).toBe(true);
  });
});

const SCRIPT_TABLE = `pgPartitionedTable('ev', { id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull() }, (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }))`;

describe('runs from an empty project', CHECKS, () => {
  it('ESM: import from drizzle-partitions and drizzle-partitions/migrations', async () => {
    await write(
      'esm.mjs',
      `import { pgPartitionedTable, range, getPartitioning, apply, listPartitions } from 'drizzle-partitions';
import { postprocess, generate } from 'drizzle-partitions/migrations';
import { partitionByClause } from 'drizzle-partitions/ddl';
import { migrate } from 'drizzle-partitions/migrator';
import { integer, timestamp } from 'drizzle-orm/pg-core';
const ev = ${SCRIPT_TABLE};
console.log(JSON.stringify({ url: import.meta.resolve('drizzle-partitions'), names: getPartitioning(ev).partitions.map((p) => p.name), fns: [apply, listPartitions, postprocess, generate, migrate].map((f) => typeof f), ddl: partitionByClause(getPartitioning(ev)) }));
`,
    );
    const out = JSON.parse(ok(await node(['esm.mjs'], app), 'node esm.mjs').stdout) as { url: string; names: string[]; fns: string[]; ddl: string };
    expect(out.ddl).toBe('PARTITION BY RANGE ("at")');
    expect(out.url).toMatch(/\/node_modules\/drizzle-partitions\/dist\/esm\/index\.js$/);
    expect(out.names).toEqual(['ev_p20260101', 'ev_default']);
    expect(out.fns).toEqual(['function', 'function', 'function', 'function', 'function']);
  });

  it('CommonJS: require() of drizzle-partitions, drizzle-partitions/migrations and package.json', async () => {
    await write(
      'cjs.cjs',
      `const { pgPartitionedTable, range, getPartitioning, apply } = require('drizzle-partitions');
const { postprocess } = require('drizzle-partitions/migrations');
const { declaredPartitionsSql } = require('drizzle-partitions/ddl');
const { migrate } = require('drizzle-partitions/migrator');
const { integer, timestamp } = require('drizzle-orm/pg-core');
const ev = ${SCRIPT_TABLE};
console.log(JSON.stringify({ file: require.resolve('drizzle-partitions'), names: getPartitioning(ev).partitions.map((p) => p.name), fns: [apply, postprocess, declaredPartitionsSql, migrate].map((f) => typeof f), version: require('drizzle-partitions/package.json').version }));
`,
    );
    const out = JSON.parse(ok(await node(['cjs.cjs'], app), 'node cjs.cjs').stdout) as { file: string; names: string[]; fns: string[]; version: string };
    expect(out.file).toMatch(/\/node_modules\/drizzle-partitions\/dist\/cjs\/index\.js$/);
    expect(out.names).toEqual(['ev_p20260101', 'ev_default']);
    expect(out.fns).toEqual(['function', 'function', 'function', 'function']);
    expect(out.version).toBe(pkg.version);
  });

  it('a table made by the CommonJS build is read by the ESM build (drizzle-kit requires the schema, the app imports it)', async () => {
    await write(
      'dual.mjs',
      `import { createRequire } from 'node:module';
import { getPartitioning, isPartitionedTable } from 'drizzle-partitions';
const require = createRequire(import.meta.url);
const cjs = require('drizzle-partitions');
const { integer, timestamp } = require('drizzle-orm/pg-core');
const { pgPartitionedTable, range } = cjs;
const ev = ${SCRIPT_TABLE};
console.log(JSON.stringify({ partitioned: isPartitionedTable(ev), names: getPartitioning(ev)?.partitions.map((p) => p.name) ?? null }));
`,
    );
    const out = JSON.parse(ok(await node(['dual.mjs'], app), 'node dual.mjs').stdout) as { partitioned: boolean; names: string[] | null };
    expect(out).toEqual({ partitioned: true, names: ['ev_p20260101', 'ev_default'] });
  });

  it('an application with the schema API alone installs neither tsx nor esbuild; loading a config without tsx says to install it (TSX_MISSING)', async () => {
    const lean = join(work, 'lean');
    await mkdir(lean);
    await writeFile(join(lean, 'package.json'), `${JSON.stringify({ name: 'lean', version: '1.0.0', private: true }, null, 2)}\n`);
    await npmInstall(lean, [tarball, `drizzle-orm@${await installed('drizzle-orm')}`]);
    expect(existsSync(join(lean, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(lean, 'node_modules/esbuild'))).toBe(false);
    await writeFile(join(lean, 'drizzle.config.ts'), `export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle' };\n`);
    await writeFile(
      join(lean, 'load.mjs'),
      `import { loadDrizzleConfig } from 'drizzle-partitions/migrations';
try { await loadDrizzleConfig({}); console.log('loaded'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
`,
    );
    const out = JSON.parse(ok(await node(['load.mjs'], lean), 'node load.mjs').stdout) as { code: string; message: string };
    expect(out.code).toBe('TSX_MISSING');
    expect(out.message).toContain('npm install --save-dev tsx');
    const cli = await run(join(lean, 'node_modules/.bin/drizzle-partitions'), ['status'], lean);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('needs tsx, which is not installed');
  });

  it('the drizzle-partitions bin prints the version and the help', async () => {
    const bin = appPath('node_modules/.bin/drizzle-partitions');
    const v = ok(await run(bin, ['--version'], app), 'drizzle-partitions --version');
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = ok(await run(bin, ['--help'], app), 'drizzle-partitions --help');
    expect(h.stdout).toContain('Usage:');
    const npx = ok(await run('npx', ['--no-install', 'drizzle-partitions', '-v'], app), 'npx drizzle-partitions -v');
    expect(npx.stdout.trim()).toBe(pkg.version);
  });
});

describe('types resolve', CHECKS, () => {
  const TS_OPTIONS = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] as string[] };
  const typed = (table: string) => `import { pgPartitionedTable, range, getPartitioning, apply, type Partitioning, type MaintenancePolicyInput, type ApplyResult } from 'drizzle-partitions';
import { postprocess, type PostprocessResult } from 'drizzle-partitions/migrations';
import { migrate, type MigrateResult } from 'drizzle-partitions/migrator';
import { integer, timestamp } from 'drizzle-orm/pg-core';
const ev = pgPartitionedTable('ev', { id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull() }, (t) => [], (t) => ${table});
const p: Partitioning | undefined = getPartitioning(ev);
const policy: MaintenancePolicyInput = { interval: '1 month', premake: 2 };
const r: Promise<PostprocessResult> = postprocess({ dryRun: true });
const a: (db: unknown, plan: never) => Promise<ApplyResult> = apply;
const m: (db: never, opts: { migrationsFolder: string }) => Promise<MigrateResult> = migrate;
console.log(p, policy, r, a, m);
`;
  const GOOD = `range(t.at, { partitions: [{ from: '2026-01-01', to: new Date('2026-02-01') }] })`;
  // A timestamp key takes Date | string bounds: a number is a type error, if (and only if) the types are really there.
  const BAD = `range(t.at, { partitions: [{ from: 20260101, to: '2026-02-01' }] })`;

  async function tsc(name: string, compilerOptions: Record<string, unknown>, files: Record<string, string>): Promise<Run> {
    for (const [f, text] of Object.entries(files)) await write(f, text);
    await write(`${name}.json`, JSON.stringify({ compilerOptions: { ...TS_OPTIONS, ...compilerOptions }, files: Object.keys(files) }, null, 2));
    return node([TSC, '-p', `${name}.json`], app);
  }

  it('node16: .mts (ESM) and .cts (CommonJS) files importing the package compile; a wrong bound type in either does not', async () => {
    // One program: the good files must have no error, each bad file exactly its one.
    const r = await tsc('tsconfig.node16', { module: 'node16', moduleResolution: 'node16' }, {
      'check-esm.mts': typed(GOOD),
      'check-cjs.cts': typed(GOOD),
      'bad-esm.mts': typed(BAD),
      'bad-cjs.cts': typed(BAD),
    });
    const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error TS/.test(l));
    expect(errors.map((l) => l.replace(/\(.*$/, '')).sort(), errors.join('\n')).toEqual(['bad-cjs.cts', 'bad-esm.mts']);
    for (const e of errors) expect(e).toMatch(/^bad-\w+\.[cm]ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type/);
    expect(r.code).toBe(2);
  });

  it('node10 (moduleResolution "node", CommonJS): both entry points have types', async () => {
    // TypeScript's node10 resolution ignores "exports": a subpath needs "typesVersions"
    // (or a migrations/package.json stub) to find its types.
    const r = await tsc('tsconfig.node10', { module: 'commonjs', moduleResolution: 'node10' }, { 'check-node10.ts': typed(GOOD) });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.code).toBe(0);
  });

  it('arethetypeswrong finds no problem in the tarball', async (ctx) => {
    const dir = join(work, 'attw');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), '{ "name": "attw-runner", "private": true }\n');
    const offline = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ATTW], dir);
    if (offline.code !== 0) {
      const online = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ATTW], dir);
      if (online.code !== 0) ctx.skip(`${ATTW} could not be installed (no registry, not in the npm cache): ${online.stderr.split('\n')[0]}`);
    }
    const r = await run(join(dir, 'node_modules', '.bin', 'attw'), [tarball, '--format', 'json'], dir);
    const report = JSON.parse(r.stdout) as { analysis: { problems: { kind: string; entrypoint?: string; resolutionKind?: string }[] } };
    expect(report.analysis.problems.map((p) => `${p.kind} ${p.entrypoint ?? ''} (${p.resolutionKind ?? ''})`)).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('the CLI from the tarball, end to end', CHECKS, () => {
  it('generate (drizzle-kit + postprocess), drizzle-kit migrate, then status / apply / status on PostgreSQL', async () => {
    await write(
      'drizzle.config.ts',
      `import { defineConfig } from 'drizzle-kit';
import { partitionsTablesFilter } from 'drizzle-partitions';
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
  tablesFilter: partitionsTablesFilter(['events']),
});
`,
    );
    await write(
      'src/db/schema.ts',
      `import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';
export const events = pgPartitionedTable(
  'events',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { maintenance: { interval: '1 month', premake: 2 } }),
);
`,
    );
    const bin = appPath('node_modules/.bin/drizzle-partitions');
    const env = { DATABASE_URL: db.url };
    const gen = ok(await run(bin, ['generate', '--name', 'init'], app, { env }), 'drizzle-partitions generate');
    expect(gen.stdout).toContain('0000_init: rewritten');
    const migration = await readFile(appPath('drizzle/0000_init.sql'), 'utf8');
    expect(migration).toContain(') PARTITION BY RANGE ("at");');
    expect(migration).toContain('CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;');

    ok(await node([appPath('node_modules/drizzle-kit/bin.cjs'), 'migrate'], app, env), 'drizzle-kit migrate');

    const before = await run(bin, ['status'], app, { env });
    expect(before.code, before.stdout + before.stderr).toBe(1); // premake-short: nothing made ahead yet
    expect(before.stdout).toContain('premake-short');
    const applied = ok(await run(bin, ['apply'], app, { env }), 'drizzle-partitions apply');
    expect(applied.stdout.split('\n').filter((l) => l.startsWith('✓ create events_p'))).toHaveLength(3); // current month + 2 ahead
    const after = ok(await run(bin, ['status', '--json'], app, { env }), 'drizzle-partitions status --json');
    const status = JSON.parse(after.stdout) as { healthy: boolean; tables: { partitions: { name: string; origin: string }[] }[] };
    expect(status.healthy).toBe(true);
    expect(status.tables[0]!.partitions.filter((p) => p.origin === 'maintenance')).toHaveLength(3);
  });
});
