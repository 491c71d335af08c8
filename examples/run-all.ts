/**
 * Runs every example project in turn, as CI does:
 *
 *   npm run examples                  # build, then this
 *   npx tsx examples/run-all.ts [--only event-log,tenants] [--skip-migration-check] [--keep]
 *
 * For each example:
 *  1. migration check: a copy of the example (drizzle.config.ts, schema.ts, drizzle/)
 *     in a throwaway project runs `drizzle-partitions generate`; it must write nothing,
 *     i.e. the committed migrations are up to date with schema.ts and post-processed.
 *  2. `tsx main.ts` in the example's folder, which migrates a scratch database, runs
 *     maintenance and throws when what it prints is not what it expects.
 *
 * One PostgreSQL serves all of them: DATABASE_URL when set, else an embedded server
 * started here and handed to each example as DATABASE_URL. The examples import
 * 'drizzle-partitions' through the package's exports (dist/): examples/tsconfig.json
 * has no `paths` to src/, and tsx is pointed at it. Exit code 1 when any fails.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject } from '../test/support/project.js';
import { startServer } from '../test/harness/server.js';

const EXAMPLES = ['event-log', 'tenants', 'sessions', 'sub-partitioned'];

const examplesDir = fileURLToPath(new URL('./', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const argv = process.argv.slice(2);
const onlyArg = argv.find((a, i) => argv[i - 1] === '--only' || a.startsWith('--only='));
const only = onlyArg ? onlyArg.replace(/^--only=/, '').split(',') : undefined;
const skipMigrationCheck = argv.includes('--skip-migration-check');
const keep = argv.includes('--keep');
const selected = only ? EXAMPLES.filter((e) => only.includes(e)) : EXAMPLES;
if (only && selected.length !== only.length) {
  console.error(`unknown example in --only ${only.join(',')}; the examples are ${EXAMPLES.join(', ')}`);
  process.exit(2);
}

/** Every file under `dir`, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? (e as { path?: string }).path ?? dir, e.name)))
    .sort();
}

/** Runs `drizzle-partitions generate` on a copy of the example; returns what is out of date ([] when nothing). */
async function migrationCheck(name: string): Promise<string[]> {
  const dir = join(examplesDir, name);
  const copied: Record<string, string> = {};
  for (const f of ['drizzle.config.ts', 'schema.ts', ...(await files(join(dir, 'drizzle'))).map((f) => join('drizzle', f))]) {
    copied[f] = await readFile(join(dir, f), 'utf8');
  }
  const project = await createProject({ name: `example-${name}`, files: copied });
  try {
    const r = await project.cli(['generate', '--name', 'schema_changed']);
    if (r.code !== 0) return [`drizzle-partitions generate exited ${r.code}:\n${r.stdout}${r.stderr}`];
    const after = await files(project.path('drizzle'));
    const problems: string[] = [];
    for (const f of after) {
      const rel = join('drizzle', f);
      if (!(rel in copied)) problems.push(`${rel} would be written`);
      else if ((await project.read(rel)) !== copied[rel]) problems.push(`${rel} would be rewritten`);
    }
    return problems;
  } finally {
    await project.remove();
  }
}

function runMain(name: string, databaseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, 'main.ts', ...(keep ? ['--keep'] : [])], {
      cwd: join(examplesDir, name),
      env: { ...process.env, DATABASE_URL: databaseUrl, TSX_TSCONFIG_PATH: join(examplesDir, 'tsconfig.json') },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const server = await startServer({ log: (l) => console.log(l) });
const summary: { name: string; ok: boolean; seconds: string; why?: string }[] = [];
try {
  for (const name of selected) {
    const started = Date.now();
    console.log(`\n======== examples/${name} ========`);
    let why: string | undefined;
    if (!skipMigrationCheck) {
      const stale = await migrationCheck(name);
      if (stale.length > 0) {
        why = `migrations out of date with schema.ts (regenerate: cd examples/${name} && node ../../dist/esm/cli/main.js generate --name <name>)`;
        console.error(`examples/${name}: ${why}\n${stale.map((s) => `  - ${s}`).join('\n')}`);
      } else {
        console.log(`migrations of examples/${name} are up to date with its schema (drizzle-partitions generate: nothing to write)\n`);
      }
    }
    if (!why) {
      const code = await runMain(name, server.url);
      if (code !== 0) why = `main.ts exited with ${code}`;
    }
    summary.push({ name, ok: !why, seconds: ((Date.now() - started) / 1000).toFixed(1), ...(why ? { why } : {}) });
  }
} finally {
  await server.stop();
}

console.log('\n======== examples ========');
for (const s of summary) console.log(`${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(16)} ${s.seconds.padStart(5)} s${s.why ? `  ${s.why}` : ''}`);
process.exitCode = summary.every((s) => s.ok) ? 0 : 1;
