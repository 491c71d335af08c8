/**
 * The CLI's commands and their options, in one table: it gives each command its
 * `--help`, the top-level help, and what `parseCommandArgs` accepts and checks.
 */

/** What an option's value must be: any text, a whole number ≥ 0, a whole number ≥ 1, a date and time, or a duration (ms, or with a unit: 90s, 15m, 2h, 1d). */
export type ValueKind = 'text' | 'whole' | 'positive' | 'instant' | 'duration';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** For string options: what the value must be (default 'text'). */
  kind?: ValueKind;
  /** The value's name in the help, e.g. `ms`. */
  arg?: string;
  help: string;
}

export interface CommandSpec {
  name: 'generate' | 'postprocess' | 'migrate' | 'status' | 'plan' | 'apply' | `convert ${ConvertAction}` | 'partition create' | 'partition attach' | 'partition detach' | 'partition move';
  /** One line for the top-level help. */
  summary: string;
  /** More lines for the command's own help. */
  details: string[];
  options: Record<string, OptionSpec>;
  /** Options this table does not list go on to another tool (generate: drizzle-kit). */
  passThrough?: string;
}

const config: OptionSpec = { type: 'string', arg: 'file', help: 'the drizzle config (default drizzle.config.ts/.js/.json)' };
const json: OptionSpec = { type: 'boolean', help: 'write JSON (and nothing else) to stdout' };
const connection: Record<string, OptionSpec> = {
  config,
  url: { type: 'string', arg: 'url', help: 'the database (default DATABASE_URL, else dbCredentials.url of the config)' },
  table: { type: 'string', arg: 'name', help: 'only this table (name or schema.name)' },
  now: { type: 'string', kind: 'instant', arg: 'time', help: 'the clock, an ISO 8601 date and time (to plan ahead, or for tests)' },
  backfill: { type: 'string', kind: 'whole', arg: 'n', help: 'also create n past slots behind the current one' },
  'max-move-rows': { type: 'string', kind: 'whole', arg: 'n', help: 'step limit: rows one step may move out of the default partition (default 50000)' },
  'max-default-rows': { type: 'string', kind: 'whole', arg: 'n', help: 'step limit: rows of the default partition a step may read (default 1000000)' },
};

/** The actions of `convert` (its subcommands: `convert plan` and so on). */
export const CONVERT_ACTIONS = ['plan', 'apply', 'status', 'undo', 'drop-old'] as const;
export type ConvertAction = (typeof CONVERT_ACTIONS)[number];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'generate',
    summary: 'runs drizzle-kit generate, then postprocess',
    details: ['--config and --name go to both; every other option goes to drizzle-kit generate as it is.'],
    options: { config, name: { type: 'string', arg: 'name', help: "the migration's name" } },
    passThrough: 'drizzle-kit generate',
  },
  {
    name: 'postprocess',
    summary: 'rewrites new migrations into partitioned DDL and records the partitioning state',
    details: ['Writes a migration of its own for partition-only changes. Each migration is rewritten once, when it has no state yet.'],
    options: { config, name: { type: 'string', arg: 'name', help: 'the name of a partition-only migration' }, 'dry-run': { type: 'boolean', help: 'say what would be written; write nothing' } },
  },
  {
    name: 'migrate',
    summary: "applies pending migrations, each in its own transaction (drizzle's bookkeeping kept)",
    details: [
      'A migration holding the line "-- drizzle-partitions: no-transaction" runs outside a',
      'transaction, statement by statement, and is safe to rerun after a failure anywhere;',
      'CREATE INDEX CONCURRENTLY on a partitioned table is built partition by partition.',
      'Progress goes to stderr. Exit 1 when a migration failed or was refused.',
    ],
    options: {
      config,
      url: connection.url!,
      json,
      'single-transaction': { type: 'boolean', help: "all pending migrations in one transaction, as drizzle's migrators do" },
      'lock-timeout': { type: 'string', kind: 'positive', arg: 'ms', help: 'lock_timeout of each statement (default 1000)' },
      wait: { type: 'string', kind: 'whole', arg: 'ms', help: 'how long to wait for another migrator (default 60000)' },
    },
  },
  {
    name: 'status',
    summary: 'partitions, bounds, rows and sizes, and the problems found (exit 1 if any)',
    details: [
      "Also shows each table's last run by startMaintenance (its record in drizzle_partitions.maintenance_runs).",
      'With --stale-after (a duration) or --stale-intervals (a number of the runner\'s own intervals),',
      'a table whose maintenance has not succeeded within that time before now is a problem.',
    ],
    options: {
      ...connection,
      json,
      'stale-after': { type: 'string', kind: 'duration', arg: 'duration', help: 'a problem when the runner has not succeeded for this long: ms, or 90s, 15m, 2h, 1d' },
      'stale-intervals': { type: 'string', kind: 'positive', arg: 'n', help: "a problem when the runner has not succeeded for n of its intervals (its recorded 'every')" },
      tablespaces: { type: 'boolean', help: "also show each partition's and each index's tablespace (one more catalog query)" },
    },
  },
  {
    name: 'plan',
    summary: 'what apply would do: partitions to create ahead (or behind), to retire',
    details: [],
    options: { ...connection, json },
  },
  {
    name: 'apply',
    summary: 'does it: creates, moves rows out of the default partition, retires',
    details: [
      'Retiring partitions needs --yes (or a yes on a terminal). A step past the step limits',
      'holds the table for longer and runs only with --window. Progress goes to stderr.',
      'Exit 1 when a step failed or was left for a window.',
    ],
    options: {
      ...connection,
      json,
      yes: { type: 'boolean', help: 'allow retiring (detach, drop, move) partitions past retention' },
      window: { type: 'boolean', help: 'also do steps past the step limits (the application waits for them)' },
      wait: { type: 'boolean', help: 'wait for another maintainer of the same table instead of skipping it' },
      'lock-timeout': { type: 'string', kind: 'positive', arg: 'ms', help: 'lock_timeout of each step (default 1000)' },
      'create-batch': { type: 'string', kind: 'whole', arg: 'ms', help: 'about how long one transaction making several new partitions may last (default 25; 0: one per transaction)' },
    },
  },
];

