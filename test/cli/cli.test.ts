/**
 * The command line without a database: every command answers --help (exit 0) with
 * its own usage made from the command table; an unknown option, a missing value or a
 * value that is not what the option takes exits 2 with a sentence naming the option,
 * before anything is read or connected.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseCommandArgs } from '../../src/cli/args.js';
import { ALL_COMMANDS, COMMANDS } from '../../src/cli/commands.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('--help', () => {
  it.each(ALL_COMMANDS.map((c) => c.name))('%s --help and -h print its own usage and every option, exit 0', async (name) => {
    const spec = ALL_COMMANDS.find((c) => c.name === name)!;
    for (const flag of ['--help', '-h']) {
      const r = await cli([...name.split(' '), flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: drizzle-partitions ${name} [options]`);
      for (const option of Object.keys(spec.options)) expect(r.stdout).toContain(`--${option}`);
    }
  });

  it('the top-level help lists every command; no command at all is a usage error (exit 2)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ALL_COMMANDS) expect(help.stdout).toContain(`  ${c.name}`);
    expect((await cli([])).code).toBe(2);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('drizzle-partitions: unknown command "frobnicate". Run drizzle-partitions --help.');
  });
});

describe('bad options exit 2 naming the option, before any work', () => {
  it.each([
    [['apply', '--lock-timeout', 'abc'], '--lock-timeout needs a whole number of 1 or more, not "abc"'],
    [['apply', '--lock-timeout', '0'], '--lock-timeout needs a whole number of 1 or more, not "0"'],
    [['apply', '--create-batch', '2.5'], '--create-batch needs a whole number, not "2.5"'],
    [['plan', '--backfill', '1.5'], '--backfill needs a whole number, not "1.5"'],
    [['status', '--max-default-rows=1e6'], '--max-default-rows needs a whole number, not "1e6"'],
    [['plan', '--now', 'junk'], '--now "junk" is not a date and time'],
    [['plan', '--now', '2026-13-45'], '--now "2026-13-45" is not a date and time'],
    [['status', '--url'], "Option '--url <value>' argument missing"],
    [['status', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['postprocess', '--window'], "Unknown option '--window'"],
    [['plan', 'extra'], "Unexpected argument 'extra'"],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`Run drizzle-partitions ${args[0]} --help.`);
  });

  it.each([
    [['partition'], 'partition needs one of create, attach, detach, move'],
    [['partition', 'split', '--table', 't'], 'partition needs one of create, attach, detach, move, not "split"'],
    [['partition', 'create', '--from', '2026-01-01', '--to', '2026-02-01'], '--table is required'],
    [['partition', 'create', '--table', 't', '--from', '2026-01-01'], '--to is required with --from'],
    [['partition', 'create', '--table', 't', '--values', 'a', '--modulus', '2', '--remainder', '0'], 'partition create needs one bound'],
    [['partition', 'create', '--table', 't', '--modulus', '0', '--remainder', '0'], '--modulus needs a whole number of 1 or more, not "0"'],
    [['partition', 'create', '--table', 't', '--modulus', '4', '--remainder', '4'], '--remainder 4 must be below --modulus 4'],
    [['partition', 'create', '--table', 't', '--values', 'a,,b'], '--values "a,,b" has an empty value'],
    [['partition', 'attach', '--table', 't', '--from', 'a', '--to', 'b'], '--partition is required'],
    [['partition', 'detach', '--table', 't', '--partition', 'p', '--lock-timeout', 'x'], '--lock-timeout needs a whole number of 1 or more, not "x"'],
    [['partition', 'move', '--table', 't', '--partition', 'p'], 'partition move needs --tablespace or --schema'],
    [['partition', 'move', '--table', 't', '--partition', 'p', '--tablespace', 'a', '--schema', 'b'], 'partition move needs --tablespace or --schema'],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`Run drizzle-partitions ${args[0] === 'partition' ? (args[1] && ['create', 'attach', 'detach', 'move'].includes(args[1]) ? `partition ${args[1]} ` : 'partition ') : ''}--help.`);
  });
});

describe('parseCommandArgs', () => {
  const spec = (name: string) => COMMANDS.find((c) => c.name === name)!;

  it('gives numbers for whole-number options, Dates for times, true for switches', () => {
    expect(parseCommandArgs(spec('apply'), ['--lock-timeout', '500', '--yes', '--now=2026-03-01T00:00:00Z', '--max-move-rows', '0', '--create-batch', '0'])).toEqual({
      values: { 'lock-timeout': 500, yes: true, now: new Date('2026-03-01T00:00:00Z'), 'max-move-rows': 0, 'create-batch': 0 },
      forward: [],
    });
  });

  it('generate keeps what is not its own, in order, for drizzle-kit (--config in either form is its own)', () => {
    expect(parseCommandArgs(spec('generate'), ['--config=dk.ts', '--custom', '--name', 'init', '--out', './m', '--breakpoints'])).toEqual({
      values: { config: 'dk.ts', name: 'init' },
      forward: ['--custom', '--out', './m', '--breakpoints'],
    });
    expect(parseCommandArgs(spec('generate'), ['--config', 'dk.ts', '--custom'])).toEqual({ values: { config: 'dk.ts' }, forward: ['--custom'] });
  });
});

describe('convert', () => {
  it('needs a subcommand and --table, checks its flags, exit 2 naming what is wrong; help names every subcommand', async () => {
    for (const flag of ['--help', '-h']) {
      const help = await cli(['convert', flag]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: drizzle-partitions convert <plan|apply|status|undo|drop-old> [options]');
      for (const a of ['plan', 'apply', 'status', 'undo', 'drop-old']) expect(help.stdout).toMatch(new RegExp(`^  ${a} +\\S`, 'm'));
    }
    expect(await cli(['convert'])).toMatchObject({ code: 2, stderr: 'drizzle-partitions: convert needs one of plan, apply, status, undo, drop-old. Run drizzle-partitions convert --help.' });
    expect(await cli(['convert', 'frob', '--table', 'events'])).toMatchObject({ code: 2, stderr: expect.stringContaining('convert needs one of plan, apply, status, undo, drop-old, not "frob"') });
    expect(await cli(['convert', 'apply'])).toMatchObject({ code: 2, stderr: 'drizzle-partitions: --table is required. Run drizzle-partitions convert apply --help.' });
    expect(await cli(['convert', 'apply', '--table', 'events', '--batch-rows', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--batch-rows') });
    expect(await cli(['convert', 'apply', '--table', 'events', '--lock-timeout', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--lock-timeout') });
    expect(await cli(['convert', 'apply', '--table', 'events', '--snapshot-wait', '-5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--snapshot-wait') });
    // a flag of another subcommand is refused, naming it
    expect(await cli(['convert', 'status', '--table', 'events', '--yes'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--yes') });
    expect(await cli(['convert', 'drop-old', '--table', 'events'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--yes') });
  });

  it('partition --help lists its subcommands', async () => {
    const help = await cli(['partition', '--help']);
    expect(help.code).toBe(0);
    for (const a of ['create', 'attach', 'detach', 'move']) expect(help.stdout).toMatch(new RegExp(`^  ${a} +\\S`, 'm'));
  });
});
