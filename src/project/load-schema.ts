/**
 * Loading a user's drizzle schema the way drizzle-kit 0.31 `generate` does: the
 * config's `schema` patterns expanded to files (glob, file or directory one level
 * deep), each file loaded with tsx, and every export collected.
 *
 * Files are loaded like drizzle-kit 0.31 loads them: `require()` under tsx's
 * CommonJS hooks (`tsx/cjs/api`). Every file — `.ts`, `.mts`, or ESM in a
 * `"type": "module"` package — is compiled to CommonJS, so what loads here loads in
 * `drizzle-kit generate` and the other way round (top-level await fails in both).
 * Imports (`drizzle-orm`, `drizzle-partitions`, `./other-file`) resolve from the
 * loaded file, i.e. in the user's project, with the `require` condition: a schema's
 * `drizzle-partitions` is the package's CommonJS build, whichever build loads it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { ConfigError } from '../errors.js';
import { loadFailureHint, thrownMessage } from './thrown.js';

/**
 * Extensions of the files a schema pattern keeps, as in drizzle-kit 0.31.
 *
 * @example
 * ```ts
 * SCHEMA_EXTENSIONS.includes(path.extname(file) as SchemaExtension);
 * ```
 */
export const SCHEMA_EXTENSIONS = ['.ts', '.js', '.mjs', '.cjs', '.mts', '.cts'] as const;

/**
 * One of {@link SCHEMA_EXTENSIONS}.
 *
 * @example
 * ```ts
 * const ext: SchemaExtension = '.mts';
 * ```
 */
export type SchemaExtension = (typeof SCHEMA_EXTENSIONS)[number];

/**
 * What {@link loadSchema} needs: the config's schema patterns and the directory
 * they are relative to. A {@link DrizzleProjectConfig} fits as it is.
 *
 * @example
 * ```ts
 * const opts: LoadSchemaOptions = { schema: ['./src/db/schema.ts'], cwd: '/app' };
 * ```
 */
export interface LoadSchemaOptions {
  /** Globs, file paths or directories, relative to `cwd` (or absolute). */
  schema: string | readonly string[];
  /** Directory the patterns are relative to; default `process.cwd()`. */
  cwd?: string | undefined;
}

/**
 * The loaded schema: the files, and every value they export.
 *
 * @example
 * ```ts
 * const { files, exports }: LoadedSchema = await loadSchema(config);
 * ```
 */
export interface LoadedSchema {
  /** Absolute paths of the loaded files, in load order. */
  files: string[];
  /**
   * Every export of every file, keyed by export name. A value exported twice (a
   * re-export, or a file matched twice) appears once, under its first name; a name
   * already taken by another value gets a suffix: `users`, `users$2`, `users$3`.
   */
  exports: Record<string, unknown>;
}

/**
 * The files a drizzle config's `schema` patterns name, as drizzle-kit 0.31 finds
 * them: each pattern is a glob (dotfiles not matched), a file or a directory;
 * every directory matched contributes its direct files (one level, no dotfiles).
 * Only {@link SCHEMA_EXTENSIONS} are kept (declaration files `.d.ts` are not).
 * Patterns are taken in order, each one's matches sorted as glob 8 sorts them,
 * duplicates dropped — the order drizzle-kit loads them in, which decides the
 * order of the tables it creates. A path that exists as written is taken as is,
 * even if it contains glob characters (`src/app/(db)/[x].ts`).
 *
 * @throws {ConfigError} `SCHEMA_NOT_FOUND` when nothing matches.
 *
 * @example
 * ```ts
 * await resolveSchemaFiles({ schema: ['./src/db/*.ts', './src/legacy'], cwd: '/app' });
 * // ['/app/src/db/events.ts', '/app/src/db/users.ts', '/app/src/legacy/orders.ts']
 * ```
 */
export async function resolveSchemaFiles(opts: LoadSchemaOptions): Promise<string[]> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const patterns = typeof opts.schema === 'string' ? [opts.schema] : [...opts.schema];
  const files = new Set<string>();
  for (const pattern of patterns) {
    const literal = resolve(cwd, pattern);
    const matches = existsSync(literal)
      ? [literal]
      : (await glob(pattern, { cwd, absolute: true, onlyFiles: false, dot: false, expandDirectories: false })).map((m) => resolve(m));
    for (const match of matches.sort(globOrder)) {
      const stat = statSync(match, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) {
        readdirSync(match)
          .filter((name) => !name.startsWith('.'))
          .sort(globOrder)
          .map((name) => join(match, name))
          .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() && isSchemaFile(file))
          .forEach((file) => files.add(file));
      } else if (stat.isFile() && isSchemaFile(match)) {
        files.add(match);
      }
    }
  }
  if (files.size === 0) {
    const list = patterns.length ? patterns.map((p) => JSON.stringify(p)).join(', ') : '(none)';
    throw new ConfigError('SCHEMA_NOT_FOUND', `no schema files match the schema patterns ${list} (relative to ${cwd})`, {
      hint: `point "schema" in the drizzle config at files ending in ${SCHEMA_EXTENSIONS.join(', ')}, a directory of them, or a glob`,
    });
  }
  return [...files];
}

