/** Command-line flags: `--key value`, `--key=value` and `--switch`. */

export type Flags = Record<string, string | true | undefined>;

/** A flag's value when it was given a value. */
export const str = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Parses flags; unknown flags are an error (a sentence) unless `passThrough`.
 *
 * @example
 * ```ts
 * parseFlags(['--config', 'x.ts', '--dry-run'], ['config'], ['dry-run']); // { config: 'x.ts', 'dry-run': true }
 * ```
 */
export function parseFlags(args: readonly string[], valued: string[], switches: string[], passThrough = false): Flags | string {
  const out: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      if (passThrough) continue;
      return `unexpected argument "${a}"`;
    }
    const key = m[1]!;
    const inline = m[2];
    if (valued.includes(key)) {
      const value = inline ?? args[++i];
      if (value === undefined) return `--${key} needs a value`;
      out[key] = value;
    } else if (switches.includes(key)) out[key] = true;
    else if (!passThrough) return `unknown option --${key}`;
  }
  return out;
}

/** JSON that can hold bigints (as strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
