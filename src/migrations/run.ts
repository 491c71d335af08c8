/**
 * `postprocess()` and `generate()`: the post-processor and the drizzle-kit
 * workflow, for code and for the CLI. Both read the drizzle config as drizzle-kit
 * does and report what they changed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { loadDrizzleConfig, type DrizzleProjectConfig } from '../project/config.js';
import { loadSchema } from '../project/load-schema.js';
import { snapshotFolder } from './folder-snapshot.js';
import { JOURNAL_FILE, openJournalLayout, snapshotPrefix } from './layout-journal.js';
import type { MigrationsLayout } from './layout.js';
import { openLayout } from './open-layout.js';
import { planPostprocess, type PostprocessPlan } from './postprocess.js';
import { amendError, DrizzlePartitionsError, PostprocessError } from '../errors.js';
import { partitionedTablesOf } from './statements.js';
import { concurrentIndexNames } from './concurrent-index-names.js';
import { notValidConstraintsOf } from './not-valid.js';
import { commitWrites } from './write-files.js';
import { pushWarnings } from './push-filter.js';
import { declaredObjectsOf } from './declared-objects.js';
import { extensionHints } from '../schema/extension-hints.js';
import { inProcessKitSource, loadKitInProcess, requireAsDrizzleKit, requireOnceWith, type InProcessKit } from './kit-in-process.js';
import type { ModuleLoader } from '../project/load-schema.js';

/**
 * Options of {@link postprocess} (and of {@link generate}).
 *
 * @example
 * ```ts
 * await postprocess({ cwd: 'packages/db', config: 'drizzle.config.ts', dryRun: true });
 * ```
 */
export interface PostprocessOptions {
  /** Working directory (default `process.cwd()`); config and paths are relative to it. */
  cwd?: string;
  /** `--config`: the drizzle config file (default: drizzle.config.ts, .js, .json). */
  config?: string;
  /** Name of a migration written for partition-only changes (default `partitions`). */
  name?: string;
  /** Plan only: write nothing. */
  dryRun?: boolean;
  now?: Date;
}

/**
 * What {@link postprocess} and {@link generate} return: the report of each migration,
 * the warnings, the config read, the migrations layout and the files written.
 *
 * @example
 * ```ts
 * const result: PostprocessResult = await postprocess({ dryRun: true });
 * for (const w of result.warnings) console.warn(w);
 * ```
 */
export interface PostprocessResult extends PostprocessPlan {
  config: DrizzleProjectConfig;
  layout: 'journal' | 'folders';
  /** Absolute paths written (empty on a dry run or when nothing changed). */
  written: string[];
}

/**
 * Post-processes the migrations folder of the drizzle project in `cwd`. A refusal
 * writes nothing; when it concerns a migration drizzle-kit wrote that has no
 * partitioning state yet, its hint names the files to delete to start over.
 *
 * @example
 * ```ts
 * const result = await postprocess({ config: 'drizzle.config.ts' });
 * for (const m of result.report) console.log(m.id, m.action, m.notes.join('; '));
 * ```
 */
export async function postprocess(opts: PostprocessOptions = {}): Promise<PostprocessResult> {
  const config = await loadDrizzleConfig({ cwd: opts.cwd, config: opts.config });
  try {
    return await postprocessProject(config, opts);
  } catch (e) {
    throw withStartOver(e, config);
  }
}

async function postprocessProject(config: DrizzleProjectConfig, opts: PostprocessOptions, load?: ModuleLoader): Promise<PostprocessResult> {
  const schema = await loadSchema({ schema: config.schema, cwd: config.cwd }, { load });
  const tables = [...partitionedTablesOf(schema.exports).values()];
  const layout = openLayout(config.out, { prefix: config.prefix, breakpoints: config.breakpoints });
  const { extensions, collations } = declaredObjectsOf(schema.exports, config.configFile);
  const plan = planPostprocess({
    layout,
    tables,
    extensions,
    collations,
    concurrentIndexes: concurrentIndexNames(schema.exports),
    notValid: notValidConstraintsOf(schema.exports, config.casing),
    render: { casing: config.casing },
    breakpoints: config.breakpoints,
    name: opts.name,
    now: opts.now,
  });
  plan.warnings.push(...pushWarnings(config, tables), ...extensionHints(Object.values(schema.exports), extensions));
  if (!opts.dryRun) commitWrites(plan.writes);
  return { ...plan, config, layout: layout.kind, written: opts.dryRun ? [] : plan.writes.map((w) => w.path) };
}

