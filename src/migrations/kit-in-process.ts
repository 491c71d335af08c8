/**
 * Running drizzle-kit 0.31's `generate` inside this process rather than in a child
 * process, so that the schema it loads is loaded once: drizzle-kit 0.31 registers
 * its bundled tsx's CommonJS hooks for good and `require()`s each schema file by its
 * absolute path, so after it the same `require()` returns the very module it
 * evaluated (from `require.cache`), with no second evaluation.
 *
 * drizzle-kit's CLI script calls its command runner at top level and drops the
 * promise; here it is compiled with that one call deferred (a function on
 * `module.exports` returning the runner's promise, so its end is known) and its
 * bundled tsx exported. While it runs, `process.exit` is replaced (it records the
 * code and throws, so no line after it runs, as with a real exit), `process.argv`
 * is drizzle-kit's, and what it writes to stdout/stderr is captured (and passed on
 * to the terminal in `inherit` mode, as a child with inherited stdio would).
 * Nothing it prints after its exit is shown, as nothing would be.
 *
 * drizzle-kit 1.0 loads schema files with jiti (`requireCache: false`, one instance
 * per file): nothing of its load can be reused, so it keeps running as a child
 * (see run.ts).
 *
 * The config is read before drizzle-kit runs with drizzle-kit's own tsx registered
 * globally for the time of one `require()`, as drizzle-kit registers it: tsx's
 * transform cache then serves it (a namespaced tsx, as the post-processor alone
 * uses, never hits it), no second tsx is loaded, and the modules it loaded leave
 * the cache, so drizzle-kit loads the config itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import type { ModuleLoader } from '../project/load-schema.js';

/** drizzle-kit 0.31's top-level call of its command runner (bin.cjs), the line patched. */
const RUN_CALL = '\nrun([generate, migrate, pull, push, studio, up, check, drop, exportRaw, ...legacy], {';
/** How drizzle-kit 0.31 registers tsx: globally, never unregistered. */
const TSX_REGISTER = 'const tsx = require_api();\n      tsx.register();';
const RUN_EXPORT = '__drizzlePartitionsRun';
const TSX_EXPORT = '__drizzlePartitionsTsx';

/** What a drizzle-kit run ends with: its exit code and what it printed. */
export interface KitRun {
  code: number;
  output: string;
}

/**
 * The source of drizzle-kit's bin.cjs with its runner deferred and exported (and its
 * bundled tsx), when it is drizzle-kit 0.31 as this module knows it; otherwise
 * undefined (run it as a child).
 *
 * @example
 * ```ts
 * const source = inProcessKitSource(drizzleKitBin(cwd)); // undefined for drizzle-kit 1.0
 * ```
 */
export function inProcessKitSource(bin: string): string | undefined {
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(join(dirname(bin), 'package.json'), 'utf8')) as { version?: unknown }).version;
  } catch {
    return undefined;
  }
  if (typeof version !== 'string' || !version.startsWith('0.31.')) return undefined;
  const source = readFileSync(bin, 'utf8');
  const at = source.indexOf(RUN_CALL);
  if (at < 0 || source.indexOf(RUN_CALL, at + 1) >= 0 || !source.includes(TSX_REGISTER)) return undefined;
  return `${source.slice(0, at)}\nmodule.exports.${RUN_EXPORT} = () => ${source.slice(at + 1)}\nmodule.exports.${TSX_EXPORT} = require_api;\n`;
}

/** Thrown by the stand-in `process.exit`: nothing after drizzle-kit's exit may run. */
class KitExit extends Error {
  constructor(readonly code: number) {
    super('drizzle-kit exited');
  }
}

interface CompilableModule {
  filename: string;
  paths: string[];
  exports: Record<string, unknown>;
  _compile(source: string, filename: string): void;
}

/** The part of drizzle-kit's bundled tsx used: global registration, undone by the function it returns. */
export interface KitTsx {
  register(): () => void;
}

/**
 * drizzle-kit 0.31 evaluated in this process, not started: its tsx, and `run`.
 *
 * @example
 * ```ts
 * const kit = loadKitInProcess(bin, source);
 * const { code, output } = await kit.run(['generate', '--name', 'init'], 'pipe');
 * ```
 */
export interface InProcessKit {
  tsx: KitTsx;
  /**
   * Runs drizzle-kit with `args`, in this process and its working directory, and
   * resolves when it has ended: its runner settled or it called `process.exit`. In
   * `pipe` mode its output is only captured (and passed to `onOutput`), as a child's
   * piped output. Leaves drizzle-kit's tsx hooks registered: for a process that ends after.
   */
  run(args: string[], stdio: 'inherit' | 'pipe', onOutput?: (s: string) => void): Promise<KitRun>;
}

