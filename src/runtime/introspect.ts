/**
 * The runtime's reads of the catalog, in one place. The partition tree in one round
 * trip, whatever the number of partitions: bounds parsed back into values, the
 * default partition, estimated rows, size, tablespace, and who made each one. Then
 * the smaller questions maintenance asks: the columns a copy carries, the tables
 * that have a name, where a partition stands, who holds a lock, a constraint.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { quoteQualified, type QualifiedName } from '../sql/quote.js';
import { RuntimeError } from '../errors.js';
import { keyTypeOfSqlType, type KeyType } from '../bound/key-type.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import type { PartitionBound } from '../schema/resolved.js';
import { tableIdentity } from '../schema/resolve.js';
import type { DatabaseLike, Executor } from './executor.js';
import { withSession } from './session.js';
import { isManaged, isOurs, RETIRING_LIKE, retiringFrom } from './marker.js';
import { parsePartitionBound } from '../bound/parse.js';
import type { ExistingRelation } from './partition-names.js';

/**
 * Who made a partition: runtime maintenance (marked), a migration (declared in the schema), or someone else.
 *
 * @example
 * ```ts
 * const origin: PartitionOrigin = tree.partitions[0]!.origin;
 * const byHand = tree.partitions.filter((p) => p.origin === 'unknown');
 * ```
 */
export type PartitionOrigin = 'maintenance' | 'declared' | 'unknown';

/**
 * One partition of the tree {@link listPartitions} reads.
 *
 * @example
 * ```ts
 * const tree = await listPartitions(db, events);
 * for (const p of tree.partitions) console.log(p.name, p.boundText, p.isDefault, p.bytes, p.children.length);
 * ```
 */
export interface PartitionInfo {
  schema: string;
  name: string;
  /** Parsed bound; `{ kind: 'default' }` for the default partition. */
  bound: PartitionBound;
  /** The bound as PostgreSQL prints it (for display only; never compared). */
  boundText: string;
  isDefault: boolean;
  /** `PARTITION BY ...` when this partition is itself partitioned. */
  partitionBy?: string | undefined;
  /** The planner's row estimate (pg_class.reltuples; -1 when never analysed is shown as 0). */
  estimatedRows: number;
  /** Size with indexes and TOAST (pg_total_relation_size). */
  bytes: number;
  tablespace: string | null;
  origin: PartitionOrigin;
  /** A DETACH ... CONCURRENTLY that did not finish (PostgreSQL 14+). */
  detachPending: boolean;
  children: PartitionInfo[];
}

/**
 * A partitioned table and its partitions, as {@link listPartitions} returns it.
 *
 * @example
 * ```ts
 * const tree: PartitionTree = await listPartitions(db, events);
 * tree.partitionBy; // 'RANGE (created_at)'
 * ```
 */
export interface PartitionTree {
  table: QualifiedName;
  /** `RANGE (created_at)` as pg_get_partkeydef prints it. */
  partitionBy: string;
  keyTypes: KeyType[];
  /** Key column names at the top level; null for an expression. */
  keyColumns: (string | null)[];
  partitions: PartitionInfo[];
}

interface Row {
  oid: string;
  parent: string | null;
  schema: string;
  name: string;
  bound: string | null;
  partkey: string | null;
  key_types: { type: string; column: string | null; labels: string[] | null }[] | null;
  est_rows: number;
  bytes: string;
  tablespace: string | null;
  comment: string | null;
  detach_pending: boolean;
}

/** The catalog query; `inhdetachpending` exists from PostgreSQL 14. */
function treeQuery(versionNum: number): string {
  const pending = versionNum >= 140000 ? 'coalesce(i.inhdetachpending, false)' : 'false';
  return `
with recursive tree as (
  select c.oid, null::oid as parent from pg_class c where c.oid = $1::regclass
  union all
  select i.inhrelid, i.inhparent from tree t join pg_inherits i on i.inhparent = t.oid
)
select t.oid::int8::text as oid, t.parent::int8::text as parent, n.nspname as schema, c.relname as name,
  pg_get_expr(c.relpartbound, c.oid) as bound,
  case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey,
  case when c.relkind = 'p' then (select json_agg(json_build_object(
      'type', case when k.attnum <> 0 then format_type(a.atttypid, a.atttypmod) else format_type(o.opcintype, null) end,
      'column', case when k.attnum <> 0 then a.attname::text end,
      'labels', (select json_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = a.atttypid))
    order by k.ord)
   from pg_partitioned_table pt
   cross join lateral unnest(pt.partattrs::int2[], pt.partclass::oid[]) with ordinality as k(attnum, cls, ord)
   join pg_opclass o on o.oid = k.cls
   left join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = k.attnum
   where pt.partrelid = c.oid) end as key_types,
  greatest(c.reltuples, 0)::float8 as est_rows,
  pg_total_relation_size(c.oid)::int8::text as bytes,
  ts.spcname as tablespace,
  obj_description(c.oid, 'pg_class') as comment,
  ${pending} as detach_pending
from tree t
join pg_class c on c.oid = t.oid
join pg_namespace n on n.oid = c.relnamespace
left join pg_tablespace ts on ts.oid = c.reltablespace
left join pg_inherits i on i.inhrelid = t.oid and i.inhparent = t.parent
where c.relkind in ('r', 'p', 'f')`;
}

