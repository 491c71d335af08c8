/**
 * The runtime's reads of the catalog, in one place. The partition tree in one round
 * trip, whatever the number of partitions: bounds parsed back into values, the
 * default partition, estimated rows, tablespace, who made each one, and the size
 * when asked for; for plan(), in the same statement, what it needs besides. Then
 * the smaller questions maintenance asks: the columns a copy carries, the tables
 * that have a name, where a partition stands, who holds a lock, a constraint.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { qualifiedLabel, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { RuntimeError } from '../errors.js';
import { keyTypeOfSqlType, type KeyType } from '../bound/key-type.js';
import { getPartitioning } from '../schema/partitioned-table.js';
import type { PartitionBound } from '../schema/resolved.js';
import { tableIdentity } from '../schema/resolve.js';
import type { DatabaseLike, Executor } from './executor.js';
import { withReadSession } from './session.js';
import { isManaged, OURS_PREFIXES, RETIRING_LIKE, retiringFrom } from './marker.js';
import { parsePartitionBound } from '../bound/parse.js';
import { FENCE_CONSTRAINT } from './fence.js';
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
 * const tree = await listPartitions(db, events, { sizes: true });
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
  /**
   * Size with indexes and TOAST (pg_total_relation_size), read only when asked for
   * with `{ sizes: true }` (it stats every file of every partition: the most costly
   * part of the catalog read); undefined otherwise.
   */
  bytes?: number | undefined;
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

/**
 * Options of {@link listPartitions}.
 *
 * @example
 * ```ts
 * const tree = await listPartitions(db, events, { sizes: true });
 * const total = tree.partitions.reduce((sum, p) => sum + (p.bytes ?? 0), 0);
 * ```
 */
export interface ListPartitionsOptions {
  /** Read each partition's size into `bytes` (default false: planning needs none, and it is the costly part). */
  sizes?: boolean;
}

/** What the default partition of the top level looks like to the catalog, read with the tree for plan(). */
export interface DefaultFacts {
  /** A fence constraint (FENCE_CONSTRAINT) an earlier version left on it. */
  fenced: boolean;
  /**
   * Whether it may hold rows: false only when it is a plain table whose main fork is
   * empty (pg_relation_size 0): a row, visible or not, always takes a page there, so
   * false is exact; true means count them (dead rows or a partitioned or foreign default
   * may still hold none).
   */
  mayHoldRows: boolean;
}

/** The tree and what plan() needs besides, read in one statement. */
export interface PlanCatalog {
  tree: PartitionTree;
  /** The top-level default partition's facts (undefined without a default partition). */
  defaultFacts: DefaultFacts | undefined;
  /**
   * Tables that were being retired from the table when a run stopped after detaching
   * them and before marking them retired (and dropping or moving them): no longer
   * partitions, still marked `retiring`.
   */
  leftovers: QualifiedName[];
}

/** One row of the catalog query: a node of the tree. */
interface Row {
  name: string;
  bound: string | null;
  est: number;
  /** Its comment says maintenance made it (marker.ts's OURS_PREFIXES). */
  ours: boolean;
  /** The parent's oid below the first level; null for the root and its partitions. */
  parent: string | null;
  /** With `sizes`: pg_total_relation_size. */
  bytes?: string;
  /** JSON of what only some nodes have (see {@link Extra}); null for a plain partition. */
  x: string | null;
}

/** What only some nodes carry, as JSON in one column (most partitions have none of it). */
interface Extra {
  /** The table asked for. */
  root?: boolean;
  oid?: string;
  /** Set on the root, and on a partition in another schema than the root's. */
  schema?: string | null;
  /** `PARTITION BY ...` of a partitioned node, and its key columns. */
  partkey?: string | null;
  key_types?: { type: string; column: string | null; labels: string[] | null }[] | null;
  tablespace?: string | null;
  pending?: boolean;
  /** Plan reads: on the top level's default partition. */
  fenced?: boolean | null;
  may_hold_rows?: boolean | null;
  /** Plan reads: on the root, the tables marked retiring. */
  leftovers?: { schema: string; name: string; comment: string }[] | null;
}

