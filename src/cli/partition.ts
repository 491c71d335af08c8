/**
 * `partition create|attach|detach|move`: the manual operations (runtime/manual.ts)
 * from the command line. Flags are checked before anything is read or connected
 * (exit 2 naming the flag); the result goes to stdout (JSON alone with --json),
 * progress to stderr. Exit 0 done, 1 refused / failed / skipped, 2 usage or connection.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { qualifiedLabel, type QualifiedName } from '../sql/quote.js';
import { attachPartition, createPartition, detachPartition, movePartition, type BoundSpec, type PartitionOpResult } from '../runtime/manual.js';
import type { ProgressEvent } from '../runtime/apply.js';
import { toJson, type Values } from './args.js';
import { withDatabase } from './connect.js';
import type { CliIo } from './io.js';
import { load } from './maintenance.js';

type Sub = 'partition create' | 'partition attach' | 'partition detach' | 'partition move';

const list = (text: string) => text.split(',').map((s) => s.trim());

/**
 * What is wrong with the flags of `sub` (a sentence naming the flag), or undefined.
 *
 * @example
 * ```ts
 * partitionArgsProblem('partition move', { table: 'events', partition: 'events_p20250101' }); // 'partition move needs --tablespace or --schema'
 * ```
 */
export function partitionArgsProblem(sub: Sub, v: Values): string | undefined {
  if (v.table === undefined) return '--table is required';
  if (sub !== 'partition create' && v.partition === undefined) return '--partition is required';
  if (sub === 'partition create' || sub === 'partition attach') {
    const range = v.from !== undefined || v.to !== undefined;
    const hash = v.modulus !== undefined || v.remainder !== undefined;
    const kinds = [range, v.values !== undefined, hash].filter(Boolean).length;
    if (kinds !== 1) return `${sub} needs one bound: --from and --to, --values, or --modulus and --remainder`;
    if (range && (v.from === undefined || v.to === undefined)) return `--${v.from === undefined ? 'from' : 'to'} is required with --${v.from === undefined ? 'to' : 'from'}`;
    if (hash && (v.modulus === undefined || v.remainder === undefined)) return `--${v.modulus === undefined ? 'modulus' : 'remainder'} is required with --${v.modulus === undefined ? 'remainder' : 'modulus'}`;
    if (hash && (v.remainder as number) >= (v.modulus as number)) return `--remainder ${String(v.remainder)} must be below --modulus ${String(v.modulus)}`;
    if (v.values !== undefined && list(v.values as string).some((s) => s === '')) return `--values ${JSON.stringify(v.values)} has an empty value`;
  }
  if (sub === 'partition move' && (v.tablespace === undefined) === (v.schema === undefined)) return 'partition move needs --tablespace or --schema (one of them)';
  return undefined;
}

function boundOf(v: Values): BoundSpec {
  if (v.values !== undefined) return { values: list(v.values as string) };
  if (v.modulus !== undefined) return { modulus: v.modulus as number, remainder: v.remainder as number };
  const from = list(v.from as string);
  const to = list(v.to as string);
  return { from: from.length === 1 ? from[0]! : from, to: to.length === 1 ? to[0]! : to };
}

function tableOf(name: string): QualifiedName {
  const dot = name.indexOf('.');
  return dot > 0 ? { schema: name.slice(0, dot), name: name.slice(dot + 1) } : { schema: 'public', name };
}

/** Runs a `partition` subcommand with its checked flags; returns the exit code. */
export async function runPartition(sub: Sub, v: Values, io: CliIo): Promise<number> {
  const text = (name: string) => v[name] as string | undefined;
  const { config, tableObjects } = await load(text('config'), text('table'));
  // a table of the schema (its declared partitions known), else the name as given
  const table: PgTable | QualifiedName = tableObjects[0] ?? tableOf(text('table')!);
  return withDatabase({ flag: text('url'), dbCredentials: config.dbCredentials, cwd: config.cwd }, io.err, async (db) => {
    const opts = {
      lockTimeoutMs: v['lock-timeout'] as number | undefined,
      window: v.window === true,
      onProgress: (e: ProgressEvent) => io.err(`  ${e.op.partition.name}: ${e.phase}${e.movedRows ? `, ${e.movedRows} row(s) moved out of the default partition` : ''}`),
    };
    io.err(`drizzle-partitions: ${sub} on ${text('table')}...`);
    let r: PartitionOpResult;
    switch (sub) {
      case 'partition create':
        r = await createPartition(db, table, { bound: boundOf(v), ...(v.name !== undefined ? { name: text('name')! } : {}), ...(v.tablespace !== undefined ? { tablespace: text('tablespace')! } : {}) }, opts);
        break;
      case 'partition attach':
        r = await attachPartition(db, table, { partition: text('partition')!, bound: boundOf(v) }, opts);
        break;
      case 'partition detach':
        r = await detachPartition(db, table, { partition: text('partition')! }, { ...opts, detachConcurrently: v.plain !== true });
        break;
      case 'partition move':
        r = await movePartition(db, table, { partition: text('partition')!, ...(v.tablespace !== undefined ? { tablespace: text('tablespace')! } : { schema: text('schema')! }) }, opts);
        break;
    }
    if (v.json === true) io.out(toJson(r));
    else {
      const where = qualifiedLabel(r.partition);
      io.out(`${r.status === 'done' ? '✓' : '✗'} ${r.operation} ${where}: ${r.status}${r.method ? ` — ${r.method}` : ''}${r.reason ? ` — ${r.reason.startsWith(`[${r.code}]`) || !r.code ? r.reason : `[${r.code}] ${r.reason}`}` : ''}${r.attempts > 1 ? ` (${r.attempts} lock attempts)` : ''}`);
    }
    return r.status === 'done' ? 0 : 1;
  });
}
