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
  const self = tableLabel(table);
  if (policy?.partitionForeignKeys !== undefined && !policy.alignedWith) {
    throw new PartitionDefinitionError('FAMILY_FOREIGN_KEY_INVALID', { table: self }, 'maintenance.partitionForeignKeys needs alignedWith: the table whose partitions they reference', 'add alignedWith: <the referenced table>');
  }
  if (!policy?.alignedWith) return;
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
  checkPartitionForeignKeys(table, partitioning, other as PgTable, target, name);
  if (lone && lone.kind === 'range') {
    const text = `[${lone.from.map(displayValue).join(', ')}, ${lone.to.map(displayValue).join(', ')})`;
    mismatch('declared partitions', mine.includes(lone) ? `${text} declared` : `no ${text}`, mine.includes(lone) ? `no ${text}` : `${text} declared`);
  }
}

/**
 * Each partition foreign key must be columns of `table` referencing as many columns
 * of `other`, with `table`'s key column opposite `other`'s key column: then a row of
 * one month references a row of the same month, in the partition with the same bounds.
 */
function checkPartitionForeignKeys(table: PgTable, partitioning: Partitioning, other: PgTable, target: Partitioning, name: string): void {
  const fks = partitioning.policy?.partitionForeignKeys;
  if (fks === undefined) return;
  const fail = (message: string, hint?: string): never => {
    throw new PartitionDefinitionError('FAMILY_FOREIGN_KEY_INVALID', { table: tableLabel(table) }, message, hint);
  };
  if (!Array.isArray(fks)) fail('maintenance.partitionForeignKeys must be a list of { columns, foreignColumns }');
  const [mine, theirs] = [partitioning.keys[0], target.keys[0]];
  if (mine?.kind !== 'column' || theirs?.kind !== 'column') return fail('partitionForeignKeys need both tables keyed on a column (not an expression)');
  for (const [i, fk] of fks.entries()) {
    const at = `partitionForeignKeys[${i}]`;
    const cols: readonly unknown[] = fk?.columns ?? [];
    const refs: readonly unknown[] = fk?.foreignColumns ?? [];
    if (cols.length === 0 || cols.length !== refs.length) fail(`${at} needs as many columns as foreignColumns, at least one`);
    if (cols.some((c) => (c as { table?: unknown }).table !== table)) fail(`${at}: columns must be columns of this table`);
    if (refs.some((c) => (c as { table?: unknown }).table !== other)) fail(`${at}: foreignColumns must be columns of "${name}", the table it is aligned with`);
    const k = cols.indexOf(mine.column);
    if (k < 0 || refs[k] !== theirs.column) {
      fail(`${at} must map the key column ${mine.column.name} onto "${name}"'s key column ${theirs.column.name}, so each row references the partition with the same bounds`, `e.g. columns: [t.parentId, t.${mine.column.name}], foreignColumns: [parent.id, parent.${theirs.column.name}]`);
    }
  }
}
