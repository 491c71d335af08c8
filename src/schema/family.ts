/**
 * Partition families: a table declared `alignedWith` another is split on the same
 * grid — same key type, interval, declared range bounds, premake and retention
 * keep — so that maintenance can create and retire the family's partitions month
 * by month together. Checked when the schema loads (or, when the other table is
 * declared further down the module, when the partitioning is first read).
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { PartitionDefinitionError } from '../errors.js';
import { boundsEqual, displayValue } from '../bound/values.js';
import { formatInterval } from './policy.js';
import { tableLabel } from './resolve.js';
import type { MaintenancePolicy, Partitioning } from './resolved.js';

type Read = (table: unknown) => Partitioning | undefined;

const gridText = (p: MaintenancePolicy) => (p.kind === 'time' ? formatInterval(p.interval) : `${p.interval} key values`);
const keepText = (p: MaintenancePolicy) => (p.retention === undefined ? 'no retention' : p.kind === 'time' ? `keep ${formatInterval(p.retention.keep as never)}` : `keep ${String(p.retention.keep)}`);

/**
 * Throws a `PartitionDefinitionError` (FAMILY_TARGET_INVALID, FAMILY_MISMATCH) naming
 * both tables when `table`'s partitioning is declared aligned with a table whose grid
 * differs. `read` reads a table's partitioning (getPartitioning).
 *
 * @example
 * ```ts
 * checkFamily(retweets, getPartitioning(retweets)!, getPartitioning, { final: true }); // throws [FAMILY_MISMATCH] when tweets is monthly and retweets daily
 * ```
 */
export function checkFamily(table: PgTable, partitioning: Partitioning, read: Read, opts: { final: boolean }): void {
  const policy = partitioning.policy;
  if (!policy?.alignedWith) return;
  const self = tableLabel(table);
  const other = policy.alignedWith();
  // `() => tweets` with tweets not assigned yet (a `let`, a cycle of modules): checked on first read
  if (other === undefined && !opts.final) throw new ReferenceError(`alignedWith of ${self} is not defined yet`);
  const fail = (code: 'FAMILY_TARGET_INVALID' | 'FAMILY_MISMATCH', message: string, hint?: string): never => {
    throw new PartitionDefinitionError(code, { table: self }, message, hint);
  };
  const target = read(other);
  if (other === table) fail('FAMILY_TARGET_INVALID', 'maintenance.alignedWith names the table itself', 'name the table this one is aligned with');
  if (!target) return fail('FAMILY_TARGET_INVALID', 'maintenance.alignedWith is not a partitioned table (define it with pgPartitionedTable() or partitioned())');
  const name = tableLabel(other as PgTable);
  const theirs = target.policy;
  if (!theirs) return fail('FAMILY_TARGET_INVALID', `is aligned with "${name}", which has no maintenance policy`, `give "${name}" a maintenance policy, or remove alignedWith`);
  const mismatch = (what: string, mine: string, yours: string) =>
    fail('FAMILY_MISMATCH', `is aligned with "${name}" but they differ in ${what}: ${mine} here, ${yours} on "${name}"`, `give both tables the same ${what}, or remove alignedWith`);
  const [a, b] = [partitioning.keys[0]!, target.keys[0]!];
  if (partitioning.method !== target.method || partitioning.keys.length !== target.keys.length || a.type !== b.type) {
    mismatch('partition key', `${partitioning.method.toUpperCase()} on ${partitioning.keys.map((k) => k.type).join(', ')}`, `${target.method.toUpperCase()} on ${target.keys.map((k) => k.type).join(', ')}`);
  }
  if (policy.kind !== theirs.kind || gridText(policy) !== gridText(theirs)) mismatch('interval', gridText(policy), gridText(theirs));
  if (policy.premake !== theirs.premake) mismatch('premake', String(policy.premake), String(theirs.premake));
  if (keepText(policy) !== keepText(theirs)) mismatch('retention', keepText(policy), keepText(theirs));
  const ranges = (p: Partitioning) => p.partitions.filter((d) => d.bound.kind === 'range').map((d) => d.bound);
  const [mine, yours] = [ranges(partitioning), ranges(target)];
  const lone = mine.find((x) => !yours.some((y) => boundsEqual(x, y))) ?? yours.find((y) => !mine.some((x) => boundsEqual(x, y)));
  if (lone && lone.kind === 'range') {
    const text = `[${lone.from.map(displayValue).join(', ')}, ${lone.to.map(displayValue).join(', ')})`;
    mismatch('declared partitions', mine.includes(lone) ? `${text} declared` : `no ${text}`, mine.includes(lone) ? `no ${text}` : `${text} declared`);
  }
}