/**
 * Evaluates drizzle-kit's bin.cjs (the patched `source` of `bin`, from
 * {@link inProcessKitSource}) without starting it.
 *
 * @example
 * ```ts
 * const source = inProcessKitSource(bin);
 * const kit = source ? loadKitInProcess(bin, source) : undefined;
 * ```
 */
export function loadKitInProcess(bin: string, source: string): InProcessKit {
  const mod = new Module(bin) as unknown as CompilableModule;
  mod.filename = bin;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(bin));
  mod._compile(source, bin);
  const start = mod.exports[RUN_EXPORT] as () => Promise<unknown>;
  const tsx = (mod.exports[TSX_EXPORT] as () => KitTsx)();
  return { tsx, run: (args, stdio, onOutput) => runKit(bin, start, args, stdio, onOutput) };
}

async function runKit(bin: string, start: () => Promise<unknown>, args: string[], stdio: 'inherit' | 'pipe', onOutput?: (s: string) => void): Promise<KitRun> {
  const saved = { argv: process.argv, exit: process.exit, exitCode: process.exitCode, out: process.stdout.write, err: process.stderr.write };
  let output = '';
  let exitCode: number | undefined;
  let exited!: () => void;
  const exitCalled = new Promise<void>((res) => (exited = res));
  const tee = (stream: NodeJS.WriteStream, write: NodeJS.WriteStream['write']) =>
    function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      if (exitCode !== undefined) return true; // a process that has exited prints nothing more
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      output += text;
      if (stdio === 'pipe') {
        onOutput?.(text);
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (done) process.nextTick(done);
        return true;
      }
      return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as NodeJS.WriteStream['write'];
  const exit = (code?: number | string | null): never => {
    if (exitCode === undefined) {
      exitCode = Number(code ?? process.exitCode ?? 0) || 0;
      exited();
    }
    throw new KitExit(exitCode);
  };
  // An error nothing catches ends a process with code 1, printed; drizzle-kit's exit thrown from an event handler ends it too.
  const uncaught = (e: unknown) => {
    if (!(e instanceof KitExit) && exitCode === undefined) {
      const text = `${inspect(e)}\n`;
      if (stdio === 'inherit') saved.err.call(process.stderr, text);
      output += text;
      exitCode = 1;
      exited();
    }
  };
  process.argv = [process.execPath, bin, ...args];
  process.exit = exit;
  process.exitCode = undefined;
  process.stdout.write = tee(process.stdout, saved.out);
  process.stderr.write = tee(process.stderr, saved.err);
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', uncaught);
  try {
    let started: Promise<unknown> | undefined;
    try {
      started = start();
    } catch (e) {
      uncaught(e); // what it throws at once ends a child with code 1, printed
    }
    const runner = Promise.resolve(started).catch((e: unknown) => uncaught(e));
    await Promise.race([runner, exitCalled]);
    // After an exit, let what was thrown unwind drizzle-kit's awaits (its runner calls exit again on the way out).
    if (exitCode !== undefined) await Promise.race([runner, new Promise((res) => setImmediate(() => setImmediate(res)))]);
    return { code: exitCode ?? Number(process.exitCode ?? 0), output };
  } finally {
    process.removeListener('uncaughtException', uncaught);
    process.removeListener('unhandledRejection', uncaught);
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exit = saved.exit;
    process.exitCode = saved.exitCode;
    process.argv = saved.argv;
  }
}

/**
 * Loads a schema file as drizzle-kit 0.31 did: `require()` under the tsx hooks it
 * left registered, which returns the module it already evaluated.
 *
 * @example
 * ```ts
 * const schema = await loadSchema(config, { load: requireAsDrizzleKit });
 * ```
 */
export const requireAsDrizzleKit: ModuleLoader = async (file) => asRecord(createRequire(file)(file));

function asRecord(moduleExports: unknown): Record<string, unknown> {
  return (typeof moduleExports === 'object' && moduleExports !== null) || typeof moduleExports === 'function' ? (moduleExports as Record<string, unknown>) : { default: moduleExports };
}

/**
 * A loader for a file (the drizzle config) that registers `tsx` (drizzle-kit's)
 * globally for that one `require()`, in the working directory's tsconfig, then
 * takes back every module it added to `require.cache`: nothing stays loaded or hooked.
 *
 * @example
 * ```ts
 * const config = await loadDrizzleConfig({ cwd: process.cwd() }, { load: requireOnceWith(kit.tsx) });
 * ```
 */
export function requireOnceWith(tsx: KitTsx): ModuleLoader {
  return async (file) => {
    const req = createRequire(file);
    const before = new Set(Object.keys(req.cache));
    const unregister = tsx.register();
    try {
      return asRecord(req(file));
    } finally {
      unregister();
      for (const key of Object.keys(req.cache)) if (!before.has(key)) delete req.cache[key];
    }
  };
}
