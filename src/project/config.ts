/**
 * Reading a user's drizzle config (`drizzle.config.ts`) the way drizzle-kit 0.31
 * does: same lookup, same loader (tsx), same defaults, paths relative to the
 * working directory — not to the config file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { loadFailureHint, thrownMessage } from './thrown.js';
import { withTsxLoader, type ModuleLoader } from './load-schema.js';

/**
 * The config files looked for in the working directory when no `--config` is
 * given, in drizzle-kit 0.31's order: the first that exists is used.
 *
 * @example
 * ```ts
 * DEFAULT_CONFIG_FILES[0]; // 'drizzle.config.ts'
 * ```
 */
export const DEFAULT_CONFIG_FILES = ['drizzle.config.ts', 'drizzle.config.js', 'drizzle.config.json'] as const;

/**
 * Extensions a config file may have: loaded with tsx, or parsed as JSON.
 *
 * @example
 * ```ts
 * CONFIG_EXTENSIONS.includes('.mts'); // true
 * ```
 */
export const CONFIG_EXTENSIONS = ['.ts', '.js', '.mjs', '.cjs', '.mts', '.cts', '.json'] as const;

/**
 * How drizzle-kit 0.31 names migration files (`migrations.prefix` in the config):
 * `index` → `0000_name`, `timestamp`/`supabase` → `20261121101000_name`, `unix` →
 * `1795255803_name`, `none` → `_name`.
 *
 * @example
 * ```ts
 * const prefix: MigrationPrefix = config.prefix; // 'index' unless the config says otherwise
 * ```
 */
export type MigrationPrefix = 'index' | 'timestamp' | 'supabase' | 'unix' | 'none';

/**
 * The config's `casing`: how drizzle names columns declared without a name.
 *
 * @example
 * ```ts
 * const casing: ConfigCasing = 'snake_case'; // createdAt → created_at
 * ```
 */
export type ConfigCasing = 'snake_case' | 'camelCase';

const PREFIXES: readonly MigrationPrefix[] = ['index', 'timestamp', 'supabase', 'unix', 'none'];
const CASINGS: readonly ConfigCasing[] = ['snake_case', 'camelCase'];

/**
 * Where to look for the config.
 *
 * @example
 * ```ts
 * const opts: LoadDrizzleConfigOptions = { cwd: '/app', config: 'db/drizzle.config.ts' };
 * ```
 */
export interface LoadDrizzleConfigOptions {
  /** Working directory: where the default config is looked for, and what every path is relative to. Default `process.cwd()`. */
  cwd?: string | undefined;
  /** `--config`: path of the config file, relative to `cwd` (or absolute). */
  config?: string | undefined;
}

/**
 * A drizzle config, read and checked, with drizzle-kit 0.31's defaults applied.
 *
 * @example
 * ```ts
 * const config: DrizzleProjectConfig = await loadDrizzleConfig({ cwd: '/app' });
 * config.out;    // '/app/drizzle'
 * config.schema; // ['./src/db/schema.ts']
 * ```
 */
export interface DrizzleProjectConfig {
  /** Absolute path of the config file that was read. */
  configFile: string;
  /** Absolute working directory; `schema` patterns are relative to it. */
  cwd: string;
  /** Always `'postgresql'`: other dialects are refused. */
  dialect: 'postgresql';
  /** The `schema` patterns as written in the config (globs, files or directories, relative to `cwd`). */
  schema: string[];
  /** Absolute migrations folder: `out` resolved against `cwd`; default `<cwd>/drizzle`. */
  out: string;
  /** The config's `casing`, if set. */
  casing?: ConfigCasing;
  /** `migrations.prefix`; default `'index'`. */
  prefix: MigrationPrefix;
  /** Whether statements are separated by `--> statement-breakpoint`; default `true`. */
  breakpoints: boolean;
  /** `schemaFilter`, as a list, if set. */
  schemaFilter?: string[];
  /** `tablesFilter`, as a list, if set. */
  tablesFilter?: string[];
  /** `dbCredentials`, untouched, if set. */
  dbCredentials?: unknown;
  /** The whole config object, with any extra keys. */
  raw: Record<string, unknown>;
}

/**
 * Finds, loads and checks the drizzle config as drizzle-kit 0.31 does. With
 * `config`, that path (relative to `cwd`); otherwise `drizzle.config.ts`, then
 * `.js`, then `.json` in `cwd`. Script configs (`.ts .js .mjs .cjs .mts .cts`) are
 * `require()`d through tsx, as drizzle-kit does, and their default export used (or
 * `module.exports`, when there is none); `.json` is parsed. `out` is resolved against `cwd`.
 * As in drizzle-kit, tsx loads `drizzle.config.ts` for `--config drizzle.config.js`
 * when both exist (`.cts`/`.mts` likewise for `.cjs`/`.mjs`). With `using.load`, a
 * script config is loaded by it instead (generate's in-process drizzle-kit run).
 *
 * @throws {ConfigError} `CONFIG_NOT_FOUND`, `CONFIG_LOAD_FAILED` (the file threw,
 * or bad JSON; the original error is `cause`), `CONFIG_INVALID` (not postgresql, no
 * `schema`, or an option of the wrong type) — each message names the file.
 *
 * @example
 * ```ts
 * const config = await loadDrizzleConfig({ cwd: process.cwd(), config: argv.config });
 * const { exports } = await loadSchema(config);
 * ```
 */