function keyTypesOf(row: Row): { type: KeyType; enumLabels?: readonly string[] }[] {
  return (row.key_types ?? []).map((k) => (k.labels ? { type: 'enum' as const, enumLabels: k.labels } : { type: keyTypeOfSqlType(k.type) }));
}

/** Reads the tree with an executor already pinned (the runtime's own entry point). */
export async function readTree(ex: Executor, table: QualifiedName, declared: ReadonlySet<string> = new Set()): Promise<PartitionTree> {
  const rows = await ex.query<Row>(treeQuery(await ex.serverVersionNum()), [quoteQualified({ schema: table.schema ?? 'public', name: table.name })]);
  const root = rows.find((r) => r.parent === null);
  if (!root || !root.partkey) {
    throw new RuntimeError('NOT_PARTITIONED', `table "${table.schema ?? 'public'}.${table.name}" is not a partitioned table in this database`, 'apply the migrations first (drizzle-partitions generate, then migrate)');
  }
  const byParent = new Map<string, Row[]>();
  for (const r of rows) if (r.parent) byParent.set(r.parent, [...(byParent.get(r.parent) ?? []), r]);
  const build = (parent: Row): PartitionInfo[] => {
    const keys = keyTypesOf(parent);
    return (byParent.get(parent.oid) ?? [])
      .map((r): PartitionInfo => {
        const boundText = r.bound ?? '';
        return {
          schema: r.schema,
          name: r.name,
          bound: parsePartitionBound(boundText, keys),
          boundText,
          isDefault: boundText === 'DEFAULT',
          partitionBy: r.partkey ?? undefined,
          estimatedRows: Number(r.est_rows),
          bytes: Number(r.bytes),
          tablespace: r.tablespace,
          origin: isOurs(r.comment) ? 'maintenance' : declared.has(r.name) ? 'declared' : 'unknown',
          detachPending: r.detach_pending === true,
          children: r.partkey ? build(r) : [],
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  return { table: { schema: root.schema, name: root.name }, partitionBy: root.partkey, keyTypes: keyTypesOf(root).map((k) => k.type), keyColumns: (root.key_types ?? []).map((k) => k.column), partitions: build(root) };
}

/**
 * The columns a copy of `table`'s rows carries, in order: every live column but the
 * generated ones (PostgreSQL computes those again on insert).
 */
export async function copyColumns(ex: Executor, table: QualifiedName): Promise<string[]> {
  const rows = await ex.query<{ name: string }>(
    `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`,
    [quoteQualified({ schema: table.schema ?? 'public', name: table.name })],
  );
  return rows.map((r) => r.name);
}

/** The relations of `schema` that have one of `names`: whether each is attached as a partition, and whether it is marked as ours. */
export async function relationsNamed(ex: Executor, schema: string, names: readonly string[]): Promise<Map<string, ExistingRelation>> {
  if (names.length === 0) return new Map();
  const rows = await ex.query<{ name: string; attached: boolean; comment: string | null }>(
    `select c.relname as name, c.relispartition as attached, obj_description(c.oid, 'pg_class') as comment
     from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = any($2::text[])`,
    [schema, [...names]],
  );
  return new Map(rows.map((r) => [r.name, { attached: r.attached, managed: isManaged(r.comment) }]));
}

/**
 * Tables that were being retired from `table` when a run stopped after detaching them
 * and before marking them retired (and dropping or moving them): no longer partitions,
 * still marked `retiring`.
 */
export async function retiringLeftovers(ex: Executor, table: QualifiedName): Promise<QualifiedName[]> {
  const rows = await ex.query<{ schema: string; name: string; comment: string }>(
    `select n.nspname as schema, c.relname as name, d.description as comment
     from pg_description d join pg_class c on c.oid = d.objoid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
     join pg_namespace n on n.oid = c.relnamespace
     where d.description like $1 and not c.relispartition and c.relkind in ('r', 'p')`,
    [RETIRING_LIKE],
  );
  const from = `${table.schema ?? 'public'}.${table.name}`;
  return rows.filter((r) => retiringFrom(r.comment) === from).map((r) => ({ schema: r.schema, name: r.name }));
}

/** Names of the partitions a table's schema declares, at every level. */
export function declaredNames(table: PgTable): Set<string> {
  const names = new Set<string>();
  const p = getPartitioning(table);
  const walk = (level: { partitions: readonly { name: string; partitionBy?: { partitions: readonly unknown[] } | undefined }[] }) => {
    for (const x of level.partitions) {
      names.add(x.name);
      if (x.partitionBy) walk(x.partitionBy as never);
    }
  };
  if (p) walk(p);
  return names;
}

/**
 * The live partition tree of `table` (a drizzle table or `{ schema, name }`), read in
 * one catalog query.
 *
 * @example
 * ```ts
 * const tree = await listPartitions(db, events);
 * for (const p of tree.partitions) console.log(p.name, p.boundText, p.estimatedRows, p.origin);
 * ```
 */
export async function listPartitions(db: DatabaseLike, table: PgTable | QualifiedName): Promise<PartitionTree> {
  const target = resolveTarget(table);
  return withSession(db, (ex) => readTree(ex, target.table, target.declared));
}

/** A drizzle partitioned table, or a plain `{ schema, name }`, as what the runtime reads. */
export function resolveTarget(table: PgTable | QualifiedName): { table: QualifiedName; declared: Set<string> } {
  const p = getPartitioning(table);
  if (p) return { table: { schema: p.table.schema ?? 'public', name: p.table.name }, declared: declaredNames(table as PgTable) };
  const q = table as QualifiedName;
  if (typeof q.name === 'string') return { table: { schema: q.schema ?? 'public', name: q.name }, declared: new Set() };
  throw new RuntimeError('NOT_PARTITIONED', `table "${tableIdentity(table as PgTable).name}" was not defined with pgPartitionedTable() or partitioned()`);
}

/** Where a partition stands now: attached to `table`, detach-pending, marked as ours. */
export async function partitionState(ex: Executor, table: QualifiedName, partition: QualifiedName): Promise<{ exists: boolean; attached: boolean; pending: boolean; managed: boolean }> {
  // inhdetachpending exists from PostgreSQL 14: read through to_jsonb so older servers answer false.
  const [row] = await ex.query<{ attached: boolean; pending: boolean; comment: string | null }>(
    `select coalesce(i.inhparent = to_regclass($2)::oid, false) as attached, coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false) as pending,
       obj_description(c.oid, 'pg_class') as comment
     from pg_class c left join pg_inherits i on i.inhrelid = c.oid where c.oid = to_regclass($1)`,
    [quoteQualified(partition), quoteQualified(table)],
  );
  if (!row) return { exists: false, attached: false, pending: false, managed: false };
  return { exists: true, attached: row.attached, pending: row.pending, managed: isManaged(row.comment) };
}

/**
 * {@link partitionState} of each of `partitions` (all of `table`), in one query, in the
 * order given.
 *
 * @example
 * ```ts
 * const states = await partitionStates(ex, parent, [p1, p2]); // [{ exists: true, attached: false, ... }, ...]
 * ```
 */
export async function partitionStates(ex: Executor, table: QualifiedName, partitions: readonly QualifiedName[]): Promise<{ exists: boolean; attached: boolean; pending: boolean; managed: boolean }[]> {
  if (partitions.length === 0) return [];
  const rows = await ex.query<{ i: number; found: boolean; attached: boolean; pending: boolean; comment: string | null }>(
    `select p.ord::int as i, c.oid is not null as found,
       coalesce(h.attached, false) as attached, coalesce(h.pending, false) as pending, obj_description(c.oid, 'pg_class') as comment
     from unnest($2::text[]) with ordinality as p(rel, ord)
     left join pg_class c on c.oid = to_regclass(p.rel)
     left join lateral (
       select bool_or(i.inhparent = to_regclass($1)::oid) as attached, bool_or(coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false)) as pending
       from pg_inherits i where i.inhrelid = c.oid
     ) h on true
     order by p.ord`,
    [quoteQualified(table), partitions.map((x) => quoteQualified(x))],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
  return partitions.map((_, k) => {
    const row = byIndex.get(k + 1);
    if (!row?.found) return { exists: false, attached: false, pending: false, managed: false };
    return { exists: true, attached: row.attached, pending: row.pending, managed: isManaged(row.comment) };
  });
}

/** Who holds locks on `relation` or one of its partitions right now (pid, age, query), for the report. */
export async function lockHolders(ex: Executor, relation: QualifiedName): Promise<string[]> {
  try {
    // The relation and its partitions: ATTACH and DETACH also lock the default
    // partition, so a reader of that partition alone holds them up. One line per
    // backend, the oldest transaction first (now() would be our own start).
    const rows = await ex.query<{ pid: number; mode: string; age: string | null; query: string | null }>(
      `select a.pid, string_agg(distinct l.mode, ', ') as mode, (clock_timestamp() - a.xact_start)::text as age, left(a.query, 80) as query
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.relation in (select to_regclass($1)::oid union all select i.inhrelid from pg_inherits i where i.inhparent = to_regclass($1))
         and l.granted and a.pid <> pg_backend_pid()
       group by a.pid, a.xact_start, a.query order by a.xact_start limit 3`,
      [quoteQualified(relation)],
    );
    return rows.map((r) => `pid ${r.pid} (${r.mode}, transaction open ${r.age ?? '?'}: ${r.query ?? ''})`);
  } catch {
    return [];
  }
}

/** Whether `table` has a constraint named `name`. */
export async function hasConstraint(ex: Executor, table: QualifiedName, name: string): Promise<boolean> {
  const [row] = await ex.query<{ n: number }>(`select count(*)::int as n from pg_constraint where conrelid = to_regclass($1) and conname = $2`, [quoteQualified(table), name]);
  return (row?.n ?? 0) > 0;
}
