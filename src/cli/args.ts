/**
 * A command's arguments, read with Node's own `util.parseArgs` against the command
 * table (commands.ts) and checked there: a value that is not what its option takes
 * is a sentence naming the option (the CLI exits 2 with it).
 */
import { parseArgs } from 'node:util';
import type { CommandSpec, OptionSpec } from './commands.js';

/** Parsed values: text, numbers for whole-number options and durations (ms), Dates for times, true for switches. */
export type Values = Record<string, string | number | boolean | Date | undefined>;

export type Parsed = { values: Values; forward: string[] } | { help: true } | { error: string };

/** Milliseconds per unit of a duration option. */
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function check(name: string, o: OptionSpec, raw: string): string | number | Date | { error: string } {
  switch (o.kind ?? 'text') {
    case 'text':
      return raw;
    case 'whole':
    case 'positive': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || (o.kind === 'positive' && n < 1)) {
        return { error: `--${name} needs a whole number${o.kind === 'positive' ? ' of 1 or more' : ''}, not ${JSON.stringify(raw)}` };
      }
      return n;
    }
    case 'duration': {
      const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw);
      const n = m ? Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms') as keyof typeof DURATION_UNITS] : NaN;
      if (!Number.isSafeInteger(n) || n < 1) return { error: `--${name} needs a duration: milliseconds or a whole number with a unit (90s, 15m, 2h, 1d), not ${JSON.stringify(raw)}` };
      return n;
    }
    case 'instant': {
      const d = new Date(raw);
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) return { error: `--${name} ${JSON.stringify(raw)} is not a date and time (ISO 8601, e.g. 2026-03-01T00:00:00Z)` };
      return d;
    }
  }
}

/**
 * Reads `args` for command `spec`: its options checked; with `spec.passThrough`,
 * the arguments that are not its own are kept in order in `forward`.
 *
 * @example
 * ```ts
 * parseCommandArgs(COMMANDS.find((c) => c.name === 'apply')!, ['--lock-timeout', '500', '--yes']);
 * // { values: { 'lock-timeout': 500, yes: true }, forward: [] }
 * ```
 */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): Parsed {
  const options = { ...Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }])), help: { type: 'boolean' as const, short: 'h' } };
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: [...args], options, strict: !spec.passThrough, allowPositionals: !!spec.passThrough, tokens: true }));
  } catch (e) {
    // parseArgs' own words ("Unknown option '--x'", "Option '--url <value>' argument missing")
    return { error: (e as Error).message.replace(/\. To specify a positional argument.*$/s, '') };
  }
  const values: Values = {};
  const own = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || !(t.name in options)) continue;
    if (t.name === 'help') return { help: true };
    const o = spec.options[t.name]!;
    own.add(t.index);
    if (o.type === 'boolean') {
      values[t.name] = true;
      continue;
    }
    if (!t.inlineValue) own.add(t.index + 1);
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) return { error: `--${t.name} needs a value` };
    const v = check(t.name, o, t.value);
    if (typeof v === 'object' && 'error' in v) return v;
    values[t.name] = v;
  }
  return { values, forward: args.filter((_, i) => !own.has(i)) };
}

/** JSON that can hold bigints (as strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