/** The options every `partition` subcommand takes. */
const manual: Record<string, OptionSpec> = {
  config,
  url: connection.url!,
  table: { type: 'string', arg: 'name', help: 'the partitioned table (name or schema.name; required)' },
  json,
  'lock-timeout': { type: 'string', kind: 'positive', arg: 'ms', help: 'lock_timeout of each step (default 1000)' },
};
const bound: Record<string, OptionSpec> = {
  from: { type: 'string', arg: 'value', help: 'RANGE: the lower bound (inclusive); several key columns: comma-separated' },
  to: { type: 'string', arg: 'value', help: 'RANGE: the upper bound (exclusive)' },
  values: { type: 'string', arg: 'a,b,...', help: 'LIST: the values, comma-separated' },
  modulus: { type: 'string', kind: 'positive', arg: 'n', help: 'HASH: the modulus' },
  remainder: { type: 'string', kind: 'whole', arg: 'n', help: 'HASH: the remainder' },
  window: { type: 'boolean', help: 'also when rows of the default partition to move or read pass the step limits (the application waits)' },
};
const partition: OptionSpec = { type: 'string', arg: 'name', help: 'the partition or table (name, or schema.name; required)' };

/** The `partition` subcommands (manual operations), listed with the others. */
const PARTITION_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'partition create',
    summary: 'creates a partition for a bound (--from/--to, --values or --modulus/--remainder)',
    details: ['Made beside the table, then attached; rows of its range move out of the default partition in the same step.'],
    options: { ...manual, ...bound, name: { type: 'string', arg: 'name', help: 'its name (default <table>_p<from> or <table>_<value>)' }, tablespace: { type: 'string', arg: 'name', help: 'the tablespace of the partition and its indexes' } },
  },
  {
    name: 'partition attach',
    summary: 'attaches an existing table for a bound (its CHECK validated first)',
    details: ['A CHECK matching the bound is added NOT VALID and validated (writes go on), then ATTACH, then the CHECK is dropped.'],
    options: { ...manual, partition, ...bound },
  },
  {
    name: 'partition detach',
    summary: 'detaches a partition (CONCURRENTLY where the server and the table allow it); the table stays',
    details: ['Refused on the default partition, on a table that is not a partition of --table, and on a partition the schema declares.'],
    options: { ...manual, partition, plain: { type: 'boolean', help: 'never CONCURRENTLY: a plain DETACH under lock_timeout' } },
  },
  {
    name: 'partition move',
    summary: 'moves a partition (and every index under it) to a tablespace, or to a schema',
    details: ['A tablespace move rewrites each table and index in a step of its own that holds that relation (not the parent).'],
    options: { ...manual, partition, tablespace: { type: 'string', arg: 'name', help: 'the tablespace to move to' }, schema: { type: 'string', arg: 'name', help: 'the schema to move to (made if missing)' } },
  },
];

/** The options every `convert` subcommand takes. */
const converting: Record<string, OptionSpec> = {
  config,
  url: connection.url!,
  table: { type: 'string', arg: 'name', help: 'the table (name or schema.name), as the schema defines it; required' },
  json,
};
const lockTimeout: OptionSpec = { type: 'string', kind: 'positive', arg: 'ms', help: 'lock_timeout of each step (default 1000)' };

