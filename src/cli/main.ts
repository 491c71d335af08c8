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
import { parseCommandArgs } from './args.js';
import { ALL_COMMANDS, COMMAND_GROUPS, commandHelp, groupHelp, mainHelp, subcommandsOf, type ConvertAction } from './commands.js';
import type { CliIo } from './io.js';

export type { CliIo } from './io.js';


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
    io.out(mainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    io.out(packageVersion());
    return 0;
  }
  // `partition <create|...>`, `convert <plan|...>`: the subcommand is the second word
  const group = Object.hasOwn(COMMAND_GROUPS, first) ? first : undefined;
  const sub = group && rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift() : undefined;
  if (group && !sub && (rest[0] === '-h' || rest[0] === '--help')) {
    io.out(groupHelp(group));
    return 0;
  }
  const name = sub ? `${group} ${sub}` : first;
  const spec = ALL_COMMANDS.find((c) => c.name === name);
  if (!spec) return usage(io, group ? `${group} needs one of ${subcommandsOf(group).join(', ')}${sub ? `, not "${sub}"` : ''}` : `unknown command "${first}"`, group);
  const parsed = parseCommandArgs(spec, rest);
  if ('help' in parsed) {
    io.out(commandHelp(spec));
    return 0;
  }
  if ('error' in parsed) return usage(io, parsed.error, spec.name);
  const v = parsed.values;
  const text = (name: string) => v[name] as string | undefined;
  try {
    switch (spec.name) {
      case 'postprocess': {
        const result = await postprocess({ config: text('config'), name: text('name'), dryRun: v['dry-run'] === true });
        printResult(result, io, v['dry-run'] === true);
        return 0;
      }
      case 'generate': {
        // --name goes to both (drizzle-kit names its migration with it); --config is passed on by generate() itself
        const name = text('name');
        const result = await generate({ config: text('config'), name, drizzleKitArgs: [...(name ? ['--name', name] : []), ...parsed.forward], inProcess: true });
        printResult(result, io, false);
        return 0;
      }
      case 'partition create':
      case 'partition attach':
      case 'partition detach':
      case 'partition move': {
        const { partitionArgsProblem, runPartition } = await import('./partition.js');
        const problem = partitionArgsProblem(spec.name, v);
        if (problem) return usage(io, problem, spec.name);
        return await runPartition(spec.name, v, io);
      }
      case 'convert plan':
      case 'convert apply':
      case 'convert status':
      case 'convert undo':
      case 'convert drop-old': {
        if (!text('table')) return usage(io, '--table is required', spec.name);
        if (spec.name === 'convert drop-old' && v.yes !== true) return usage(io, 'convert drop-old drops a table: pass --yes to confirm', spec.name);
        return await (await import('./convert.js')).runConvert(spec.name.slice('convert '.length) as ConvertAction, v, io);
      }
      case 'migrate':
        // loaded on demand, as the maintenance commands are: generate needs no database driver
        return await (await import('./migrate.js')).runMigrate(v, io);
      default:
        return await (await import('./maintenance.js')).runMaintenance(spec.name as 'status' | 'plan' | 'apply', v, io);
    }
  } catch (e) {
    if (e instanceof DrizzlePartitionsError) {
      io.err(`drizzle-partitions: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function usage(io: CliIo, problem: string, command?: string): number {
  io.err(`drizzle-partitions: ${problem}. Run drizzle-partitions ${command ? `${command} ` : ''}--help.`);
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
