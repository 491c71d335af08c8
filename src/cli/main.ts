#!/usr/bin/env node
/**
 * The `drizzle-partitions` command. Exit codes: 0 success, 1 a problem found (for
 * commands that check), 2 usage or connection errors.
 *
 * @example
 * ```sh
 * npx drizzle-partitions --help
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DrizzlePartitionsError } from '../errors.js';

/** What a command returns: its exit code. Output goes through `out`/`err`. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const HELP = `drizzle-partitions — PostgreSQL table partitioning for Drizzle ORM

Usage:
  drizzle-partitions <command> [options]

Commands:
  (the commands arrive with the migration and runtime features:
   generate, postprocess, status, plan, apply)

Options:
  -h, --help       show this help
  -v, --version    print the version

Exit codes: 0 success, 1 problem found, 2 usage or connection error.`;

/** The package version, read from the package.json this file ships in. */
export function packageVersion(): string {
  const path = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runCli(['--version'], { out: console.log, err: console.error });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.out(HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    io.out(packageVersion());
    return 0;
  }
  try {
    io.err(`drizzle-partitions: unknown command "${first}"${rest.length ? ` (with ${rest.join(' ')})` : ''}. Run drizzle-partitions --help.`);
    return 2;
  } catch (e) {
    if (e instanceof DrizzlePartitionsError) {
      io.err(`drizzle-partitions: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url).replace(/\.ts$/, '.js') === process.argv[1].replace(/\.ts$/, '.js');
if (invokedDirectly || process.argv[1]?.endsWith('/drizzle-partitions')) {
  runCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
