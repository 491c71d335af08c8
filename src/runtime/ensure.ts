/**
 * LIST partitions on demand: `ensurePartitions(db, tenants, ['acme', 'globex'])`
 * creates the partitions that are missing, carrying any rows for those values out
 * of the default partition — the way `apply` creates partitions.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { boundPredicate } from '../ddl/maintenance-sql.js';
import type { QualifiedName } from '../sql/quote.js';
import { RuntimeError } from '../errors.js';
import { displayValue, isBoundProblem, normalizeBound, partitionName, sameBound, type BoundInput, type BoundValue } from '../bound/values.js';
import type { PartitionBound } from '../schema/resolved.js';
import { apply, type ApplyOptions, type ApplyResult } from './apply.js';
import { copyColumns, readTree, relationsNamed, resolveTarget } from './introspect.js';
import type { DatabaseLike } from './executor.js';
import { choosePartitionName, hashedName } from './partition-names.js';
import type { CreateOp, MaintenancePlan } from './plan.js';
import { withSession } from './session.js';
import { measureDefault, type StepLimits } from './step-limits.js';

/**
 * Makes sure each of `values` has its own partition of the LIST-partitioned `table`,
 * named `<table>_<value>` (or, when that name is taken or too long, cut short and
 * suffixed with a hash of the value). Returns the result of each creation (values
 * that already have one are left out); a value whose rows in the default partition
 * exceed the step limits is skipped with NEEDS_WINDOW unless `window: true`.
 *
 * @example
 * ```ts
 * await ensurePartitions(db, tenants, ['acme', 'globex']); // tenants_acme, tenants_globex
 * ```
 */
export async function ensurePartitions(db: DatabaseLike, table: PgTable | QualifiedName, values: readonly BoundInput[], opts: ApplyOptions & StepLimits = {}): Promise<ApplyResult> {
  const target = resolveTarget(table);
  const plan: MaintenancePlan = await withSession(db, async (ex) => {
    const tree = await readTree(ex, target.table, target.declared);
    const t = `${tree.table.schema}.${tree.table.name}`;
    if (!tree.partitionBy.startsWith('LIST')) {
      throw new RuntimeError('NOT_LIST_PARTITIONED', `ensurePartitions needs a LIST-partitioned table; ${t} is ${tree.partitionBy}`);
    }
    const keyType = tree.keyTypes[0]!;
    const keyColumn = tree.keyColumns[0] ?? null;
    const schema = tree.table.schema ?? 'public';
    const taken: BoundValue[] = tree.partitions.flatMap((p) => (p.bound.kind === 'list' ? [...p.bound.values] : []));
    const fresh: { v: BoundValue; candidates: string[] }[] = [];
    for (const input of values) {
      const v = normalizeBound(input, keyType);
      if (isBoundProblem(v)) throw new RuntimeError('VALUE_INVALID', `ensurePartitions(${t}): ${v.message}`);
      if (taken.some((x) => sameBound(x, v))) continue;
      taken.push(v);
      const base = partitionName(tree.table.name, { kind: 'list', values: [v] });
      fresh.push({ v, candidates: [base, hashedName(base, 'text' in v ? v.text : v.kind)] });
    }
    const existing = await relationsNamed(ex, schema, fresh.flatMap((f) => f.candidates));
    const dflt = tree.partitions.find((p) => p.isDefault);
    const measure = await measureDefault(ex, dflt ? { schema: dflt.schema, name: dflt.name } : null, opts);
    const columns = fresh.length > 0 ? await copyColumns(ex, tree.table) : [];
    const ops: CreateOp[] = [];
    for (const { v, candidates } of fresh) {
      const choice = choosePartitionName(candidates, existing);
      if ('taken' in choice) throw new RuntimeError('NAME_TAKEN', `ensurePartitions(${t}): tables named ${choice.taken.join(' and ')} already exist and are not partitions of ours, so the value ${displayValue(v)} has no name left`, 'rename or drop those tables');
      // the names chosen in this call are taken for the values after it
      existing.set(choice.name, { attached: true, managed: true });
      const bound: PartitionBound = { kind: 'list', values: [v] };
      const rows = await measure.step(boundPredicate(keyColumn, bound), choice.resume ? { schema, name: choice.name } : undefined);
      ops.push({
        kind: 'create',
        table: tree.table,
        partition: { schema, name: choice.name },
        bound,
        keyColumn,
        reason: 'on-demand',
        resume: choice.resume,
        default: dflt ? { schema: dflt.schema, name: dflt.name } : null,
        ...rows,
        columns,
      });
    }
    return { now: opts.now ?? new Date(), tables: [{ table: tree.table, policy: undefined, tree, ops, problems: [] }] };
  });
  return apply(db, plan, opts);
}
