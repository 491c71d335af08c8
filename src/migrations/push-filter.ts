/**
 * drizzle-kit's `push` and `pull` do not know partitions, in 0.31 and 1.0 alike:
 *
 * - 0.31 reads `relkind IN ('r', 'v', 'm')`: a partitioned parent (`'p'`) is invisible
 *   (push proposes to create it again) and each partition looks like a stray table,
 *   which push offers to drop and pull writes out as a table.
 * - 1.0 (1.0.0-rc.5) reads `relkind IN ('r', 'p', 'v', 'm')` without a `relispartition`
 *   test: the parent is seen (and matches the schema), and again every partition is a
 *   stray table, which push drops (`--force`, or without a question when the partition
 *   is empty) and pull writes out as a table.
 *
 * Both keep partitions out through the config's `tablesFilter` (same key, same globs in
 * both: a name is kept when at least one pattern matches it and no `!` pattern rejects it).
 */
import type { DeclaredPartition, Partitioning } from '../schema/resolved.js';

/** A table for {@link partitionsTablesFilter}: its name, or its partitioning (`getPartitioning(table)`). */
export type FilteredTable = string | { table: { name: string }; partitions?: readonly DeclaredPartition[] };

/** Every declared partition's name, sub-partitions included. */
function declaredNames(partitions: readonly DeclaredPartition[] | undefined): string[] {
  return (partitions ?? []).flatMap((p) => [p.name, ...declaredNames(p.partitionBy?.partitions)]);
}

/**
 * A `tablesFilter` for drizzle.config.ts (drizzle-kit 0.31 and 1.0) that keeps every
 * table except the partitions of `tables` away from push/pull: `!<table>_*` for each
 * table (the names this package and its maintenance give partitions), and, given a
 * table's partitioning, `!<name>` for each declared partition named otherwise.
 *
 * @example
 * ```ts
 * // drizzle.config.ts
 * export default defineConfig({ ..., tablesFilter: partitionsTablesFilter(['events', 'sessions']) });
 * // ['*', '!events_*', '!sessions_*']
 * partitionsTablesFilter([getPartitioning(metrics)!]); // ['*', '!metrics_*', '!q1_2026'] when a partition is named 'q1_2026'
 * ```
 */
export function partitionsTablesFilter(tables: readonly FilteredTable[], base: readonly string[] = ['*']): string[] {
  const out = [...base];
  for (const t of tables) {
    const name = typeof t === 'string' ? t : t.table.name;
    out.push(`!${name}_*`);
    if (typeof t === 'string') continue;
    for (const p of declaredNames(t.partitions)) if (!p.startsWith(`${name}_`) && !out.includes(`!${p}`)) out.push(`!${p}`);
  }
  return out;
}

/** One glob of a tablesFilter as a RegExp over a table name: `*`, `?`, `[...]`, `{a,b}`, `\` escapes. */
function globRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}${')'.repeat(braces)}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/**
 * Whether drizzle-kit's `tablesFilter` lets push/pull see a table named `name`, by
 * drizzle-kit's rule (0.31 and 1.0): no filter sees everything; otherwise each pattern
 * (`!` negates) votes, a negated pattern whose glob matches votes no, any other pattern
 * that matches votes yes, and the table is seen when there is a vote and every vote is yes.
 *
 * @example
 * ```ts
 * tablesFilterAdmits(['*', '!events_*'], 'events_p20260101'); // false
 * tablesFilterAdmits(['*', '!events_*'], 'events');           // true
 * tablesFilterAdmits(['events*'], 'events_default');          // true
 * ```
 */
export function tablesFilterAdmits(filter: readonly string[] | undefined, name: string): boolean {
  if (!filter || filter.length === 0) return true;
  const votes: boolean[] = [];
  for (const pattern of filter) {
    const bangs = /^!*/.exec(pattern)![0].length;
    const matches = globRegExp(pattern.slice(bangs)).test(name);
    if (bangs % 2 === 1) votes.push(!matches);
    else if (matches) votes.push(true);
  }
  return votes.length > 0 && votes.every(Boolean);
}

/**
 * Warnings for a config whose tablesFilter lets drizzle-kit push/pull (0.31 or 1.0) see
 * a partitioned table's partitions: a declared one, or one maintenance would create
 * (`<table>_p…`). The warning names the config file, the tables and the fix.
 *
 * @example
 * ```ts
 * pushWarnings({ configFile: 'drizzle.config.ts' }, [getPartitioning(events)!]);
 * // ["drizzle.config.ts: drizzle-kit push and pull (0.31 and 1.0) would see the partitions of events (events_p20260101, …) as plain tables: ...; add tablesFilter: partitionsTablesFilter(['events']) ..."]
 * ```
 */
export function pushWarnings(config: { tablesFilter?: string[] | undefined; schemaFilter?: string[] | undefined; configFile: string }, tables: readonly Partitioning[]): string[] {
  // push and pull look only at the schemas of schemaFilter, when it is set
  const seenSchema = (t: Partitioning) => config.schemaFilter === undefined || config.schemaFilter.includes(t.table.schema ?? 'public');
  const unguarded = tables.filter((t) => seenSchema(t) && [...declaredNames(t.partitions), `${t.table.name}_p20260101`].some((n) => tablesFilterAdmits(config.tablesFilter, n)));
  if (unguarded.length === 0) return [];
  const names = unguarded.map((t) => t.table.name);
  const seen = unguarded.flatMap((t) => declaredNames(t.partitions).filter((n) => tablesFilterAdmits(config.tablesFilter, n)));
  const listed = seen.length === 0 ? '' : ` (${seen.slice(0, 3).join(', ')}${seen.length > 3 ? `, … ${seen.length} declared` : ''})`;
  const fix = config.tablesFilter === undefined ? `add tablesFilter: partitionsTablesFilter([${names.map((n) => `'${n}'`).join(', ')}])` : `add ${names.map((n) => `'!${n}_*'`).join(', ')} to its tablesFilter (or build it with partitionsTablesFilter([${names.map((n) => `'${n}'`).join(', ')}]))`;
  return [
    `${config.configFile}: drizzle-kit push and pull (0.31 and 1.0) would see the partitions of ${names.join(', ')}${listed} as plain tables: push offers to drop them (1.0 drops the empty ones without asking) and pull writes them out as tables; ${fix} (from drizzle-partitions), and use generate + migrate for partitioned tables`,
  ];
}
