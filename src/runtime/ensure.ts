/**
 * LIST partitions on demand: `ensurePartitions(db, tenants, ['acme', 'globex'])`
 * creates the partitions that are missing, moving any rows for those values out
 * of the default partition first — the lock-aware way `apply` creates partitions.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { createHash } from 'node:crypto';
import { identifierBytes, MAX_IDENTIFIER_BYTES, type QualifiedName } from '../ddl/quote.js';
import { DrizzlePartitionsError } from '../errors.js';
import { isBoundProblem, nameFragment, normalizeBound, sameBound, type BoundInput, type BoundValue } from '../schema/bound-values.js';
import { apply, type ApplyOptions, type ApplyResult } from './apply.js';
import { readTree, resolveTarget } from './introspect.js';
import type { DatabaseLike } from './executor.js';
import type { CreateOp, MaintenancePlan } from './plan.js';
import { withSession } from './session.js';
import { anyRowsSql, countRowsSql, listPredicate } from '../ddl/maintenance-sql.js';

/**
 * `<table>_<value>`, or — when that name is taken by another value (`'Acme'` and
 * `'acme'`) or longer than 63 bytes — cut short and suffixed with a hash of the value.
 */
function partitionNameFor(table: string, v: BoundValue, taken: Set<string>): string {
  let name = `${table}_${nameFragment(v)}`;
  if (taken.has(name) || identifierBytes(name) > MAX_IDENTIFIER_BYTES) {
    const hash = createHash('sha256').update('text' in v ? v.text : v.kind).digest('hex').slice(0, 8);
    let base = name;
    while (identifierBytes(`${base}_${hash}`) > MAX_IDENTIFIER_BYTES) base = base.slice(0, -1);
    name = `${base}_${hash}`;
  }
  taken.add(name);
  return name;
}

/**
 * Makes sure each of `values` has its own partition of the LIST-partitioned `table`.
 * Returns the result of each creation (values that already have one are left out).
 *
 * @example
 * ```ts
 * await ensurePartitions(db, tenants, ['acme', 'globex']); // tenants_acme, tenants_globex
 * ```
 */
export async function ensurePartitions(db: DatabaseLike, table: PgTable | QualifiedName, values: readonly BoundInput[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const target = resolveTarget(table);
  const plan: MaintenancePlan = await withSession(db, async (ex) => {
    const tree = await readTree(ex, target.table, target.declared);
    const t = `${tree.table.schema}.${tree.table.name}`;
    if (!tree.partitionBy.startsWith('LIST')) {
      throw new DrizzlePartitionsError('NOT_LIST_PARTITIONED', `ensurePartitions needs a LIST-partitioned table; ${t} is ${tree.partitionBy}`);
    }
    const keyType = tree.keyTypes[0]!;
    const keyColumn = tree.keyColumns[0] ?? null;
    const taken: BoundValue[] = tree.partitions.flatMap((p) => (p.bound.kind === 'list' ? [...p.bound.values] : []));
    const dflt = tree.partitions.find((p) => p.isDefault);
    const dfltHasRows = dflt ? (await ex.query<{ any: boolean }>(anyRowsSql({ schema: dflt.schema, name: dflt.name })))[0]?.any === true : false;
    const ops: CreateOp[] = [];
    const names = new Set(tree.partitions.map((p) => p.name));
    for (const input of values) {
      const v = normalizeBound(input, keyType);
      if (isBoundProblem(v)) throw new DrizzlePartitionsError('BOUND_INVALID_VALUE', `ensurePartitions(${t}): ${v.message}`);
      if (taken.some((x) => sameBound(x, v))) continue;
      taken.push(v);
      let defaultRows = 0;
      if (dflt && dfltHasRows && keyColumn) {
        const [c] = await ex.query<{ n: string }>(countRowsSql({ schema: dflt.schema, name: dflt.name }, listPredicate(keyColumn, [v])));
        defaultRows = Number(c?.n ?? 0);
      }
      ops.push({
        kind: 'create',
        table: tree.table,
        partition: { schema: tree.table.schema, name: partitionNameFor(tree.table.name, v, names) },
        bound: { kind: 'list', values: [v] },
        keyColumn,
        reason: 'on-demand',
        resume: false,
        default: dflt ? { schema: dflt.schema, name: dflt.name } : null,
        defaultRows,
        defaultEstimatedRows: dflt?.estimatedRows ?? 0,
      });
    }
    return { now: opts.now ?? new Date(), tables: [{ table: tree.table, policy: undefined, tree, ops, problems: [] }] };
  });
  return apply(db, plan, opts);
}
