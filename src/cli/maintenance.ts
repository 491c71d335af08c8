/**
 * `status`, `plan` and `apply`: maintenance from the command line, on the tables
 * of the drizzle config's schema. Exit codes: 0 healthy / done, 1 a problem found
 * (with --stale-after: a maintenance runner that has not succeeded for that long)
 * or a step failed, 2 usage or connection errors.
 */
import { createInterface } from 'node:readline/promises';
import { loadDrizzleConfig } from '../project/config.js';
import { loadSchema } from '../project/load-schema.js';
import { partitionedTableObjects } from '../migrations/statements.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import { apply, type ApplyResult, type ProgressEvent } from '../runtime/apply.js';
import { plan, type MaintenancePlan, type MaintenanceOp } from '../runtime/plan.js';
import type { PartitionInfo } from '../runtime/introspect.js';
import { maintenanceStatus, type MaintenanceRecordStatus } from '../runtime/runs-record.js';
import type { Partitioning } from '../schema/resolved.js';
import { formatInterval } from '../schema/policy.js';
import { partitionTablespaces, type PartitionTablespace } from '../runtime/tablespace.js';
import { toJson, type Values } from './args.js';
import { withDatabase } from './connect.js';
import type { CliIo } from './io.js';
import { qualifiedLabel } from '../sql/quote.js';

