/**
 * Partition families at maintenance time: the foreign keys among the tables of a
 * plan, read from the catalog (pg_constraint) and from the drizzle declarations,
 * order the plan parents first — apply creates in that order and retires in the
 * reverse one, so a referencing table's month goes before the month it references.
 * A retirement that rows outside the plan's own retirements still reference is
 * flagged (`retire-blocked`, naming the referencing table) and left alone by apply,
 * and so is a new partition whose rows in the default partition are referenced
 * (`create-blocked`): moving them out would fail on the foreign key.
 */
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { is } from 'drizzle-orm';
import { identifierBytes, MAX_IDENTIFIER_BYTES, qualifiedLabel as key, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { tableIdentity } from '../schema/resolve.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import { boundsEqual } from '../bound/values.js';
import { columnDbName, type Casing } from '../ddl/column-names.js';
import { hashedName } from './partition-names.js';
import type { Executor } from './executor.js';
import type { CreateOp, RetireOp, TablePlan } from './plan.js';
import { boundPredicate, referencingRowsExistSql } from '../ddl/maintenance-sql.js';

/**
 * A foreign key touching a maintained table, as the catalog holds it: the table that
 * carries it (`from`, possibly a partition) and the one it references (`to`,
 * possibly a partition), each with its partition root.
 *
 * @example
 * ```ts
 * const links = await readForeignKeys(ex, [{ schema: 'public', name: 'tweets' }]);
 * links[0]; // { constraint: 'retweets_tweet_fk', from: retweets, fromRoot: retweets, to: tweets, toRoot: tweets, fromColumns: ['tweet_id', 'at'], toColumns: ['id', 'at'] }
 * ```
 */
export interface ForeignKeyLink {
  constraint: string;
  from: QualifiedName;
  fromRoot: QualifiedName;
  to: QualifiedName;
  toRoot: QualifiedName;
  fromColumns: string[];
  toColumns: string[];
}


/** The top-level foreign keys (not the clones PostgreSQL keeps per partition) from or to any table of `tables`, or of their partitions. */
export async function readForeignKeys(ex: Executor, tables: readonly QualifiedName[]): Promise<ForeignKeyLink[]> {
  if (tables.length === 0) return [];
  const rows = await ex.query<{ constraint: string; fs: string; fn: string; frs: string; frn: string; ts: string; tn: string; trs: string; trn: string; fcols: string[]; tcols: string[] }>(
    `with wanted as (select to_regclass(n) as oid from unnest($1::text[]) as n),
     fk as (
       select c.conname, c.conrelid, c.confrelid, c.conkey, c.confkey,
              coalesce(pg_catalog.pg_partition_root(c.conrelid), c.conrelid) as fr,
              coalesce(pg_catalog.pg_partition_root(c.confrelid), c.confrelid) as tr
       from pg_catalog.pg_constraint c
       where c.contype = 'f' and c.conparentid = 0)
     select fk.conname as "constraint",
            fn.nspname as fs, f.relname as fn, frn.nspname as frs, fr.relname as frn,
            tn.nspname as ts, t.relname as tn, trn.nspname as trs, tr.relname as trn,
            array(select a.attname::text from unnest(fk.conkey) with ordinality as k(n, i) join pg_catalog.pg_attribute a on a.attrelid = fk.conrelid and a.attnum = k.n order by k.i) as fcols,
            array(select a.attname::text from unnest(fk.confkey) with ordinality as k(n, i) join pg_catalog.pg_attribute a on a.attrelid = fk.confrelid and a.attnum = k.n order by k.i) as tcols
     from fk
     join pg_catalog.pg_class f on f.oid = fk.conrelid join pg_catalog.pg_namespace fn on fn.oid = f.relnamespace
     join pg_catalog.pg_class fr on fr.oid = fk.fr join pg_catalog.pg_namespace frn on frn.oid = fr.relnamespace
     join pg_catalog.pg_class t on t.oid = fk.confrelid join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
     join pg_catalog.pg_class tr on tr.oid = fk.tr join pg_catalog.pg_namespace trn on trn.oid = tr.relnamespace
     where fk.fr in (select oid from wanted) or fk.tr in (select oid from wanted)
     order by 1, 2, 3`,
    [tables.map((t) => quoteQualified({ schema: t.schema ?? 'public', name: t.name }))],
  );
  return rows.map((r) => ({
    constraint: r.constraint,
    from: { schema: r.fs, name: r.fn },
    fromRoot: { schema: r.frs, name: r.frn },
    to: { schema: r.ts, name: r.tn },
    toRoot: { schema: r.trs, name: r.trn },
    fromColumns: r.fcols,
    toColumns: r.tcols,
  }));
}

/** Foreign keys the drizzle definitions declare among `tables`: [referencing, referenced] keys. */
function declaredLinks(tables: readonly (PgTable | QualifiedName)[]): [string, string][] {
  const out: [string, string][] = [];
  for (const t of tables) {
    if (!is(t, PgTable)) continue;
    for (const fk of getTableConfig(t).foreignKeys) {
      const ref = fk.reference();
      const from = tableIdentity(t);
      const to = tableIdentity(ref.foreignTable);
      out.push([key(from), key(to)]);
    }
    // partition-to-partition foreign keys: the aligned table's partition must exist first
    const policy = getPartitioning(t)?.policy;
    const target = policy?.partitionForeignKeys && policy.alignedWith ? policy.alignedWith() : undefined;
    if (is(target, PgTable)) out.push([key(tableIdentity(t)), key(tableIdentity(target))]);
  }
  return out;
}

/**
 * Gives each create op of a table with `partitionForeignKeys` the foreign keys to
 * the partition of its aligned table with the same bounds — already attached, or
 * created earlier in the same plan (parents first). Without one, the partition is
 * created without them and a `family-unaligned` problem says so.
 */
function linkPartitions(plans: readonly TablePlan[], tables: readonly (PgTable | QualifiedName)[], casing: Casing): void {
  for (const [i, p] of plans.entries()) {
    const t = tables[i];
    const policy = is(t, PgTable) ? getPartitioning(t)?.policy : undefined;
    const target = policy?.partitionForeignKeys && policy.alignedWith ? policy.alignedWith() : undefined;
    if (!policy?.partitionForeignKeys || !is(target, PgTable)) continue;
    const other = plans.find((x) => key(x.table) === key(tableIdentity(target)));
    for (const op of p.ops) {
      if (op.kind !== 'create') continue;
      const attached = other?.tree.partitions.find((x) => !x.isDefault && x.bound.kind === 'range' && boundsEqual(x.bound, op.bound));
      const planned = other?.ops.find((x) => x.kind === 'create' && boundsEqual(x.bound, op.bound));
      const match = attached ? { schema: attached.schema, name: attached.name } : planned?.partition;
      if (!match) {
        p.problems.push({ code: 'family-unaligned', table: key(p.table), partition: op.partition.name, message: `${op.partition.name} has no partition of ${key(tableIdentity(target))} with the same bounds to reference${other ? '' : ` (${key(tableIdentity(target))} is not maintained in this run)`}: it is created without its partition foreign keys` });
        continue;
      }
      op.foreignKeys = policy.partitionForeignKeys.map((fk, k) => {
        const base = `${op.partition.name}_fk${k}`;
        return {
          name: identifierBytes(base) > MAX_IDENTIFIER_BYTES ? hashedName(op.partition.name, `fk${k}`) : base,
          columns: fk.columns.map((c) => columnDbName(c, casing)),
          references: match,
          referencedColumns: fk.foreignColumns.map((c) => columnDbName(c, casing)),
        };
      });
    }
  }
}

/**
 * `plans` ordered parents first: a table comes after every table of the plan it
 * references (by a foreign key in the catalog or in the drizzle definitions). Tables
 * in a cycle keep their given order. Stable otherwise.
 *
 * @example
 * ```ts
 * orderParentsFirst([likes, retweets, tweets].map((t) => ({ table: t })), [['public.likes', 'public.retweets'], ['public.retweets', 'public.tweets']]);
 * // tweets, retweets, likes
 * ```
 */
export function orderParentsFirst<T extends { table: QualifiedName }>(plans: readonly T[], edges: readonly [string, string][]): T[] {
  const keys = plans.map((p) => key(p.table));
  const parents = new Map<string, Set<string>>(keys.map((k) => [k, new Set()]));
  for (const [from, to] of edges) if (from !== to && parents.has(from) && parents.has(to)) parents.get(from)!.add(to);
  const out: T[] = [];
  const placed = new Set<string>();
  let left = plans.map((p, i) => ({ p, k: keys[i]! }));
  while (left.length > 0) {
    const ready = left.filter((x) => [...parents.get(x.k)!].every((k) => placed.has(k)));
    const take = ready.length > 0 ? ready : [left[0]!];
    for (const x of take) {
      out.push(x.p);
      placed.add(x.k);
    }
    left = left.filter((x) => !placed.has(x.k));
  }
  return out;
}

/**
 * Whether every row that `link` lets reference `op`'s partition is retired first,
 * without reading a row: the referencing table is in the plan, has no default
 * partition, its foreign key maps its key column onto this table's key column (a row
 * of one month references a row of the same month), and it retires the partition with
 * the same bounds. The common case of a family; otherwise the rows are read.
 */
function alignedAway(link: ForeignKeyLink, p: TablePlan, op: RetireOp, plans: readonly TablePlan[]): boolean {
  const from = plans.find((x) => key(x.table) === key(link.fromRoot));
  if (!from || key(link.from) !== key(link.fromRoot) || from.tree.partitions.some((x) => x.isDefault)) return false;
  const k = link.fromColumns.indexOf(from.tree.keyColumns[0] ?? '');
  if (k < 0 || link.toColumns[k] !== p.tree.keyColumns[0]) return false;
  return from.ops.some((x) => x.kind === 'retire' && x.action.kind !== 'move-tablespace' && boundsEqual(x.bound, op.bound));
}

/** Whether rows of `link.from`, outside the tables in `retiring`, reference rows of `partition`. */
async function referenced(ex: Executor, link: ForeignKeyLink, partition: QualifiedName, retiring: readonly QualifiedName[]): Promise<boolean> {
  const sql = referencingRowsExistSql(link.from, link.fromColumns, partition, link.toColumns, { exceptTablesParam: true });
  const [row] = await ex.query<{ hit: boolean }>(sql, [retiring.map(quoteQualified)]);
  return row?.hit === true;
}

/**
 * Adds the partition foreign keys of new partitions ({@link linkPartitions}), orders
 * `plans` parents first (see {@link orderParentsFirst}) and marks each retire
 * op that a foreign key would block: rows of a referencing table, other than those
 * the plan retires first, reference the partition. Such an op gets `blockedBy` (the
 * referencing tables) and a `retire-blocked` problem; apply skips it.
 *
 * @example
 * ```ts
 * const tables = await orderFamilies(ex, [likesPlan, retweetsPlan, tweetsPlan], [likes, retweets, tweets], undefined);
 * tables.map((t) => t.table.name); // ['tweets', 'retweets', 'likes']
 * ```
 */
export async function orderFamilies(ex: Executor, plans: TablePlan[], tables: readonly (PgTable | QualifiedName)[], casing: Casing): Promise<TablePlan[]> {
  linkPartitions(plans, tables, casing);
  // Nothing to order, retire or move out of a default partition: the catalog is not asked (plan() of one table stays one round trip).
  const retiring = plans.some((p) => p.ops.some((op) => op.kind === 'retire'));
  const moving = plans.some((p) => p.ops.some((op) => op.kind === 'create' && op.default !== null && op.defaultRows > 0));
  if (plans.length < 2 && !retiring && !moving) return plans;
  const links = await readForeignKeys(ex, plans.map((p) => p.table));
  const ordered = orderParentsFirst(plans, [...links.map((l): [string, string] => [key(l.fromRoot), key(l.toRoot)]), ...declaredLinks(tables)]);
  const retiredFirst = new Map<string, QualifiedName[]>();
  for (const p of plans) {
    const gone = p.ops.filter((op): op is RetireOp => op.kind === 'retire' && op.action.kind !== 'move-tablespace').map((op) => op.partition);
    retiredFirst.set(key(p.table), gone);
  }
  if (moving) await blockReferencedMoves(ex, ordered, links);
  for (const p of ordered) {
    for (const op of p.ops) {
      if (op.kind !== 'retire' || op.action.kind === 'move-tablespace') continue;
      const inbound = links.filter((l) => key(l.toRoot) === key(p.table) && (key(l.to) === key(p.table) || key(l.to) === key(op.partition)));
      const blockers: string[] = [];
      for (const l of inbound) {
        if (key(l.from) === key(op.partition)) continue;
        const gone = retiredFirst.get(key(l.fromRoot)) ?? [];
        if (gone.some((g) => key(g) === key(l.from))) continue;
        if (alignedAway(l, p, op, plans)) continue;
        if (await referenced(ex, l, op.partition, gone)) blockers.push(key(l.fromRoot));
      }
      if (blockers.length === 0) continue;
      op.blockedBy = [...new Set(blockers)];
      p.problems.push({
        code: 'retire-blocked',
        table: key(p.table),
        partition: op.partition.name,
        message: `${op.partition.name} cannot be retired: rows of ${op.blockedBy.join(' and ')} reference it through a foreign key (and are not retired before it); retire or delete those rows first, or align ${op.blockedBy.join(' and ')} with ${p.table.name} (alignedWith)`,
      });
    }
  }
  return ordered;
}

/**
 * Marks each create op that would move rows out of a default partition while rows of
 * another table reference them through a foreign key to the whole table: moving a row
 * deletes it from the default partition before the new partition is attached, and
 * PostgreSQL checks the key at that delete (NO ACTION is not deferred), so the step
 * would fail, every run. The op gets `blockedBy` and a `create-blocked` problem, and
 * so does the same month of every table that references this one (a family stays in
 * step: the child's month waits for its parent's). `plans` are parents first.
 */
async function blockReferencedMoves(ex: Executor, plans: readonly TablePlan[], links: readonly ForeignKeyLink[]): Promise<void> {
  for (const p of plans) {
    for (const op of p.ops) {
      if (op.kind !== 'create' || op.blockedBy || op.default === null || op.defaultRows === 0) continue;
      const predicate = boundPredicate(op.keyColumn, op.bound);
      if (!predicate) continue;
      const blockers: string[] = [];
      for (const l of links) {
        if (key(l.toRoot) !== key(p.table) || key(l.to) !== key(p.table)) continue;
        const [row] = await ex.query<{ hit: boolean }>(referencingRowsExistSql(l.from, l.fromColumns, op.default, l.toColumns, { predicate }));
        if (row?.hit === true) blockers.push(key(l.fromRoot));
      }
      if (blockers.length === 0) continue;
      const by = [...new Set(blockers)].join(' and ');
      block(p, op, `rows of ${by} reference rows of ${op.default.name} that would move into ${op.partition.name}, and PostgreSQL checks the foreign key when they leave the default partition`);
      for (const q of plans) {
        if (!links.some((l) => key(l.fromRoot) === key(q.table) && key(l.toRoot) === key(p.table))) continue;
        for (const child of q.ops) {
          if (child.kind === 'create' && !child.blockedBy && boundsEqual(child.bound, op.bound)) block(q, child, `it waits for ${op.partition.name} of ${p.table.name}, which cannot be created yet`);
        }
      }
    }
  }
}

function block(p: TablePlan, op: CreateOp, why: string): void {
  op.blockedBy = why;
  p.problems.push({
    code: 'create-blocked',
    table: key(p.table),
    partition: op.partition.name,
    message: `${op.partition.name} cannot be created: ${why}; delete or move those referencing rows first (or make partitions further ahead with premake, so rows do not reach the default partitions)`,
  });
}