/**
 * The catalog query, shaped like the bare one (pg_inherits by its parent index, then
 * pg_class by oid) so that it costs about as much: per partition its name, its bound
 * as PostgreSQL prints it, estimated rows and whether our comment marks it; what only
 * a few nodes have (the root itself, partitioned nodes and their keys, a tablespace, a
 * pending detach (`inhdetachpending` exists from PostgreSQL 14), another schema) in
 * one JSON column that is null for all the others. Levels below the first are walked
 * from the partitioned partitions only (pg_partitioned_table).
 *
 * Parameters: $1 the table, $2 and $3 the comment prefixes of ours. `sizes` adds
 * pg_total_relation_size per node. `forPlan` adds, in the same statement, the top-level
 * default partition's fence ($4) and whether its main fork is empty, and on the root
 * the tables marked retiring ($5, a LIKE pattern).
 */
function treeQuery(versionNum: number, opts: { sizes: boolean; forPlan: boolean }): string {
  const pending = versionNum >= 140000 ? 'i.inhdetachpending' : 'false';
  const topDefault = `not r.root and r.parent is null and c.oid = (select partdefid from top)`;
  const plan = opts.forPlan
    ? `,
    'fenced', case when ${topDefault} then exists (select from pg_constraint k where k.conrelid = c.oid and k.conname = $4) end,
    'may_hold_rows', case when ${topDefault} then c.relkind <> 'r' or pg_relation_size(c.oid) > 0 end,
    'leftovers', case when r.root then (select json_agg(json_build_object('schema', ln.nspname, 'name', lc.relname, 'comment', ld.description))
       from pg_description ld join pg_class lc on lc.oid = ld.objoid and ld.classoid = 'pg_class'::regclass and ld.objsubid = 0
       join pg_namespace ln on ln.oid = lc.relnamespace
       where ld.description like $5 and not lc.relispartition and lc.relkind in ('r', 'p')) end`
    : '';
  return `
with recursive sub(oid, parent, pending) as (
  select i.inhrelid, i.inhparent, ${pending} from pg_inherits i join pg_partitioned_table pt on pt.partrelid = i.inhrelid where i.inhparent = $1::regclass
  union all
  select i.inhrelid, i.inhparent, ${pending} from sub s join pg_inherits i on i.inhparent = s.oid
), node(oid, parent, pending, root) as (
  select $1::regclass::oid, null::oid, false, true
  union all
  select i.inhrelid, null::oid, ${pending}, false from pg_inherits i where i.inhparent = $1::regclass
  union all
  select s.oid, s.parent, s.pending, false from sub s where s.parent <> $1::regclass
), top as (
  select c.relnamespace as nsp, pt.partdefid from pg_class c left join pg_partitioned_table pt on pt.partrelid = c.oid where c.oid = $1::regclass
)
select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound, greatest(c.reltuples, 0)::float8 as est,
  coalesce(starts_with(d.description, $2) or starts_with(d.description, $3), false) as ours,
  r.parent::int8::text as parent,${opts.sizes ? '\n  pg_total_relation_size(c.oid)::int8::text as bytes,' : ''}
  case when r.root or c.relkind = 'p' or r.pending or c.reltablespace <> 0 or c.relnamespace <> (select nsp from top)${opts.forPlan ? ` or ${topDefault}` : ''} then json_build_object(
    'root', r.root,
    'oid', c.oid::int8::text,
    'schema', case when r.root or c.relnamespace <> (select nsp from top) then (select n.nspname from pg_namespace n where n.oid = c.relnamespace) end,
    'partkey', case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end,
    'key_types', case when c.relkind = 'p' then (select json_agg(json_build_object(
        'type', case when k.attnum <> 0 then format_type(a.atttypid, a.atttypmod) else format_type(o.opcintype, null) end,
        'column', case when k.attnum <> 0 then a.attname::text end,
        'labels', (select json_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = a.atttypid))
      order by k.ord)
     from pg_partitioned_table pt
     cross join lateral unnest(pt.partattrs::int2[], pt.partclass::oid[]) with ordinality as k(attnum, cls, ord)
     join pg_opclass o on o.oid = k.cls
     left join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = k.attnum
     where pt.partrelid = c.oid) end,
    'tablespace', case when c.reltablespace <> 0 then (select ts.spcname from pg_tablespace ts where ts.oid = c.reltablespace) end,
    'pending', r.pending${plan})::text end as x
from node r
join pg_class c on c.oid = r.oid
left join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
where c.relkind in ('r', 'p', 'f')`;
}