/** `path` relative to the project's directory, as the user typed paths in the config. */
function shown(config: DrizzleProjectConfig, path: string): string {
  const rel = relative(config.cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Adds to a package error's sentence and hint; another error gets them appended to its message. */
function amend(e: unknown, more: { message?: string; hint?: string }): unknown {
  if (e instanceof DrizzlePartitionsError) return amendError(e, more);
  if (e instanceof Error) e.message = [e.message, more.message, more.hint].filter(Boolean).join('. ');
  return e;
}

/**
 * A refusal about a migration that has no partitioning state yet (one drizzle-kit
 * wrote, not processed): its hint also names the files to delete to start over.
 */
function withStartOver(e: unknown, config: DrizzleProjectConfig): unknown {
  if (!(e instanceof PostprocessError)) return e;
  let layout: MigrationsLayout;
  try {
    layout = openLayout(config.out, { prefix: config.prefix, breakpoints: config.breakpoints });
  } catch {
    return e;
  }
  const m = layout.migrations.find((x) => x.id === e.where);
  if (!m || existsSync(m.statePath)) return e;
  const files =
    layout.kind === 'journal'
      ? `${shown(config, m.sqlPath)}, ${shown(config, join(config.out, 'meta', `${snapshotPrefix(m.id)}_snapshot.json`))} and the "${m.id}" entry of ${shown(config, join(config.out, JOURNAL_FILE))}`
      : `the folder ${shown(config, dirname(m.sqlPath))}`;
  return amend(e, { hint: `or start over: ${m.id} is drizzle-kit's and has no partitioning state yet, so (if no database has applied it) delete ${files}, fix the schema and run drizzle-partitions generate` });
}

/**
 * Options of {@link generate}: those of postprocess, and how drizzle-kit is run.
 *
 * @example
 * ```ts
 * await generate({ drizzleKitArgs: ['--name', 'add_events'], stdio: 'pipe', onOutput: (s) => process.stderr.write(s) });
 * ```
 */
export interface GenerateOptions extends PostprocessOptions {
  /** Arguments passed to `drizzle-kit generate` as they are (e.g. `['--name', 'init']`). */
  drizzleKitArgs?: string[];
  /** Where drizzle-kit's output goes (default: inherited when on a terminal, else captured and echoed). */
  stdio?: 'inherit' | 'pipe';
  /** Called with drizzle-kit's captured output lines when stdio is 'pipe'. */
  onOutput?: (chunk: string) => void;
  /**
   * Run drizzle-kit 0.31 inside this process and reuse the schema it loads (the CLI
   * does), instead of a child process and a second load. Only when `cwd` is the
   * process's working directory; drizzle-kit 1.0 always runs as a child. It leaves
   * drizzle-kit's tsx hooks registered and its modules loaded: for a process that
   * ends after.
   */
  inProcess?: boolean;
}

/** The drizzle-kit CLI script of the project in `cwd`. */
export function drizzleKitBin(cwd: string): string {
  const req = createRequire(join(resolve(cwd), 'package.json'));
  let entry: string;
  try {
    entry = req.resolve('drizzle-kit');
  } catch {
    throw new PostprocessError('DRIZZLE_KIT_FAILED', cwd, 'drizzle-kit is not installed in this project', 'npm install -D drizzle-kit');
  }
  const bin = join(dirname(entry), 'bin.cjs');
  if (!existsSync(bin)) throw new PostprocessError('DRIZZLE_KIT_FAILED', bin, 'drizzle-kit has no bin.cjs beside its entry point');
  return bin;
}

function run(bin: string, args: string[], cwd: string, stdio: 'inherit' | 'pipe', onOutput?: (s: string) => void): Promise<{ code: number; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (b: Buffer) => {
      const s = b.toString();
      output += s;
      onOutput?.(s);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? 1, output }));
  });
}

/** drizzle-kit loaded to run here, when it is 0.31 (not installed: drizzleKitBin says so later). */
function inProcessKit(cwd: string): InProcessKit | undefined {
  let bin: string;
  try {
    bin = drizzleKitBin(cwd);
  } catch {
    return undefined;
  }
  const source = inProcessKitSource(bin);
  return source ? loadKitInProcess(bin, source) : undefined;
}

