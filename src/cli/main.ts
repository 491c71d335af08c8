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
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DrizzlePartitionsError } from '../errors.js';
import { generate, postprocess, type PostprocessResult } from '../migrations/run.js';
import { parseFlags, str } from './args.js';
import { runMaintenance } from './maintenance.js';

/** What a command returns: its exit code. Output goes through `out`/`err`. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const HELP = `drizzle-partitions — PostgreSQL table partitioning for Drizzle ORM

Usage:
  drizzle-partitions <command> [options]

Commands:
  generate [drizzle-kit generate flags]
      runs drizzle-kit generate, then postprocess; --config and --name are used by both
  postprocess [--config <file>] [--name <name>] [--dry-run]
      rewrites new migrations into partitioned DDL, writes a migration for
      partition-only changes, and records the partitioning state beside each
  status [--json] [--table <name>]
      partitions, bounds, rows and sizes, and the problems found (exit 1 if any)
  plan [--json] [--backfill <n>] [--max-move-rows <n>] [--max-default-rows <n>]
      what apply would do: partitions to create ahead (or behind), to retire
  apply [--yes] [--wait] [--window] [--lock-timeout <ms>] [--json] (and plan's flags)
      does it; retiring partitions needs --yes (or a yes on a terminal); a
      step past the step limits (--max-move-rows, default 50000 rows moved out
      of the default partition; --max-default-rows, default 1000000 rows in it)
      holds the table longer and runs only with --window; progress on stderr

  status, plan and apply read the drizzle config (--config) for the schema and
  connect to --url, else DATABASE_URL, else dbCredentials.url; --now <iso time>
  sets the clock (for planning ahead, or for tests).

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
    if (first === 'postprocess') {
      const flags = parseFlags(rest, ['config', 'name'], ['dry-run']);
      if (typeof flags === 'string') return usage(io, flags);
      const result = await postprocess({ config: str(flags.config), name: str(flags.name), dryRun: flags['dry-run'] === true });
      printResult(result, io, flags['dry-run'] === true);
      return 0;
    }
    if (first === 'generate') {
      const flags = parseFlags(rest, ['config', 'name', 'out', 'schema', 'dialect', 'casing', 'prefix', 'breakpoints', 'driver'], ['custom'], true);
      if (typeof flags === 'string') return usage(io, flags);
      const result = await generate({ config: str(flags.config), name: str(flags.name), drizzleKitArgs: rest.filter((a, i) => a !== '--config' && rest[i - 1] !== '--config') });
      printResult(result, io, false);
      return 0;
    }
    if (first === 'status' || first === 'plan' || first === 'apply') return await runMaintenance(first, rest, io);
    return usage(io, `unknown command "${first}"`);
  } catch (e) {
    if (e instanceof DrizzlePartitionsError) {
      io.err(`drizzle-partitions: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function usage(io: CliIo, problem: string): number {
  io.err(`drizzle-partitions: ${problem}. Run drizzle-partitions --help.`);
  return 2;
}

function printResult(result: PostprocessResult, io: CliIo, dryRun: boolean): void {
  const changed = result.report.filter((r) => r.action !== 'recorded' || r.notes.length > 0);
  if (result.report.length === 0) io.out('drizzle-partitions: nothing to do; migrations and partitioning state agree with the schema');
  for (const r of result.report) {
    io.out(`drizzle-partitions: ${r.id}: ${dryRun ? `would be ${r.action}` : r.action}`);
    for (const n of r.notes) io.out(`  - ${n}`);
  }
  if (changed.length === 0 && result.report.length > 0) io.out('drizzle-partitions: no partitioning changes');
  for (const w of result.warnings) io.err(`drizzle-partitions: warning: ${w}`);
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
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
