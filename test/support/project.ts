/**
 * End-to-end kit: throwaway projects that drive the REAL drizzle-kit CLI (and our CLI).
 *
 *   const project = await createProject({
 *     files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': SCHEMA },
 *   });
 *   await project.drizzleKit(['generate', '--name', 'init']);
 *   await project.migrateWithDrizzleKit(db.url);        // drizzle-kit migrate
 *   await project.migrateWithOrm(other.url);            // drizzle-orm migrate(), in-process
 *   await project.remove();
 *
 * The project lives in `os.tmpdir()/dp-e2e-<name>-XXXXXX`. Its `node_modules` is a real
 * directory of symlinks to every entry of this repo's `node_modules` (scoped `@x` dirs
 * linked whole), plus `node_modules/drizzle-partitions` -> the repo root, so
 * `import ... from 'drizzle-partitions'` resolves to the BUILT package (`dist/`, through
 * package.json `exports`: ESM for `import`, CommonJS for drizzle-kit's `require`). The
 * test command builds first (`npm test` = build + vitest); run `npm run build` after
 * changing src/ when running a single e2e file.
 *
 * Database URL: child processes never inherit the runner's `DATABASE_URL` (that is the
 * harness server's admin database). They get `DATABASE_URL` only from `createProject({
 * databaseUrl })`, `opts.env`, or `migrateWithDrizzleKit(url)`. The project's
 * drizzle.config.ts must read it: `dbCredentials: { url: process.env.DATABASE_URL! }`
 * (what `pgConfig()` writes). `drizzle-kit migrate` uses the `pg` driver (installed
 * here; it falls back to `postgres` only when `pg` is missing).
 *
 * Prompts: drizzle-kit 0.31 asks "Is b table created or renamed from another table?"
 * (a select list: '+ b create table' first, then one '~ old › b rename table' line per
 * dropped table) and refuses to prompt without a TTY: it prints the error, writes NOTHING
 * and exits 0. `drizzleKit(args, { answers })` runs it under a pseudo-terminal
 * (util-linux `script`) and answers each prompt only once drizzle-kit has drawn it; see
 * `Answer` and `renameAnswer()`.
 *
 * drizzle-kit 1.0: `createProject({ ..., drizzle: '1' })` builds the project on
 * drizzle-kit 1.0.0-rc.5 + drizzle-orm 1.0.0-rc.5 from `workspaces/drizzle-1`
 * (`npm test` installs it: scripts/install-workspaces.mjs). Its node_modules links
 * that workspace's entries over the repo's (so drizzle-kit, drizzle-orm, pg, postgres
 * are 1.0's; tsx, tinyglobby and the rest stay the repo's), and
 * `node_modules/drizzle-partitions` is a COPY of the repo's package.json + dist/, not a
 * symlink: Node resolves a symlinked package to its real path, whose `drizzle-orm`
 * would be the repo's 0.45. There `cli()` runs the copy, `migrateWithOrm()` runs
 * drizzle-orm 1.0's postgres-js `migrate()` in a child process, and renames are
 * answered without a terminal with `drizzleKit(args, { hints: [renameHint(...)] })`
 * (drizzle-kit 1.0's `--hints`; without one it exits 2 listing what is missing).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { connect, databaseFromUrl } from '../harness/client.js';

/** The repository root (the package `drizzle-partitions`), two levels above this file. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');

/** Which drizzle a project is built on: the repo's (drizzle-kit 0.31, drizzle-orm 0.45) or `workspaces/drizzle-1`'s. */
export type DrizzleLine = '0.31' | '1';

/** node_modules of the drizzle-kit / drizzle-orm 1.0 workspace. */
export const DRIZZLE_1_MODULES = join(REPO_ROOT, 'workspaces', 'drizzle-1', 'node_modules');

export interface RunResult {
  /** Exit code (a signal counts as 128 + its number; never null). */
  code: number;
  /** Standard output. Under a pseudo-terminal (`answers`): the terminal output, stderr
   * included, ANSI sequences removed and CRLF turned into LF. */
  stdout: string;
  /** Standard error ('' under a pseudo-terminal: it goes to the terminal, see stdout). */
  stderr: string;
}