function keyTypesOf(x: Extra | undefined): { type: KeyType; enumLabels?: readonly string[] }[] {
  return (x?.key_types ?? []).map((k) => (k.labels ? { type: 'enum' as const, enumLabels: k.labels } : { type: keyTypeOfSqlType(k.type) }));
}

const byName = (a: PartitionInfo, b: PartitionInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The tree out of the query's rows, with the root's and the top-level default's extras. */
function buildTree(rows: readonly Row[], table: QualifiedName, declared: ReadonlySet<string>): { tree: PartitionTree; root: Extra; topDefault: Extra | undefined } {
  const extras = rows.map((r) => (r.x === null ? undefined : (JSON.parse(r.x) as Extra)));
  const rootIndex = extras.findIndex((x) => x?.root === true);
  const root = extras[rootIndex];
  if (!root || !root.partkey) {
    throw new RuntimeError('NOT_PARTITIONED', `table "${qualifiedLabel(table)}" is not a partitioned table in this database`, 'apply the migrations first (drizzle-partitions generate, then migrate)');
  }
  const schema = root.schema!;
  // Children by their parent's oid; the root's partitions under ''.
  const byParent = new Map<string, number[]>();
  rows.forEach((r, i) => {
    if (i === rootIndex) return;
    const key = r.parent ?? '';
    const siblings = byParent.get(key);
    if (siblings) siblings.push(i);
    else byParent.set(key, [i]);
  });
  let topDefault: Extra | undefined;
  const build = (key: string, parent: Extra): PartitionInfo[] => {
    const keys = keyTypesOf(parent);
    return (byParent.get(key) ?? [])
      .map((i): PartitionInfo => {
        const r = rows[i]!;
        const x = extras[i];
        const boundText = r.bound ?? '';
        if (key === '' && x?.may_hold_rows !== undefined && x.may_hold_rows !== null) topDefault = x;
        return {
          schema: x?.schema ?? schema,
          name: r.name,
          bound: parsePartitionBound(boundText, keys),
          boundText,
          isDefault: boundText === 'DEFAULT',
          partitionBy: x?.partkey ?? undefined,
          estimatedRows: Number(r.est),
          // a literal without a spread: one object shape for every partition (10,000 of them)
          bytes: r.bytes !== undefined ? Number(r.bytes) : undefined,
          tablespace: x?.tablespace ?? null,
          origin: r.ours ? 'maintenance' : declared.has(r.name) ? 'declared' : 'unknown',
          detachPending: x?.pending === true,
          children: x?.partkey ? build(x.oid!, x) : [],
        };
      })
      .sort(byName);
  };
  const partitions = build('', root);
  const tree = { table: { schema, name: rows[rootIndex]!.name }, partitionBy: root.partkey, keyTypes: keyTypesOf(root).map((k) => k.type), keyColumns: (root.key_types ?? []).map((k) => k.column), partitions };
  return { tree, root, topDefault };
}

const regclassOf = (table: QualifiedName) => quoteQualified({ schema: table.schema ?? 'public', name: table.name });

/** Reads the tree with an executor already pinned (the runtime's own entry point); sizes only when asked. */
export async function readTree(ex: Executor, table: QualifiedName, declared: ReadonlySet<string> = new Set(), opts: ListPartitionsOptions = {}): Promise<PartitionTree> {
  const rows = await ex.query<Row>(treeQuery(await ex.serverVersionNum(), { sizes: opts.sizes === true, forPlan: false }), [regclassOf(table), ...OURS_PREFIXES]);
  return buildTree(rows, table, declared).tree;
}

/**
 * What plan() reads of one table, in one statement: the tree (sizes only when asked),
 * the top-level default partition's fence and whether it may hold rows, and the tables
 * a stopped run left marked retiring from it.
 */
export async function readPlanCatalog(ex: Executor, table: QualifiedName, declared: ReadonlySet<string>, opts: ListPartitionsOptions = {}): Promise<PlanCatalog> {
  const rows = await ex.query<Row>(treeQuery(await ex.serverVersionNum(), { sizes: opts.sizes === true, forPlan: true }), [regclassOf(table), ...OURS_PREFIXES, FENCE_CONSTRAINT, RETIRING_LIKE]);
  const { tree, root, topDefault } = buildTree(rows, table, declared);
  return {
    tree,
    defaultFacts: topDefault ? { fenced: topDefault.fenced === true, mayHoldRows: topDefault.may_hold_rows === true } : undefined,
    leftovers: leftoversFrom(root.leftovers ?? [], tree.table),
  };
}

/** Of the tables marked retiring, those retired from `table`. */
function leftoversFrom(rows: readonly { schema: string; name: string; comment: string }[], table: QualifiedName): QualifiedName[] {
  const from = qualifiedLabel(table);
  return rows.filter((r) => retiringFrom(r.comment) === from).map((r) => ({ schema: r.schema, name: r.name }));
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
 * one catalog query (besides pinning the connection and putting it back). Each
 * partition's size (`bytes`) is read only with `{ sizes: true }`.
 *
 * @example
 * ```ts
 * const tree = await listPartitions(db, events);
 * for (const p of tree.partitions) console.log(p.name, p.boundText, p.estimatedRows, p.origin);
 * const sized = await listPartitions(db, events, { sizes: true });
 * console.log(sized.partitions.map((p) => p.bytes)); // [8192, 16384, ...]
 * ```
 */
export async function listPartitions(db: DatabaseLike, table: PgTable | QualifiedName, opts: ListPartitionsOptions = {}): Promise<PartitionTree> {
  const target = resolveTarget(table);
  return withReadSession(db, (ex) => readTree(ex, target.table, target.declared, opts));
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
  return (await partitionStates(ex, table, [partition]))[0]!;
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

/** Whether `table`'s constraint `name` is validated (`pg_constraint.convalidated`); undefined when it has none. */
export async function constraintValidated(ex: Executor, table: QualifiedName, name: string): Promise<boolean | undefined> {
  const [row] = await ex.query<{ valid: boolean }>(`select convalidated as valid from pg_constraint where conrelid = to_regclass($1) and conname = $2`, [quoteQualified(table), name]);
  return row?.valid;
}

/**
 * Whether a foreign key leads from or to `table` (its own, not its partitions'):
 * ATTACH PARTITION then takes the other table in SHARE ROW EXCLUSIVE mode, which
 * stops the writes to it for as long as the attaching transaction lasts.
 */
export async function hasForeignKeys(ex: Executor, table: QualifiedName): Promise<boolean> {
  const [row] = await ex.query<{ n: number }>(`select count(*)::int as n from pg_constraint where contype = 'f' and to_regclass($1) in (conrelid, confrelid)`, [quoteQualified(table)]);
  return (row?.n ?? 0) > 0;
}

/** Whether `table` has a constraint named `name`. */
export async function hasConstraint(ex: Executor, table: QualifiedName, name: string): Promise<boolean> {
  const [row] = await ex.query<{ n: number }>(`select count(*)::int as n from pg_constraint where conrelid = to_regclass($1) and conname = $2`, [quoteQualified(table), name]);
  return (row?.n ?? 0) > 0;
}

// ---------------------------------------------------------------------------------
// Relations and indexes, for the migrator (src/migrator)

/**
 * A relation found by name, as PostgreSQL resolves it (an unqualified name through
 * the search_path): its schema, name and `relkind` (`r` table, `p` partitioned
 * table, `i` index, `I` partitioned index, ...).
 *
 * @example
 * ```ts
 * const rel = await findRelation(ex, { name: 'events' }); // { schema: 'public', name: 'events', kind: 'p' }
 * ```
 */
export async function findRelation(ex: Executor, relation: QualifiedName): Promise<{ schema: string; name: string; kind: string } | undefined> {
  const [row] = await ex.query<{ schema: string; name: string; kind: string }>(
    `select n.nspname as schema, c.relname as name, c.relkind::text as kind
     from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = to_regclass($1)`,
    [quoteQualified(relation)],
  );
  return row;
}

/**
 * An index as the migrator needs it: its table, whether it is valid (a failed
 * `CREATE INDEX CONCURRENTLY` leaves an invalid one behind), whether it is a
 * partitioned index, and the partitioned index it is attached to, if any.
 *
 * @example
 * ```ts
 * const idx = await indexState(ex, { schema: 'public', name: 'events_at_idx' });
 * if (idx && !idx.valid) console.log('left invalid by a failed build');
 * ```
 */
export interface IndexState {
  table: { schema: string; name: string };
  valid: boolean;
  partitioned: boolean;
  /** `schema.name` of the partitioned index this one is attached to. */
  attachedTo: { schema: string; name: string } | undefined;
}

/**
 * The state of the index `index`; undefined when no relation has that name, `'not-an-index'`
 * when another kind of relation has it.
 *
 * @example
 * ```ts
 * const idx = await indexState(ex, { schema: 'public', name: 'events_p1_at_idx' });
 * ```
 */
export async function indexState(ex: Executor, index: QualifiedName): Promise<IndexState | 'not-an-index' | undefined> {
  const [row] = await ex.query<{ kind: string; valid: boolean | null; tschema: string | null; tname: string | null; pschema: string | null; pname: string | null }>(
    `select c.relkind::text as kind, x.indisvalid as valid, tn.nspname as tschema, t.relname as tname, pn.nspname as pschema, p.relname as pname
     from pg_class c
     left join pg_index x on x.indexrelid = c.oid
     left join pg_class t on t.oid = x.indrelid left join pg_namespace tn on tn.oid = t.relnamespace
     left join pg_inherits i on i.inhrelid = c.oid
     left join pg_class p on p.oid = i.inhparent left join pg_namespace pn on pn.oid = p.relnamespace
     where c.oid = to_regclass($1)`,
    [quoteQualified(index)],
  );
  if (!row) return undefined;
  if (row.kind !== 'i' && row.kind !== 'I') return 'not-an-index';
  return {
    table: { schema: row.tschema!, name: row.tname! },
    valid: row.valid === true,
    partitioned: row.kind === 'I',
    attachedTo: row.pname ? { schema: row.pschema!, name: row.pname } : undefined,
  };
}

/**
 * The partitions of `table` right now (one level; detach-pending ones left out),
 * each with whether it is partitioned itself, and the name of its index attached to
 * the partitioned index `parentIndex`, if it has one.
 *
 * @example
 * ```ts
 * for (const p of await partitionsWithIndex(ex, parent, parentIndex)) if (!p.index) console.log(p.name, 'needs its index');
 * ```
 */
export async function partitionsWithIndex(
  ex: Executor,
  table: QualifiedName,
  parentIndex: QualifiedName,
): Promise<{ schema: string; name: string; partitioned: boolean; index: { schema: string; name: string; valid: boolean } | undefined }[]> {
  // inhdetachpending exists from PostgreSQL 14: read through to_jsonb so older servers answer false.
  const rows = await ex.query<{ schema: string; name: string; kind: string; ischema: string | null; iname: string | null; ivalid: boolean | null }>(
    `select n.nspname as schema, c.relname as name, c.relkind::text as kind, xin.nspname as ischema, xc.relname as iname, x.indisvalid as ivalid
     from pg_inherits i
     join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
     left join (pg_inherits xi join pg_index x on x.indexrelid = xi.inhrelid join pg_class xc on xc.oid = x.indexrelid join pg_namespace xin on xin.oid = xc.relnamespace)
       on xi.inhparent = to_regclass($2) and x.indrelid = c.oid
     where i.inhparent = to_regclass($1) and not coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false)
     order by c.relname`,
    [quoteQualified(table), quoteQualified(parentIndex)],
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    partitioned: r.kind === 'p',
    index: r.iname ? { schema: r.ischema!, name: r.iname, valid: r.ivalid === true } : undefined,
  }));
}
