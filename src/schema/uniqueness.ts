/**
 * PostgreSQL has no global unique constraint on a partitioned table: a primary
 * key, unique constraint or unique index must contain every partition key column
 * (of every level), and none is possible when a key is an expression.
 */
import { is, SQL } from 'drizzle-orm';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { PartitionDefinitionError } from '../errors.js';
import { allKeys, tableLabel } from './resolve.js';
import type { PartitionLevel } from './resolved.js';

interface UniqueThing {
  what: string;
  columns: string[];
  /** True when an element is an expression, which can never satisfy the rule. */
  hasExpression: boolean;
  /** How to write the fix for this constraint, given the missing columns. */
  fix(missing: string[]): string;
}

function collect(table: PgTable): UniqueThing[] {
  const config = getTableConfig(table);
  // Fixes are written in TypeScript: name columns by their property key (t.createdAt).
  const keyOf = new Map(Object.entries(getTableColumns(table)).map(([key, col]) => [col.name, key]));
  const ref = (name: string) => `t.${keyOf.get(name) ?? name}`;
  const things: UniqueThing[] = [];
  const columnPk = config.columns.filter((c) => c.primary).map((c) => c.name);
  if (columnPk.length > 0) {
    things.push({
      what: `primary key (${columnPk.join(', ')})`,
      columns: columnPk,
      hasExpression: false,
      fix: (missing) => `remove .primaryKey() from ${columnPk.map((c) => `"${c}"`).join(', ')} and declare primaryKey({ columns: [${[...columnPk, ...missing].map(ref).join(', ')}] }) in the table's extra config`,
    });
  }
  for (const pk of config.primaryKeys) {
    const cols = pk.columns.map((c) => c.name);
    things.push({ what: `primary key (${cols.join(', ')})`, columns: cols, hasExpression: false, fix: (missing) => `add ${missing.map(ref).join(', ')} to primaryKey({ columns: [...] })` });
  }
  for (const c of config.columns.filter((c) => c.isUnique)) {
    things.push({ what: `unique column "${c.name}"`, columns: [c.name], hasExpression: false, fix: (missing) => `replace .unique() on "${c.name}" by unique().on(${[c.name, ...missing].map(ref).join(', ')})` });
  }
  for (const u of config.uniqueConstraints) {
    const cols = u.columns.map((c) => c.name);
    things.push({ what: `unique constraint "${u.name}" (${cols.join(', ')})`, columns: cols, hasExpression: false, fix: (missing) => `add ${missing.map(ref).join(', ')} to unique("${u.name}").on(...)` });
  }
  for (const idx of config.indexes) {
    if (!idx.config.unique) continue;
    const cols: string[] = [];
    let hasExpression = false;
    for (const c of idx.config.columns) {
      if (is(c, SQL)) hasExpression = true;
      else cols.push((c as { name: string }).name);
    }
    const name = idx.config.name ?? '(unnamed)';
    things.push({ what: `unique index "${name}" (${cols.join(', ')})`, columns: cols, hasExpression, fix: (missing) => `add ${missing.map(ref).join(', ')} to uniqueIndex("${name}").on(...), or make it a plain index()` });
  }
  return things;
}

/**
 * Throws a {@link PartitionDefinitionError} when a primary key or unique
 * constraint/index of `table` lacks a partition key column.
 */
export function checkUniqueness(table: PgTable, level: PartitionLevel): void {
  const label = tableLabel(table);
  const things = collect(table);
  if (things.length === 0) return;
  const template = (level as { policy?: { partitionBy?: { sample: PartitionLevel } } }).policy?.partitionBy?.sample;
  const levels = [...allKeys(level), ...(template ? allKeys(template).map((k) => ({ keys: k.keys, where: k.where || 'maintenance.partitionBy' })) : [])];
  for (const { keys, where } of levels) {
    const scope = where ? ` (the key of sub-partitioned partition "${where}")` : '';
    const expr = keys.find((k) => k.kind === 'expression');
    if (expr) {
      const t = things[0]!;
      throw new PartitionDefinitionError('UNIQUE_WITH_EXPRESSION_KEY', { table: label, partition: where || undefined }, `${t.what} cannot exist: the partition key${scope} contains an expression, and PostgreSQL allows no primary key or unique constraint then`, 'partition by plain columns, or drop the primary key / unique constraints');
    }
    for (const t of things) {
      const missing = keys.map((k) => (k.kind === 'column' ? k.name : '')).filter((n) => n && !t.columns.includes(n));
      if (t.hasExpression && missing.length === 0) continue;
      if (missing.length > 0) {
        throw new PartitionDefinitionError(
          t.what.startsWith('primary') ? 'PRIMARY_KEY_MISSING_KEY_COLUMN' : 'UNIQUE_MISSING_KEY_COLUMN',
          { table: label, column: missing.join(', '), partition: where || undefined },
          `${t.what} lacks partition key column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}${scope}; PostgreSQL enforces uniqueness per partition only, so it must include the key`,
          t.fix(missing),
        );
      }
    }
  }
}