export interface RunOptions {
  /** Extra environment for the child (merged over the project's). */
  env?: Record<string, string | undefined>;
  /** Kill the child and reject after this long (default 60 s). */
  timeoutMs?: number;
}

/** A key sent to an interactive prompt. `{ text }` sends raw characters. */
export type Key = 'up' | 'down' | 'enter' | 'escape' | 'space' | 'tab' | 'ctrl-c' | { text: string };

/**
 * One answer to a drizzle-kit prompt: when the prompt on screen matches `wait`, send `keys`.
 *
 * drizzle-kit's prompts (hanji) hide the cursor when they open (ESC[?25l) and show it when
 * they close (ESC[?25h), after switching the terminal to raw mode and listening to keys.
 * An answer fires only while a prompt is open and its text (ANSI removed) matches `wait`,
 * so keys are never typed before drizzle-kit can read them, and never into the wrong
 * prompt: after an answer, the next one is matched only against output that arrived
 * after those keys were sent (a redraw of the same prompt, or the next prompt).
 * Answers are used in order; each must match within `timeoutMs` (default 15 s).
 * A prompt that opens when no answers are left fails the run at once.
 */
export interface Answer {
  wait: RegExp | string;
  keys: Key[];
  timeoutMs?: number;
}

export interface DrizzleKitOptions extends RunOptions {
  /** Run under a pseudo-terminal and answer prompts (an empty list: fail on any prompt). */
  answers?: Answer[];
  /** drizzle-kit 1.0: answers given up front, appended as `--hints '<json>'` (see `renameHint`). */
  hints?: KitHint[];
}

/**
 * A drizzle-kit 1.0 hint (`--hints`): how to resolve a question `generate` would ask.
 * Entities are `[schema, name]` (tables, enums, …) or `[schema, table, name]` (columns,
 * indexes: drizzle-kit 1.0 also asks whether an index was renamed).
 */
export type KitHint =
  | { type: 'rename'; kind: string; from: string[]; to: string[] }
  | { type: 'create'; kind: string; entity: string[] }
  | { type: 'confirm_data_loss'; kind: string; entity: string[] };

/**
 * The drizzle-kit 1.0 hint "`from` was renamed to `to`". A bare name means the
 * `public` schema: `renameHint('events', 'app_events')`; otherwise pass `[schema, name]`
 * (`[schema, table, name]` with kind 'column' or 'index').
 */
export function renameHint(from: string | string[], to: string | string[], kind = 'table'): KitHint {
  const entity = (e: string | string[]) => (typeof e === 'string' ? ['public', e] : e);
  return { type: 'rename', kind, from: entity(from), to: entity(to) };
}

/** `--hints '<json>'` arguments for drizzle-kit 1.0 (also passed through by `drizzle-partitions generate`). */
export function hintsArgs(hints: readonly KitHint[]): string[] {
  return ['--hints', JSON.stringify(hints)];
}

/**
 * The answer "table `to` was renamed" for the prompt about `to`. `choice` is the line to
 * pick: 0 is '+ create', 1 the first '~ old › to rename' line (dropped tables in
 * drizzle-kit's order), and so on. `entity` is the word drizzle-kit prints ('table',
 * 'enum', 'sequence', 'view', 'policy', 'role'; columns use `columnRenameAnswer`).
 */
export function renameAnswer(to: string, choice = 1, entity = 'table'): Answer {
  return {
    wait: new RegExp(`Is ${escapeRegExp(to)} ${escapeRegExp(entity)} created or renamed from another`),
    keys: [...Array<Key>(choice).fill('down'), 'enter'],
  };
}

/** The answer "column `to` of `table` was renamed" (`choice` as in `renameAnswer`). */
export function columnRenameAnswer(table: string, to: string, choice = 1): Answer {
  return {
    wait: new RegExp(
      `Is ${escapeRegExp(to)} column in ${escapeRegExp(table)} table created or renamed from another column`,
    ),
    keys: [...Array<Key>(choice).fill('down'), 'enter'],
  };
}