/** The `convert` subcommands (online conversion), listed with the others. */
const CONVERT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'convert plan',
    summary: 'what convert apply would do: the partitions, foreign keys and views it re-points',
    details: [],
    options: { ...converting, now: connection.now! },
  },
  {
    name: 'convert apply',
    summary: 'converts online: copy in batches while a trigger carries every write, verify, swap; resumable',
    details: ['Progress goes to stderr. Exit 1 when the conversion failed or was refused.'],
    options: {
      ...converting,
      'batch-rows': { type: 'string', kind: 'positive', arg: 'n', help: 'rows per copy batch (default 10000)' },
      'lock-timeout': lockTimeout,
      'snapshot-wait': { type: 'string', kind: 'positive', arg: 'ms', help: 'longest wait before the swap for transactions holding snapshots older than the copy (default 1800000)' },
      now: connection.now!,
    },
  },
  { name: 'convert status', summary: 'the phase of a conversion, rows copied, whether the original is kept', details: [], options: converting },
  { name: 'convert undo', summary: 'swaps the original back (it received every write since the swap)', details: [], options: { ...converting, 'lock-timeout': lockTimeout } },
  {
    name: 'convert drop-old',
    summary: 'drops the original kept after the swap (or abandons the conversion); needs --yes',
    details: [],
    options: { ...converting, 'lock-timeout': lockTimeout, yes: { type: 'boolean', help: 'confirm: drop the table' } },
  },
];

/**
 * The commands with options, the subcommands of `partition` and `convert` included
 * (looked up as `partition create`, `convert apply` and so on).
 *
 * @example
 * ```ts
 * ALL_COMMANDS.find((c) => c.name === 'partition move')!.options.tablespace; // { type: 'string', ... }
 * ```
 */
export const ALL_COMMANDS: readonly CommandSpec[] = [...COMMANDS, ...CONVERT_COMMANDS, ...PARTITION_COMMANDS];

/** Commands made of subcommands (the word after them names one), with what their own `--help` says. */
export const COMMAND_GROUPS: Readonly<Record<string, { summary: string; details: string[] }>> = {
  convert: {
    summary: 'partitions a live plain table online, or makes a partitioned one plain again',
    details: [
      'The table is the one the schema defines: pgPartitionedTable / partitioned (a plain table',
      'becomes partitioned), or pgTable (a partitioned table becomes plain again).',
    ],
  },
  partition: { summary: 'manual operations on the partitions of a table', details: [] },
};

/**
 * The subcommands of group `group` (`convert` → plan, apply, ...).
 *
 * @example
 * ```ts
 * subcommandsOf('partition'); // ['create', 'attach', 'detach', 'move']
 * ```
 */
export function subcommandsOf(group: string): string[] {
  return ALL_COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name.slice(group.length + 1));
}

/**
 * A group's own help: its subcommands with their summaries.
 *
 * @example
 * ```ts
 * console.log(groupHelp('convert'));
 * ```
 */
export function groupHelp(group: string): string {
  const subs = ALL_COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...subs.map((c) => c.name.length - group.length - 1));
  const g = COMMAND_GROUPS[group]!;
  return [
    `drizzle-partitions ${group} — ${g.summary}`,
    '',
    `Usage: drizzle-partitions ${group} <${subcommandsOf(group).join('|')}> [options]`,
    `       drizzle-partitions ${group} <subcommand> --help`,
    ...(g.details.length ? ['', ...g.details] : []),
    '',
    'Subcommands:',
    ...subs.map((c) => `  ${c.name.slice(group.length + 1).padEnd(width)}  ${c.summary}`),
    '',
    EXIT_CODES,
  ].join('\n');
}

const EXIT_CODES = 'Exit codes: 0 success, 1 problem found, 2 usage or connection error.';

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = [...Object.entries(options).map(([name, o]) => [`--${name}${o.type === 'string' ? ` <${o.arg ?? 'value'}>` : ''}`, o.help]), ['-h, --help', 'show this help']];
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return rows.map(([flag, help]) => `  ${flag!.padEnd(width)}  ${help}`);
}

/**
 * A command's own help, from the table.
 *
 * @example
 * ```ts
 * console.log(commandHelp(COMMANDS.find((c) => c.name === 'apply')!));
 * ```
 */
export function commandHelp(c: CommandSpec): string {
  return [
    `drizzle-partitions ${c.name} — ${c.summary}`,
    '',
    `Usage: drizzle-partitions ${c.name} [options]${c.passThrough ? ` [${c.passThrough} options]` : ''}`,
    ...(c.details.length ? ['', ...c.details] : []),
    '',
    'Options:',
    ...optionLines(c.options),
    '',
    EXIT_CODES,
  ].join('\n');
}

/** The top-level help. */
export function mainHelp(): string {
  const width = Math.max(...ALL_COMMANDS.map((c) => c.name.length));
  return [
    'drizzle-partitions — PostgreSQL table partitioning for Drizzle ORM',
    '',
    'Usage:',
    '  drizzle-partitions <command> [options]',
    '  drizzle-partitions <command> --help',
    '',
    'Commands:',
    ...ALL_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'migrate, status, plan and apply read the drizzle config (--config) and connect',
    'to --url, else DATABASE_URL, else dbCredentials.url.',
    '',
    'Options:',
    '  -h, --help     show this help',
    '  -v, --version  print the version',
    '',
    EXIT_CODES,
  ].join('\n');
}