export async function loadDrizzleConfig(opts: LoadDrizzleConfigOptions = {}, using: { load?: ModuleLoader } = {}): Promise<DrizzleProjectConfig> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const configFile = findConfigFile(cwd, opts.config);
  const raw = await readConfigFile(configFile, cwd, using.load);
  return checkConfig(raw, configFile, cwd);
}

function findConfigFile(cwd: string, config: string | undefined): string {
  if (config !== undefined) {
    const file = resolve(cwd, config);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
      throw new ConfigError('CONFIG_NOT_FOUND', `drizzle config "${file}" does not exist`, {
        file,
        hint: `--config is relative to the working directory (${cwd})`,
      });
    }
    return file;
  }
  const found = DEFAULT_CONFIG_FILES.map((name) => join(cwd, name)).find((file) => existsSync(file));
  if (!found) {
    throw new ConfigError('CONFIG_NOT_FOUND', `no drizzle config in ${cwd}: looked for ${DEFAULT_CONFIG_FILES.join(', ')}`, {
      hint: 'create drizzle.config.ts there, or pass --config <path>',
    });
  }
  return found;
}

async function readConfigFile(file: string, cwd: string, load: ModuleLoader | undefined): Promise<Record<string, unknown>> {
  const ext = extname(file);
  if (!(CONFIG_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ConfigError('CONFIG_INVALID', `drizzle config "${file}": unsupported file type "${ext}"`, {
      file,
      hint: `use a ${CONFIG_EXTENSIONS.join(', ')} file`,
    });
  }
  let content: unknown;
  try {
    if (ext === '.json') {
      content = JSON.parse(readFileSync(file, 'utf8'));
    } else {
      const mod = load ? await load(file) : await withTsxLoader(cwd, (tsxLoad) => tsxLoad(file));
      content = mod.default ?? mod;
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e; // tsx missing: not the config's fault
    throw new ConfigError('CONFIG_LOAD_FAILED', `drizzle config "${file}" failed to load: ${thrownMessage(e)}`, {
      file,
      cause: e,
      hint: loadFailureHint(e),
    });
  }
  if (!isRecord(content)) {
    throw new ConfigError('CONFIG_INVALID', `drizzle config "${file}" does not export a config object`, {
      file,
      hint: "export default defineConfig({ dialect: 'postgresql', schema: './src/db/schema.ts' })",
    });
  }
  return content;
}

function checkConfig(raw: Record<string, unknown>, configFile: string, cwd: string): DrizzleProjectConfig {
  const invalid = (message: string, hint?: string) =>
    new ConfigError('CONFIG_INVALID', `drizzle config "${configFile}": ${message}`, { file: configFile, hint });

  const { dialect } = raw;
  if (dialect === undefined) throw invalid('"dialect" is missing', "set dialect: 'postgresql'");
  if (dialect !== 'postgresql') {
    throw invalid(`dialect ${JSON.stringify(dialect)} is not supported: drizzle-partitions works with PostgreSQL only`, "set dialect: 'postgresql'");
  }

  if (raw.schema === undefined) {
    throw invalid('"schema" is missing: drizzle-partitions reads the partitioned tables from the schema files', "set schema: './src/db/schema.ts' (a file, a directory or a glob)");
  }
  const schema = stringList(raw.schema);
  if (!schema || schema.length === 0) throw invalid('"schema" must be a path or glob, or a non-empty list of them');

  const out = raw.out ?? 'drizzle';
  if (typeof out !== 'string' || out === '') throw invalid('"out" must be a folder path');

  const { casing } = raw;
  if (casing !== undefined && !CASINGS.includes(casing as ConfigCasing)) {
    throw invalid(`"casing" must be ${CASINGS.map((c) => `'${c}'`).join(' or ')}, not ${JSON.stringify(casing)}`);
  }

  const migrations = raw.migrations ?? {};
  if (!isRecord(migrations)) throw invalid('"migrations" must be an object');
  const prefix = migrations.prefix ?? 'index';
  if (!PREFIXES.includes(prefix as MigrationPrefix)) {
    throw invalid(`"migrations.prefix" must be one of ${PREFIXES.map((p) => `'${p}'`).join(', ')}, not ${JSON.stringify(prefix)}`);
  }

  const breakpoints = raw.breakpoints ?? true;
  if (typeof breakpoints !== 'boolean') throw invalid('"breakpoints" must be true or false');

  const config: DrizzleProjectConfig = {
    configFile,
    cwd,
    dialect: 'postgresql',
    schema,
    out: resolve(cwd, out),
    prefix: prefix as MigrationPrefix,
    breakpoints,
    raw,
  };
  if (casing !== undefined) config.casing = casing as ConfigCasing;
  for (const key of ['schemaFilter', 'tablesFilter'] as const) {
    if (raw[key] === undefined) continue;
    const list = stringList(raw[key]);
    if (!list) throw invalid(`"${key}" must be a string or a list of strings`);
    config[key] = list;
  }
  if (raw.dbCredentials !== undefined) config.dbCredentials = raw.dbCredentials;
  return config;
}

/** A string as a one-element list, a list of non-empty strings as itself, anything else undefined. */
function stringList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string' && s !== '')) return undefined;
  return [...list];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
