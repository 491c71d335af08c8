/**
 * Scenario 5 — post-processing cost: a schema of T tables of which P are
 * partitioned (range with 13 declared partitions and a policy, list, hash), first
 * migration of a new project:
 *
 * - `drizzle-kit generate` alone (the baseline);
 * - `drizzle-partitions generate` (drizzle-kit generate, then the post-processor);
 * - `drizzle-partitions postprocess` alone, after drizzle-kit generate.
 *
 * The package is built from src/ into the project's own node_modules (tsc, as
 * `npm run build` does, without declarations), so the repository's dist/ — which
 * other work may be rebuilding — is neither needed nor touched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgConfig, REPO_ROOT } from '../../test/support/project.js';
import { fmt, mdTable, median, ratio, timed, type Ctx, type Section } from '../lib.js';

/** `drizzle-partitions generate` ÷ `drizzle-kit generate` alone: at most this (issue 15). */
const GENERATE_GOAL = 1.3;

function sh(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<{ code: number; output: string }> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? 1, output });
    });
  });
}

/** Builds src/ (ESM and CommonJS, no declarations) into `pkg`, laid out as the published package. */
async function buildPackage(pkg: string): Promise<{ ms: number; warnings: string }> {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const t = await timed(async () => {
    const outs: string[] = [];
    for (const [config, out] of [
      ['tsconfig.build.json', 'dist/esm'],
      ['tsconfig.build.cjs.json', 'dist/cjs'],
    ] as const) {
      // tsc emits even when src/ does not type-check (work in progress elsewhere): say so, go on.
      const r = await sh(process.execPath, [tsc, '-p', config, '--outDir', join(pkg, out), '--declaration', 'false', '--declarationMap', 'false'], REPO_ROOT);
      if (r.code !== 0) outs.push(r.output.trim().split('\n').slice(0, 3).join(' '));
    }
    await writeFile(join(pkg, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
    await copyFile(join(REPO_ROOT, 'package.json'), join(pkg, 'package.json'));
    return outs.join('; ');
  });
  for (const f of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/cli/main.js']) {
    if (!existsSync(join(pkg, f))) throw new Error(`building the package did not produce ${f}: ${t.value}`);
  }
  return { ms: t.ms, warnings: t.value };
}

/** The schema: `tables` tables, the first `partitioned` of them partitioned (7 in 10 range, then list and hash). */
export function schemaSource(tables: number, partitioned: number): string {
  const out = [
    `import { bigint, boolean, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';`,
    `import { hash, list, MINVALUE, pgPartitionedTable, range } from 'drizzle-partitions';`,
    '',
  ];
  const months = Array.from({ length: 12 }, (_, m) => `2025-${String(m + 1).padStart(2, '0')}-01`);
  for (let i = 0; i < tables; i++) {
    const name = `t${String(i).padStart(3, '0')}`;
    if (i >= partitioned) {
      out.push(
        `export const ${name} = pgTable('${name}', { id: bigint({ mode: 'number' }).primaryKey(), name: text().notNull(), createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(), active: boolean().default(true), data: jsonb() }, (t) => [index('${name}_name_idx').on(t.name)]);`,
      );
      continue;
    }
    const kind = i % 10 < 7 ? 'range' : i % 10 < 9 ? 'list' : 'hash';
    if (kind === 'range') {
      const parts = [`{ from: MINVALUE, to: '${months[0]}', name: '${name}_old' }`, ...months.map((m, k) => `{ from: '${m}', to: '${months[k + 1] ?? '2026-01-01'}' }`)];
      out.push(
        `export const ${name} = pgPartitionedTable('${name}', { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text().notNull(), data: jsonb() }, (t) => [primaryKey({ columns: [t.id, t.at] }), index('${name}_kind_idx').on(t.kind)], (t) => range(t.at, { partitions: [${parts.join(', ')}], maintenance: { interval: '1 month', premake: 3, retention: { keep: '12 months' } } }));`,
      );
    } else if (kind === 'list') {
      out.push(
        `export const ${name} = pgPartitionedTable('${name}', { id: bigint({ mode: 'number' }).notNull(), region: text().notNull(), data: jsonb() }, (t) => [primaryKey({ columns: [t.id, t.region] })], (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us'] }, { values: ['apac'] }] }));`,
      );
    } else {
      out.push(`export const ${name} = pgPartitionedTable('${name}', { id: bigint({ mode: 'number' }).primaryKey(), data: jsonb() }, undefined, (t) => hash(t.id, { partitions: 8 }));`);
    }
  }
  return `${out.join('\n')}\n`;
}

async function linkNodeModules(project: string): Promise<string> {
  const source = join(REPO_ROOT, 'node_modules');
  const target = join(project, 'node_modules');
  await mkdir(target);
  for (const e of await readdir(source, { withFileTypes: true })) {
    if (e.name === 'drizzle-partitions' || e.name.startsWith('.')) continue;
    await symlink(join(source, e.name), join(target, e.name), e.isDirectory() ? 'dir' : 'file');
  }
  // A real directory, not a link: Node resolves a linked package's imports from its real path.
  const pkg = join(target, 'drizzle-partitions');
  await mkdir(pkg);
  return pkg;
}

/** SQL files drizzle wrote and how many of them say PARTITION BY. */
async function migrationFacts(project: string): Promise<{ files: number; partitionBy: number }> {
  const dir = join(project, 'drizzle');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  let partitionBy = 0;
  for (const f of files) partitionBy += ((await readFile(join(dir, f), 'utf8')).match(/PARTITION BY/g) ?? []).length;
  return { files: files.length, partitionBy };
}

export async function postprocessCost(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const { tables, partitionedTables: partitioned, generateRuns: runs } = ctx.sizes;
  const notes: string[] = [];
  const project = await mkdtemp(join(tmpdir(), 'dp-bench-generate-'));
  try {
    const pkg = await linkNodeModules(project);
    ctx.log('  building the package from src/ (tsc)');
    const built = await buildPackage(pkg);
    if (built.warnings) notes.push(`src/ did not type-check when built (emitted anyway): ${built.warnings.slice(0, 300)}`);
    await writeFile(join(project, 'package.json'), '{ "name": "dp-bench-generate", "private": true }\n');
    await writeFile(join(project, 'drizzle.config.ts'), pgConfig());
    await mkdir(join(project, 'src'));
    await writeFile(join(project, 'src', 'schema.ts'), schemaSource(tables, partitioned));

    const kitBin = join(project, 'node_modules', 'drizzle-kit', 'bin.cjs');
    const ourBin = join(pkg, 'dist', 'esm', 'cli', 'main.js');
    const fresh = () => rm(join(project, 'drizzle'), { recursive: true, force: true });
    const once = async (label: string, args: string[]) => {
      const r = await timed(() => sh(process.execPath, args, project));
      if (r.value.code !== 0) throw new Error(`${label} exited with ${r.value.code}:\n${r.value.output.slice(-2000)}`);
      return r.ms;
    };
    const times = { kit: [] as number[], ours: [] as number[], post: [] as number[] };
    let facts = { kit: { files: 0, partitionBy: 0 }, ours: { files: 0, partitionBy: 0 } };
    // Warm the file cache once (not timed).
    await fresh();
    await once('drizzle-kit generate', [kitBin, 'generate', '--name', 'init']);
    for (let i = 0; i < runs; i++) {
      ctx.log(`  run ${i + 1} of ${runs}`);
      await fresh();
      times.kit.push(await once('drizzle-kit generate', [kitBin, 'generate', '--name', 'init']));
      facts.kit = await migrationFacts(project);
      await fresh();
      times.ours.push(await once('drizzle-partitions generate', [ourBin, 'generate', '--name', 'init']));
      facts.ours = await migrationFacts(project);
      await fresh();
      await once('drizzle-kit generate', [kitBin, 'generate', '--name', 'init']);
      times.post.push(await once('drizzle-partitions postprocess', [ourBin, 'postprocess']));
    }
    const kit = median(times.kit);
    const ours = median(times.ours);
    const post = median(times.post);
    if (facts.ours.partitionBy !== partitioned) notes.push(`the post-processed migration has ${facts.ours.partitionBy} PARTITION BY clauses, not ${partitioned}`);
    notes.push(`drizzle-kit alone wrote ${facts.kit.partitionBy} PARTITION BY clauses; after post-processing: ${facts.ours.partitionBy}. Building the package from src/ took ${fmt(built.ms / 1000)} s (not counted).`);
    const rows = [
      ['drizzle-kit generate alone (baseline)', fmt(kit), '1.00×', '', '', ''],
      ['drizzle-partitions generate (drizzle-kit 0.31 in the same process)', fmt(ours), ratio(ours, kit), fmt(ours - kit), `≤ ${GENERATE_GOAL}×`, ours / kit <= GENERATE_GOAL ? 'met' : 'NOT met'],
      ['drizzle-partitions postprocess alone (after drizzle-kit generate)', fmt(post), ratio(post, kit), '', '', ''],
    ];
    return {
      title: `5. Post-processing cost: ${tables} tables of which ${partitioned} partitioned`,
      intro: [
        `A new project whose schema has ${tables} tables (${tables - partitioned} plain, ${partitioned} partitioned: range by month with 13 declared partitions, a default partition and a policy; list by region; hash in 8); ` +
          `the first migration. Wall time of each command as a process (Node start-up and schema loading included), median of ${runs}.`,
      ],
      tables: [mdTable(['command', 'ms', 'ratio to drizzle-kit alone', 'added by us, ms', 'goal (issue 15)', ''], rows)],
      notes,
      ms: performance.now() - t0,
    };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}