function human(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function policyText(p: Partitioning['policy']): string {
  if (!p) return 'no maintenance policy';
  const interval = p.kind === 'time' ? formatInterval(p.interval) : `${p.interval} key values`;
  const keep = p.retention ? `, keep ${p.kind === 'time' ? formatInterval(p.retention.keep as never) : String(p.retention.keep)} then ${p.retention.action.kind}` : '';
  return `every ${interval}, premake ${p.premake}${keep}`;
}

function opText(op: MaintenanceOp): string {
  switch (op.kind) {
    case 'create':
      return `create ${op.partition.name} (${op.reason}${op.resume ? ', resume' : ''}${op.needsWindow ? ', needs a window' : ''})${op.defaultRows > 0 ? ` moving ${op.defaultRows} row(s) out of ${op.default?.name}` : ''}`;
    case 'retire':
      return `retire ${op.partition.name} (${op.action.kind})`;
    case 'finalize-detach':
      return `finish detaching ${op.partition.name}`;
    case 'finish-retire':
      return `finish retiring ${op.partition.name}${op.action ? ` (${op.action.kind})` : ''}`;
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function flatten(parts: PartitionInfo[], depth = 0): { p: PartitionInfo; depth: number }[] {
  return parts.flatMap((p) => [{ p, depth }, ...flatten(p.children, depth + 1)]);
}

/** The drizzle config and its partitioned tables (only `only`, name or schema.name, when given). */
export async function load(configFile: string | undefined, only: string | undefined) {
  const config = await loadDrizzleConfig({ config: configFile });
  const schema = await loadSchema({ schema: config.schema, cwd: config.cwd });
  const tableObjects = partitionedTableObjects(schema.exports).filter((t) => {
    const p = getPartitioning(t)!.table;
    return !only || p.name === only || qualifiedLabel(p) === only;
  });
  return { config, tableObjects, tables: tableObjects.map((t) => getPartitioning(t)!) };
}

/** Runs `status`, `plan` or `apply` with their parsed options (commands.ts); returns the exit code. */
export async function runMaintenance(command: 'status' | 'plan' | 'apply', v: Values, io: CliIo): Promise<number> {
  const text = (name: string) => v[name] as string | undefined;
  const whole = (name: string) => v[name] as number | undefined;
  if (v['stale-after'] !== undefined && v['stale-intervals'] !== undefined) {
    io.err('drizzle-partitions: give --stale-after or --stale-intervals, not both');
    return 2;
  }
  const { config, tables, tableObjects } = await load(text('config'), text('table'));
  if (tables.length === 0) {
    io.err(`drizzle-partitions: no partitioned table in ${config.schema.join(', ')}${text('table') ? ` named ${text('table')}` : ''}`);
    return 2;
  }
  return withDatabase({ flag: text('url'), dbCredentials: config.dbCredentials, cwd: config.cwd }, io.err, async (db) => {
    const p: MaintenancePlan = await plan(db, tableObjects, { now: (v.now as Date | undefined) ?? new Date(), backfill: whole('backfill') ?? 0, casing: config.casing, maxMoveRows: whole('max-move-rows'), maxDefaultRows: whole('max-default-rows'), sizes: command === 'status' });
    if (command === 'status') {
      const runs = await maintenanceStatus(db, tableObjects, { now: p.now, staleAfterMs: whole('stale-after'), staleAfterIntervals: whole('stale-intervals') });
      // asked for: a catalog query of its own, so that the partition list stays one fast read
      const places = v.tablespaces === true ? await Promise.all(p.tables.map((t) => partitionTablespaces(db, t.table))) : undefined;
      return status(p, tables, runs, v.json === true, io, places);
    }
    if (command === 'plan') {
      if (v.json === true) io.out(toJson(p.tables.map((t) => ({ table: t.table, ops: t.ops, problems: t.problems }))));
      else for (const t of p.tables) {
        io.out(`${t.table.schema}.${t.table.name}: ${t.ops.length === 0 ? 'nothing to do' : `${t.ops.length} step(s)`}`);
        for (const op of t.ops) io.out(`  - ${opText(op)}`);
      }
      return 0;
    }
    return applyCommand(db, p, v, io);
  });
}

function status(p: MaintenancePlan, tables: Partitioning[], runs: MaintenanceRecordStatus[], json: boolean, io: CliIo, places?: PartitionTablespace[][]): number {
  const where = (ts: string | null) => ts ?? '(default)';
  const sameTable = (a: { schema?: string; name: string }, b: { schema?: string; name: string }) => a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');
  const runOf = (t: { schema?: string; name: string }) => runs.find((r) => sameTable(r.table, t));
  const problems = p.tables.flatMap((t) => t.problems).filter((x) => x.code !== 'no-policy').length + runs.filter((r) => r.stale).length;
  if (json) {
    io.out(
      toJson({
        healthy: problems === 0,
        now: p.now,
        tables: p.tables.map((t, i) => {
          const r = runOf(t.table);
          return { table: t.table, partitionBy: t.tree.partitionBy, policy: t.policy, partitions: t.tree.partitions, problems: t.problems, pending: t.ops, maintenance: r ? { last: r.last, stale: r.stale, message: r.message } : null, ...(places ? { tablespaces: places[i] } : {}) };
        }),
      }),
    );
    return problems === 0 ? 0 : 1;
  }
  for (const [i, t] of p.tables.entries()) {
    const def = tables.find((x) => x.table.name === t.table.name && (x.table.schema ?? 'public') === (t.table.schema ?? 'public'));
    io.out(`${t.table.schema}.${t.table.name}  ${t.tree.partitionBy}  (${policyText(def?.policy)})`);
    const rows = [['  partition', 'bound', 'rows (est.)', 'size', 'origin']];
    for (const { p: x, depth } of flatten(t.tree.partitions)) {
      rows.push([`  ${'  '.repeat(depth)}${x.name}${x.detachPending ? ' (detach pending)' : ''}`, x.boundText.replace(/^FOR VALUES /, ''), String(x.estimatedRows), x.bytes === undefined ? '' : human(x.bytes), x.origin]);
    }
    for (const line of table(rows)) io.out(line);
    if (places) {
      const ts = [['  partition', 'tablespace', 'indexes (tablespace)']];
      for (const x of places[i]!) ts.push([`  ${'  '.repeat(x.level - 1)}${x.name}`, where(x.tablespace), x.indexes.map((ix) => `${ix.name} (${where(ix.tablespace)})`).join(', ')]);
      for (const line of table(ts)) io.out(line);
    }
    for (const pr of t.problems) io.out(`  ${pr.code === 'no-policy' ? '·' : '!'} ${pr.code}: ${pr.message}`);
    const r = runOf(t.table);
    if (r) io.out(`  ${r.stale ? '! maintenance-stale' : '· maintenance'}: ${r.message}`);
    io.out('');
  }
  io.out(problems === 0 ? 'healthy' : `${problems} problem(s) found`);
  return problems === 0 ? 0 : 1;
}

async function applyCommand(db: unknown, p: MaintenancePlan, flags: Values, io: CliIo): Promise<number> {
  const destructive = p.tables.flatMap((t) => t.ops).filter((o) => o.kind === 'retire');
  let yes = flags.yes === true;
  if (!yes && destructive.length > 0 && process.stdin.isTTY && process.stdout.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Retire ${destructive.length} partition(s) (${destructive.map((o) => o.partition.name).join(', ')})? [y/N] `);
    rl.close();
    yes = /^y(es)?$/i.test(answer.trim());
  }
  // Progress goes to stderr, so stdout holds the result alone (JSON with --json).
  const progress = (e: ProgressEvent) => {
    if (e.phase === 'attached' && e.movedRows) io.err(`  ${e.op.partition.name}: attached, ${e.movedRows} row(s) moved out of the default partition`);
  };
  const result: ApplyResult = await apply(db, p, {
    allowDestructive: yes,
    window: flags.window === true,
    lockTimeoutMs: flags['lock-timeout'] as number | undefined,
    createBatchMs: flags['create-batch'] as number | undefined,
    concurrentMaintainer: flags.wait === true ? 'wait' : 'skip',
    onProgress: progress,
  });
  if (flags.json === true) io.out(toJson(result));
  else {
    for (const r of result.results) {
      const what = opText(r.op);
      io.out(`${r.status === 'done' ? '✓' : r.status === 'skipped' ? '-' : '✗'} ${what}: ${r.status}${r.method ? ` — ${r.method}` : ''}${r.reason ? ` — ${r.reason}` : ''}${r.attempts > 1 ? ` (${r.attempts} lock attempts)` : ''}`);
    }
    if (result.results.length === 0) io.out('nothing to do');
  }
  // a step left for a window leaves the table short of its policy: as much a problem as a failure
  return result.results.some((r) => r.status === 'failed' || r.code === 'NEEDS_WINDOW') ? 1 : 0;
}
