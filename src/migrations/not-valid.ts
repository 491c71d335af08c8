/**
 * Constraints added to existing tables: a foreign key or check marked with
 * `notValid()` is added `NOT VALID` in its migration and validated in the migration
 * the post-processor writes to run outside a transaction; an unmarked one draws a
 * warning, since adding it scans the table under lock.
 */
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import type { CompatCasing } from '../compat/casing.js';
import { addNotValidSql, partitionedForeignKeySql, unqualifiedCheckSql, validateConstraintSql } from '../ddl/not-valid-sql.js';
import { notValidConstraintNames } from '../schema/not-valid.js';
import type { FileTables, TextReplacement } from './sql-file.js';
import { tableKey } from './state.js';

/**
 * The constraints marked with `notValid()` among a schema module's exports, by table
 * (`schema.name`, schema `public` when unset).
 *
 * @example
 * ```ts
 * notValidConstraintsOf(await import('./db/schema.js'), undefined).get('public.orders'); // Set { 'orders_user_fk' }
 * ```
 */
export function notValidConstraintsOf(exports: Record<string, unknown>, casing: CompatCasing): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const value of Object.values(exports)) {
    if (!is(value, PgTable)) continue;
    const found = notValidConstraintNames(value, casing);
    if (found.constraints.length === 0) continue;
    const key = tableKey(found);
    const set = out.get(key) ?? new Set<string>();
    for (const c of found.constraints) set.add(c);
    out.set(key, set);
  }
  return out;
}

export interface NotValidInput {
  /** Migration id, for messages. */
  migration: string;
  file: FileTables;
  /** Constraints marked with notValid(), by table (`schema.name`). */
  marked: ReadonlyMap<string, ReadonlySet<string>>;
  /** Whether a table (`schema.name`) is partitioned, in the recorded state or the schema. */
  isPartitioned: (key: string) => boolean;
}

export interface NotValidPlan {
  /** The migration's ADD CONSTRAINT statements made NOT VALID (or version-dependent, see partitionedForeignKeySql). */
  replacements: TextReplacement[];
  /** VALIDATE CONSTRAINT statements, for the migration run outside a transaction. */
  validations: string[];
  notes: string[];
  /** Unmarked constraints added to existing tables. */
  warnings: string[];
}

/**
 * What one migration's ADD CONSTRAINT statements on existing tables become. A
 * table the migration creates is left alone (it is empty).
 *
 * @example
 * ```ts
 * const plan = planNotValid({ migration: '0001_fk', file: fileTables(text), marked, isPartitioned: (k) => current.has(k) });
 * ```
 */
export function planNotValid(input: NotValidInput): NotValidPlan {
  const { file, migration } = input;
  const created = new Set(file.created.map((c) => tableKey(c.table)));
  const plan: NotValidPlan = { replacements: [], validations: [], notes: [], warnings: [] };
  for (const a of file.addedConstraints) {
    const key = tableKey(a.table);
    if (created.has(key)) continue;
    const what = a.kind === 'check' ? 'check' : 'foreign key';
    const partitioned = input.isPartitioned(key);
    // drizzle-kit 0.31's table-qualified columns fail in a check on a partitioned table
    const statement = a.kind === 'check' && partitioned ? unqualifiedCheckSql(a.statement, a.table.name) : a.statement;
    if (!input.marked.get(key)?.has(a.constraint)) {
      if (statement !== a.statement) {
        plan.replacements.push({ start: a.start, end: a.end, text: statement });
        plan.notes.push(`check ${a.constraint} on partitioned ${key}: columns unqualified (PostgreSQL checks it on each partition)`);
      }
      const lock = a.kind === 'check' ? 'ACCESS EXCLUSIVE' : 'SHARE ROW EXCLUSIVE, on it and on the referenced table';
      plan.warnings.push(`${migration} adds ${what} "${a.constraint}" to existing table ${key}: PostgreSQL scans every row to validate it while holding ${lock}; wrap it in notValid(...) to add it NOT VALID and validate it separately, outside a transaction`);
      continue;
    }
    if (/\bNOT\s+VALID\s*;?\s*$/i.test(statement)) continue;
    if (a.kind === 'foreign-key' && partitioned) {
      plan.replacements.push({ start: a.start, end: a.end, text: partitionedForeignKeySql(a.table, a.constraint, a.statement) });
      plan.notes.push(`${what} ${a.constraint} on partitioned ${key}: NOT VALID on PostgreSQL 18+, added validated at once before 18; validated outside a transaction`);
    } else {
      plan.replacements.push({ start: a.start, end: a.end, text: addNotValidSql(statement) });
      plan.notes.push(`${what} ${a.constraint} on ${key} added NOT VALID; validated outside a transaction`);
    }
    plan.validations.push(validateConstraintSql(a.table, a.constraint));
  }
  return plan;
}