/**
 * Loads the schema files a drizzle config names (see {@link resolveSchemaFiles})
 * with tsx, in one module graph (a file imported by another is evaluated once),
 * and collects their exports into one record: each file's `module.exports`, as
 * drizzle-kit's `require` sees it (an ESM-syntax file's exports in alphabetical
 * order, plus `default`). Like drizzle-kit, tsx loads `x.ts` for a matched `x.js`
 * that has one beside it (and `.cts`/`.mts` for `.cjs`/`.mjs`).
 *
 * With `using.load`, files are loaded by it instead (generate passes one that
 * takes the modules drizzle-kit 0.31 has just loaded, so none is evaluated twice).
 *
 * @throws {ConfigError} `SCHEMA_NOT_FOUND` when nothing matches; `SCHEMA_LOAD_FAILED`
 * naming the file when one throws (the original error is `cause`).
 *
 * @example
 * ```ts
 * const config = await loadDrizzleConfig({ cwd: process.cwd() });
 * const { exports } = await loadSchema(config);
 * const tables = partitionedTablesOf(exports);
 * ```
 */
export async function loadSchema(config: LoadSchemaOptions, using: { load?: ModuleLoader } = {}): Promise<LoadedSchema> {
  const cwd = resolve(config.cwd ?? process.cwd());
  const files = await resolveSchemaFiles({ schema: config.schema, cwd });
  const exports: Record<string, unknown> = {};
  const seen = new Set<unknown>();
  const withLoader = (fn: (load: ModuleLoader) => Promise<void>) => (using.load ? fn(using.load) : withTsxLoader(cwd, fn));
  await withLoader(async (load) => {
    for (const file of files) {
      let mod: Record<string, unknown>;
      try {
        mod = await load(file);
      } catch (e) {
        throw new ConfigError('SCHEMA_LOAD_FAILED', `schema file "${file}" failed to load: ${thrownMessage(e)}`, {
          file,
          cause: e,
          hint: loadFailureHint(e),
        });
      }
      for (const [name, value] of Object.entries(mod)) {
        if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
          if (seen.has(value)) continue;
          seen.add(value);
        }
        let key = name;
        for (let n = 2; Object.hasOwn(exports, key); n++) key = `${name}$${n}`;
        Object.defineProperty(exports, key, { value, enumerable: true, writable: true, configurable: true });
      }
    }
  });
  return { files, exports };
}

/**
 * Loads a file with tsx and returns what `require()` returns: `module.exports`
 * (for a file written as ESM, its named exports plus `default`).
 *
 * @example
 * ```ts
 * const users = await withTsxLoader(cwd, (load: ModuleLoader) => load('/app/src/db/users.ts'));
 * ```
 */
export type ModuleLoader = (file: string) => Promise<Record<string, unknown>>;

/**
 * Runs `fn` with tsx's CommonJS loader registered under a fresh namespace, so every
 * file is loaded anew (an edited config or schema is seen by the next call), while
 * files loaded within one call share their imports. The loader is unregistered
 * after. `tsconfig.json` (for `paths` and the like) is looked up from `cwd`
 * upwards — tsx alone would look from `process.cwd()` — unless `TSX_TSCONFIG_PATH`
 * is set.
 *
 * @example
 * ```ts
 * const [a, b] = await withTsxLoader('/app', async (load) => [await load('/app/src/db/a.ts'), await load('/app/src/db/b.ts')]);
 * ```
 */
export async function withTsxLoader<T>(cwd: string, fn: (load: ModuleLoader) => Promise<T>): Promise<T> {
  const tsx = await importTsx();
  const tsconfig = process.env.TSX_TSCONFIG_PATH ? undefined : findUp(resolve(cwd), 'tsconfig.json');
  // tsx's CommonJS hooks read TSX_TSCONFIG_PATH once, when registered.
  if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
  let api: { require(id: string, fromFile: string): unknown; unregister(): void };
  try {
    api = tsx.register({ namespace: `drizzle-partitions-${randomUUID()}` });
  } finally {
    if (tsconfig) delete process.env.TSX_TSCONFIG_PATH;
  }
  try {
    return await fn(async (file) => {
      const moduleExports: unknown = api.require(file, file);
      return (typeof moduleExports === 'object' && moduleExports !== null) || typeof moduleExports === 'function'
        ? (moduleExports as Record<string, unknown>)
        : { default: moduleExports };
    });
  } finally {
    api.unregister();
  }
}

const TSX_CJS_API: string = 'tsx/cjs/api';

/**
 * The part of `tsx/cjs/api` used (tsx 4): registered under a namespace, or globally
 * (then `register()` returns the function that unregisters it).
 *
 * @example
 * ```ts
 * const unregister = (await importTsx()).register();
 * ```
 */
export interface TsxCjsApi {
  register(options: { namespace: string }): { require(id: string, fromFile: string): unknown; unregister(): void };
  register(): () => void;
}

/**
 * tsx's CommonJS API, loaded lazily (and an optional peer): importing this package
 * must not pull in tsx and esbuild. Not a literal specifier: the CommonJS build
 * resolves types the Node 10 way, which cannot see tsx's `exports` map.
 *
 * @throws {ConfigError} `TSX_MISSING` when tsx is not installed.
 *
 * @example
 * ```ts
 * const tsx = await importTsx();
 * ```
 */
export async function importTsx(): Promise<TsxCjsApi> {
  try {
    return (await import(TSX_CJS_API)) as TsxCjsApi;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new ConfigError('TSX_MISSING', 'loading the drizzle config and the schema files needs tsx, which is not installed', { hint: 'npm install --save-dev tsx (drizzle-partitions has it as an optional peer dependency, so that an application importing only the schema API does not install it)', cause: e });
  }
}

function findUp(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

function isSchemaFile(file: string): boolean {
  const name = basename(file);
  return (SCHEMA_EXTENSIONS as readonly string[]).includes(extname(name)) && !/\.d\.[cm]?ts$/.test(name);
}

/** glob 8's sort (drizzle-kit 0.31 bundles glob 8). */
function globOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en');
}