/**
 * Runs `drizzle-kit generate` with the same arguments, then the post-processor.
 * drizzle-kit's silent failures (a malformed snapshot, a rename prompt without a
 * terminal: it exits 0 having written nothing) become errors. When the
 * post-processor refuses (or fails), what drizzle-kit has just written is taken
 * back (its new files and folders removed, the journal put back byte for byte),
 * so the migrations folder is as it was and the error says so. With `inProcess`
 * (the CLI), drizzle-kit 0.31 runs in this process and its schema modules are
 * post-processed as they are: the schema is loaded once.
 *
 * @example
 * ```ts
 * await generate({ drizzleKitArgs: ['--name', 'add_events'] });
 * ```
 */
export async function generate(opts: GenerateOptions = {}): Promise<PostprocessResult> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const kit = opts.inProcess && cwd === resolve(process.cwd()) ? inProcessKit(cwd) : undefined;
  const config = await loadDrizzleConfig({ cwd, config: opts.config }, { load: kit ? requireOnceWith(kit.tsx) : undefined });
  if (config.prefix === 'none') {
    // refuse before drizzle-kit writes anything (openJournalLayout says why)
    openJournalLayout(config.out, { prefix: config.prefix, breakpoints: config.breakpoints });
  }
  // Check the folder first: drizzle-kit skips a malformed snapshot silently.
  if (existsSync(config.out)) {
    try {
      openLayout(config.out, { prefix: config.prefix, breakpoints: config.breakpoints });
    } catch (e) {
      if (!(e instanceof PostprocessError && e.code === 'NO_MIGRATIONS')) throw e;
    }
  }
  const args = ['generate', ...(opts.drizzleKitArgs ?? [])];
  if (opts.config && !args.includes('--config')) args.push('--config', opts.config);
  const stdio = opts.stdio ?? (process.stdin.isTTY && process.stdout.isTTY ? 'inherit' : 'pipe');
  const bin = drizzleKitBin(cwd);
  const before = snapshotFolder(config.out, [JOURNAL_FILE]) // the journal: the one file drizzle-kit changes in place;
  const { code, output } = kit ? await kit.run(args, stdio, opts.onOutput) : await run(bin, args, cwd, stdio, opts.onOutput);
  if (code !== 0) {
    const hints = /hints/i.test(output) ? "; drizzle-kit 1.0 needs rename answers: pass them through, e.g. drizzle-partitions generate --hints '[...]'" : '';
    throw new PostprocessError('DRIZZLE_KIT_FAILED', config.configFile, `drizzle-kit generate exited with code ${code}${hints}${stdio === 'pipe' && output.trim() ? `:\n${output.trim()}` : ''}`);
  }
  if (/Interactive prompts require a TTY/i.test(output)) {
    throw new PostprocessError('DRIZZLE_KIT_FAILED', config.configFile, 'drizzle-kit needs to ask whether a table or column was renamed, and cannot without a terminal; it wrote nothing', 'run drizzle-partitions generate in a terminal');
  }
  if (/malformed/i.test(output)) {
    throw new PostprocessError('DRIZZLE_KIT_FAILED', config.configFile, `drizzle-kit reports malformed data and wrote nothing:\n${output.trim()}`);
  }
  let result: PostprocessResult;
  try {
    result = await postprocessProject(config, opts, kit ? requireAsDrizzleKit : undefined);
  } catch (e) {
    // a refusal writes nothing: take back what drizzle-kit just wrote
    const { removed, restored, folder } = before.restore();
    if (removed.length === 0 && restored.length === 0) throw withStartOver(e, config);
    const ids = removed.filter((f) => !f.includes('/') && f !== 'meta').map((f) => f.replace(/\.sql$/, ''));
    const what = ids.length > 0 ? `drizzle-kit's new migration ${ids.join(', ')} was removed` : "drizzle-kit's new files were removed";
    const at = (f: string) => shown(config, join(config.out, f));
    const detail = [removed.map(at).join(', '), ...restored.map((f) => `${at(f)} put back as it was`), ...(folder ? [`the folder ${shown(config, config.out)} it created`] : [])].filter(Boolean).join('; ');
    throw withStartOver(amend(e, { message: `. ${what} again (${detail}), so nothing is written`, hint: 'fix the schema, then run drizzle-partitions generate again' }), config);
  }
  // a dry run writes nothing either: drizzle-kit's files go again once the plan is made
  if (opts.dryRun) before.restore();
  return result;
}