export interface Project {
  /** Absolute path of the project directory. */
  readonly dir: string;
  /** Environment given to every child process (DATABASE_URL only if you set it). */
  readonly env: Record<string, string | undefined>;
  /** The drizzle the project is built on ('0.31' unless created with `drizzle: '1'`). */
  readonly drizzle: DrizzleLine;
  /** Absolute path of `rel` inside the project. */
  path(rel: string): string;
  /** Write a file (parent directories created). */
  write(rel: string, content: string): Promise<void>;
  /** Read a UTF-8 file. */
  read(rel: string): Promise<string>;
  /** Read and parse a JSON file (e.g. 'drizzle/meta/_journal.json'). */
  readJson<T = unknown>(rel: string): Promise<T>;
  /** Whether a file or directory exists. */
  exists(rel: string): boolean;
  /** Sorted entry names of a directory, [] if it does not exist. */
  list(rel?: string): Promise<string[]>;
  /** Run `node <args>` with cwd = dir. */
  node(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Run `node node_modules/drizzle-kit/bin.cjs <args>` with cwd = dir (see `Answer`). */
  drizzleKit(args: string[], opts?: DrizzleKitOptions): Promise<RunResult>;
  /** Run our CLI, `node <repo>/dist/esm/cli/main.js <args>` (drizzle 1: the project's copy of it), with cwd = dir; with `answers`, under a pseudo-terminal (see `Answer`). */
  cli(args: string[], opts?: RunOptions & { answers?: Answer[] }): Promise<RunResult>;
  /** `drizzle-kit migrate` with DATABASE_URL=url (plus `args`, e.g. ['--config', 'x.ts']). */
  migrateWithDrizzleKit(url: string, args?: string[]): Promise<RunResult>;
  /** Apply `<dir>/<migrationsFolder>` with drizzle-orm's postgres-js `migrate()`: in-process (0.45), or in a child process on the project's drizzle-orm (1.0). */
  migrateWithOrm(url: string, migrationsFolder?: string): Promise<void>;
  /** Delete the project directory (the node_modules symlinks, not their targets; drizzle 1: the drizzle-partitions copy too). */
  remove(): Promise<void>;
}

export interface CreateProjectOptions {
  /** Files to write, by project-relative path. A minimal package.json is added if absent. */
  files: Record<string, string>;
  /** Part of the directory name (`dp-e2e-<name>-XXXXXX`). */
  name?: string;
  /** DATABASE_URL for every child process (e.g. `db.url`). */
  databaseUrl?: string;
  /** Extra environment for every child process. */
  env?: Record<string, string>;
  /**
   * '1': drizzle-kit / drizzle-orm 1.0 from `workspaces/drizzle-1`, and drizzle-partitions
   * installed as a copy of package.json + dist/ (see the file header). Default '0.31'.
   */
  drizzle?: DrizzleLine;
}

export async function createProject(opts: CreateProjectOptions): Promise<Project> {
  for (const f of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/cli/main.js']) {
    if (!existsSync(join(REPO_ROOT, f))) {
      throw new Error(`[e2e] ${join(REPO_ROOT, f)} is missing: run \`npm run build\` first (npm test does).`);
    }
  }
  const line = opts.drizzle ?? '0.31';
  if (line === '1' && !existsSync(join(DRIZZLE_1_MODULES, 'drizzle-kit', 'bin.cjs'))) {
    throw new Error(`[e2e] ${DRIZZLE_1_MODULES} has no drizzle-kit: run \`npm ci --prefix workspaces/drizzle-1\` first (.ci/run does).`);
  }
  const label = (opts.name ?? 'project').replace(/[^A-Za-z0-9_.-]+/g, '-');
  const dir = await realpath(await mkdtemp(join(tmpdir(), `dp-e2e-${label}-`)));
  try {
    if (line === '1') await linkNodeModulesDrizzle1(dir);
    else await linkNodeModules(dir);
    const files = { ...opts.files };
    if (!('package.json' in files)) {
      files['package.json'] = `${JSON.stringify({ name: `dp-e2e-${label}`.toLowerCase(), private: true }, null, 2)}\n`;
    }
    for (const [rel, content] of Object.entries(files)) await writeIn(dir, rel, content);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const env: Record<string, string | undefined> = { ...opts.env };
  if (opts.databaseUrl !== undefined) env.DATABASE_URL = opts.databaseUrl;
  return makeProject(dir, env, line);
}

/**
 * drizzle.config.ts text for PostgreSQL. Paths are relative to the project directory
 * (drizzle-kit resolves them against its cwd). The URL comes from DATABASE_URL.
 */
export function pgConfig(
  opts: {
    out?: string;
    schema?: string | string[];
    casing?: 'snake_case' | 'camelCase';
    prefix?: 'index' | 'timestamp' | 'supabase' | 'unix' | 'none';
  } = {},
): string {
  const lines = [
    `  dialect: 'postgresql',`,
    `  schema: ${JSON.stringify(opts.schema ?? './src/schema.ts')},`,
    `  out: ${JSON.stringify(opts.out ?? './drizzle')},`,
  ];
  if (opts.casing) lines.push(`  casing: ${JSON.stringify(opts.casing)},`);
  if (opts.prefix) lines.push(`  migrations: { prefix: ${JSON.stringify(opts.prefix)} },`);
  lines.push(`  dbCredentials: { url: process.env.DATABASE_URL! },`);
  return `import { defineConfig } from 'drizzle-kit';\n\nexport default defineConfig({\n${lines.join('\n')}\n});\n`;
}

// ---------------------------------------------------------------------------

async function linkNodeModules(dir: string): Promise<void> {
  const source = join(REPO_ROOT, 'node_modules');
  const target = join(dir, 'node_modules');
  await mkdir(target);
  const entries = await readdir(source, { withFileTypes: true });
  await Promise.all(
    entries
      .filter((e) => e.name !== 'drizzle-partitions')
      .map((e) => symlink(join(source, e.name), join(target, e.name), e.isDirectory() ? 'dir' : 'file')),
  );
  await symlink(REPO_ROOT, join(target, 'drizzle-partitions'), 'dir');
}

/**
 * drizzle 1: the repo's node_modules entries with `workspaces/drizzle-1`'s linked over
 * them, and drizzle-partitions copied in (package.json + dist/), so that its
 * `require('drizzle-orm')` finds the project's drizzle-orm 1.0, as in a user's project.
 */
async function linkNodeModulesDrizzle1(dir: string): Promise<void> {
  const target = join(dir, 'node_modules');
  await mkdir(target);
  const links = new Map<string, { path: string; isDir: boolean }>();
  for (const source of [join(REPO_ROOT, 'node_modules'), DRIZZLE_1_MODULES]) {
    for (const e of await readdir(source, { withFileTypes: true })) {
      if (e.name === 'drizzle-partitions' || e.name === '.package-lock.json') continue;
      links.set(e.name, { path: join(source, e.name), isDir: e.isDirectory() });
    }
  }
  await Promise.all([...links].map(([name, l]) => symlink(l.path, join(target, name), l.isDir ? 'dir' : 'file')));
  const pkg = join(target, 'drizzle-partitions');
  await mkdir(pkg);
  await cp(join(REPO_ROOT, 'package.json'), join(pkg, 'package.json'));
  await cp(join(REPO_ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
}

/** drizzle-orm 1.0's postgres-js migrator, run by `node` in a drizzle 1 project. */
const ORM_1_MIGRATE_SCRIPT = `import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
const [url, database, migrationsFolder] = process.argv.slice(2);
const sql = postgres(url, { ...(database ? { database } : {}), max: 1, onnotice: () => {} });
try {
  await migrate(drizzle({ client: sql }), { migrationsFolder });
} finally {
  await sql.end({ timeout: 5 });
}
`;

function inside(dir: string, rel: string): string {
  const abs = resolve(dir, rel);
  const r = relative(dir, abs);
  if (r.startsWith('..') || isAbsolute(r)) throw new Error(`[e2e] path escapes the project: ${rel}`);
  return abs;
}

async function writeIn(dir: string, rel: string, content: string): Promise<void> {
  const abs = inside(dir, rel);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, content);
}

function makeProject(dir: string, env: Record<string, string | undefined>, line: DrizzleLine = '0.31'): Project {
  const childEnv = (extra?: Record<string, string | undefined>): NodeJS.ProcessEnv => {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    delete merged.DATABASE_URL; // the runner's admin URL must not leak into projects
    for (const [k, v] of Object.entries({ ...env, ...extra })) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return merged;
  };
  const drizzleKitBin = join(dir, 'node_modules', 'drizzle-kit', 'bin.cjs');
  const cliMain =
    line === '1'
      ? join(dir, 'node_modules', 'drizzle-partitions', 'dist', 'esm', 'cli', 'main.js')
      : join(REPO_ROOT, 'dist', 'esm', 'cli', 'main.js');

  const project: Project = {
    dir,
    env,
    drizzle: line,
    path: (rel) => inside(dir, rel),
    write: (rel, content) => writeIn(dir, rel, content),
    read: (rel) => readFile(inside(dir, rel), 'utf8'),
    readJson: async (rel) => JSON.parse(await readFile(inside(dir, rel), 'utf8')),
    exists: (rel) => existsSync(inside(dir, rel)),
    async list(rel = '.') {
      try {
        return (await readdir(inside(dir, rel))).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    node: (args, opts = {}) =>
      runPiped(process.execPath, args, { cwd: dir, env: childEnv(opts.env), timeoutMs: opts.timeoutMs }),
    drizzleKit(args, opts = {}) {
      const argv = [drizzleKitBin, ...args, ...(opts.hints ? hintsArgs(opts.hints) : [])];
      if (opts.answers === undefined) {
        return runPiped(process.execPath, argv, { cwd: dir, env: childEnv(opts.env), timeoutMs: opts.timeoutMs });
      }
      return runInPty(process.execPath, argv, opts.answers, {
        cwd: dir,
        env: childEnv(opts.env),
        timeoutMs: opts.timeoutMs,
      });
    },
    cli: (args, opts = {}) =>
      opts.answers === undefined
        ? runPiped(process.execPath, [cliMain, ...args], { cwd: dir, env: childEnv(opts.env), timeoutMs: opts.timeoutMs })
        : runInPty(process.execPath, [cliMain, ...args], opts.answers, { cwd: dir, env: childEnv(opts.env), timeoutMs: opts.timeoutMs }),
    migrateWithDrizzleKit: (url, args = []) =>
      project.drizzleKit(['migrate', ...args], { env: { DATABASE_URL: url } }),
    async migrateWithOrm(url, migrationsFolder = 'drizzle') {
      if (line === '1') {
        const script = join(dir, '.dp-e2e-orm-migrate.mjs');
        if (!existsSync(script)) await writeFile(script, ORM_1_MIGRATE_SCRIPT);
        // postgres.js 3.4 does not percent-decode the database name of a URL (see connect())
        const r = await runPiped(process.execPath, [script, url, databaseFromUrl(url) ?? '', inside(dir, migrationsFolder)], {
          cwd: dir,
          env: childEnv(),
        });
        if (r.code !== 0) throw new Error(`[e2e] drizzle-orm 1.0 migrate() failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
        return;
      }
      const sql = connect(url, { max: 1 });
      try {
        await migrate(drizzle(sql), { migrationsFolder: inside(dir, migrationsFolder) });
      } finally {
        await sql.end({ timeout: 5 }).catch(() => {});
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return project;
}

interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (signal ? (signals[signal] ?? 0) : 0);
}

/** Run without a terminal: stdin ignored (so `process.stdin.isTTY` is false). */
function runPiped(command: string, args: string[], opts: SpawnOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `[e2e] timed out after ${timeoutMs} ms: ${commandLine(command, args)}\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: exitCode(code, signal), stdout, stderr });
    });
  });
}

/** How long the output of a prompt no answer covers must be quiet before it is reported. */
const UNANSWERED_QUIET_MS = 300;

const CURSOR_HIDE = '\x1b[?25l'; // hanji: a prompt opened (view attached)
const CURSOR_SHOW = '\x1b[?25h'; // hanji: a prompt closed (tearDown)

const KEY_BYTES: Record<Exclude<Key, { text: string }>, string> = {
  up: '\x1b[A',
  down: '\x1b[B',
  enter: '\r',
  escape: '\x1b',
  space: ' ',
  tab: '\t',
  'ctrl-c': '\x03',
};

function keyBytes(key: Key): string {
  return typeof key === 'string' ? KEY_BYTES[key] : key.text;
}

function clean(raw: string): string {
  return stripVTControlCharacters(raw).replace(/\r\n?/g, '\n');
}

/**
 * Run under a pseudo-terminal: `script -qec "<cmd>" /dev/null` (util-linux), keys written
 * to script's stdin, which it forwards to the terminal. See `Answer`.
 */
function runInPty(command: string, args: string[], answers: Answer[], opts: SpawnOptions): Promise<RunResult> {
  const shellCommand = `stty cols 200 rows 50 2>/dev/null; exec ${[command, ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qec', shellCommand, '/dev/null'], {
      cwd: opts.cwd,
      env: { ...opts.env, SHELL: '/bin/sh' }, // script -c runs "$SHELL -c"
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => {}); // EPIPE if it exits while keys are in flight
    let raw = '';
    let scriptErr = '';
    let next = 0; // index of the next answer
    let searchFrom = 0; // raw offset: output before this was seen by the previous answer
    let promptOpen = false;
    let promptStart = 0; // raw offset of the open prompt's ESC[?25l
    let settled = false;
    let stepTimer: NodeJS.Timeout | undefined;
    let unanswered: NodeJS.Timeout | undefined; // a prompt no answer covers, reported once its output is quiet

    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(stepTimer);
      clearTimeout(unanswered);
      child.kill('SIGTERM'); // script forwards it to drizzle-kit
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      reject(
        new Error(
          `[e2e] ${message}\n  command: ${commandLine(command, args)}\n--- terminal output ---\n${tail(clean(raw))}${scriptErr ? `\n--- script stderr ---\n${tail(scriptErr)}` : ''}`,
        ),
      );
    };

    const armStep = () => {
      clearTimeout(stepTimer);
      const answer = answers[next];
      if (!answer) return;
      const index = next;
      stepTimer = setTimeout(
        () => fail(`answer #${index + 1} timed out: no open prompt matched ${String(answer.wait)} within ${answer.timeoutMs ?? 15_000} ms`),
        answer.timeoutMs ?? 15_000,
      );
    };

    const reportUnanswered = () => fail(`drizzle-kit opened a prompt that no answer covers:\n${clean(raw.slice(Math.max(searchFrom, promptStart))).trim()}`);
    const check = () => {
      if (settled) return;
      if (!promptOpen) return;
      const answer = answers[next];
      const from = Math.max(searchFrom, promptStart);
      const screen = clean(raw.slice(from));
      if (!answer) {
        // Only a prompt opened after the last keys counts (the answered one redraws itself).
        // Its text follows ESC[?25l in writes of its own, which the terminal may split: it is
        // reported once no output has come for UNANSWERED_QUIET_MS, so the message holds the
        // whole prompt (a report on the first write once showed one choice of four).
        if (promptStart >= searchFrom && screen.trim()) {
          clearTimeout(unanswered);
          unanswered = setTimeout(reportUnanswered, UNANSWERED_QUIET_MS);
        }
        return;
      }
      const matched = typeof answer.wait === 'string' ? screen.includes(answer.wait) : answer.wait.test(screen);
      if (!matched) return;
      child.stdin.write(answer.keys.map(keyBytes).join(''));
      searchFrom = raw.length;
      next += 1;
      armStep();
    };

    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const before = raw.length;
      raw += d;
      // Track prompt open/close from the cursor toggles in this chunk (a sequence split
      // across chunks is found by scanning a few characters back).
      const scanFrom = Math.max(0, before - CURSOR_HIDE.length);
      const hide = raw.lastIndexOf(CURSOR_HIDE);
      const show = raw.lastIndexOf(CURSOR_SHOW);
      if (hide >= scanFrom || show >= scanFrom) {
        promptOpen = hide > show;
        if (promptOpen) promptStart = hide;
      }
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (scriptErr += d));

    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const totalTimer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    armStep();

    child.on('error', (err) => fail(`could not run util-linux \`script\`: ${err.message}`));
    child.on('close', (code, signal) => {
      clearTimeout(totalTimer);
      clearTimeout(stepTimer);
      child.stdin.destroy();
      if (settled) return;
      if (unanswered) {
        reportUnanswered();
        return;
      }
      if (next < answers.length) {
        const answer = answers[next]!;
        fail(`drizzle-kit exited (code ${exitCode(code, signal)}) before answer #${next + 1} (${String(answer.wait)}) could be given`);
        return;
      }
      settled = true;
      resolvePromise({ code: exitCode(code, signal), stdout: clean(raw), stderr: '' });
    });
  });
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function commandLine(command: string, args: string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

function tail(s: string, max = 4000): string {
  return s.length > max ? `…${s.slice(-max)}` : s;
}
