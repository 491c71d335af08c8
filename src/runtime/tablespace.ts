/**
 * Tablespaces of partitions and of their indexes: where each lies (a catalog read of
 * its own, apart from listPartitions, which stays fast), and moving a partition with
 * every index under it — sub-partitions and theirs included — one relation per
 * short step under lock_timeout with retries. Each step rewrites one relation and
 * holds it (never the parent) in ACCESS EXCLUSIVE mode while it copies.
 */
import type { PgTable } from 'drizzle-orm/pg-core';
import { setIndexTablespaceSql, setTablespaceSql } from '../ddl/maintenance-sql.js';
import { quoteQualified, type QualifiedName } from '../sql/quote.js';
import { RuntimeError } from '../errors.js';
import type { DatabaseLike, Executor } from './executor.js';
import { resolveTarget } from './introspect.js';
import { withLockRetry, type LockOptions } from './lock.js';
import { withReadSession } from './session.js';

/**
 * Where one relation lies: `tablespace` is its tablespace's name, null for the
 * database's default.
 *
 * @example
 * ```ts
 * const idx: RelationTablespace = places[0]!.indexes[0]!; // { schema: 'public', name: 'events_p20260101_pkey', tablespace: 'fast' }
 * ```
 */
export interface RelationTablespace {
  schema: string;
  name: string;
  tablespace: string | null;
}

/**
 * A partition (any level) and the indexes on it, each with its tablespace.
 *
 * @example
 * ```ts
 * for (const p of await partitionTablespaces(db, events)) console.log(p.name, p.tablespace ?? 'default', p.indexes.map((i) => `${i.name}:${i.tablespace ?? 'default'}`));
 * ```
 */
export interface PartitionTablespace extends RelationTablespace {
  /** The table it is a partition of (`schema.name`). */
  parent: string;
  /** 1 for a partition of the table, 2 for a sub-partition, ... */
  level: number;
  indexes: RelationTablespace[];
}

/** Relations of the partition tree of $1 (itself at level 0), with their indexes; tablespace null for the database's default. */
const TREE_TABLESPACES_SQL = `
select n.nspname as schema, c.relname as name, t.level::int as level, c.relkind::text as kind,
  coalesce((select pn.nspname || '.' || pc.relname from pg_class pc join pg_namespace pn on pn.oid = pc.relnamespace where pc.oid = t.parentrelid), '') as parent,
  ts.spcname as tablespace,
  coalesce((
    select json_agg(json_build_object('schema', xn.nspname, 'name', x.relname, 'tablespace', xts.spcname) order by x.relname)
    from pg_index ix join pg_class x on x.oid = ix.indexrelid join pg_namespace xn on xn.oid = x.relnamespace
    left join pg_tablespace xts on xts.oid = x.reltablespace
    where ix.indrelid = c.oid
  ), '[]'::json) as indexes
from pg_partition_tree($1::regclass) t
join pg_class c on c.oid = t.relid
join pg_namespace n on n.oid = c.relnamespace
left join pg_tablespace ts on ts.oid = c.reltablespace
order by t.level, n.nspname, c.relname`;

interface TreeRow {
  schema: string;
  name: string;
  level: number;
  kind: string;
  parent: string;
  tablespace: string | null;
  indexes: RelationTablespace[] | string;
}

async function readTreeTablespaces(ex: Executor, root: QualifiedName): Promise<(PartitionTablespace & { kind: string })[]> {
  const rows = await ex.query<TreeRow>(TREE_TABLESPACES_SQL, [quoteQualified(root)]);
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    level: Number(r.level),
    kind: r.kind,
    parent: r.parent,
    tablespace: r.tablespace,
    indexes: typeof r.indexes === 'string' ? (JSON.parse(r.indexes) as RelationTablespace[]) : r.indexes,
  }));
}

/**
 * Every partition of `table` at every level, and every index on it, with their
 * tablespaces (null: the database's default), read in one catalog query: what
 * `status --tablespaces` shows.
 *
 * @example
 * ```ts
 * const places = await partitionTablespaces(db, events);
 * places.filter((p) => p.tablespace !== 'fast').map((p) => p.name); // partitions not in 'fast'
 * ```
 */
export async function partitionTablespaces(db: DatabaseLike, table: PgTable | QualifiedName): Promise<PartitionTablespace[]> {
  const { table: q } = resolveTarget(table);
  return withReadSession(db, async (ex) => (await readTreeTablespaces(ex, q)).filter((r) => r.level > 0).map(({ kind: _kind, ...r }) => r));
}

/**
 * Moves `partition` to `tablespace` with every index under it: each leaf table and
 * each of its indexes is rewritten in its own short step (lock_timeout, retries),
 * holding only that relation; a sub-partitioned partition and its partitioned
 * indexes are then set to the tablespace too, so that sub-partitions made later go
 * there. Relations already there are left alone; `partition` itself moves last. Returns the most attempts a step
 * needed and how many relations moved.
 *
 * @example
 * ```ts
 * await withSession(db, (ex) => moveToTablespace(ex, { schema: 'public', name: 'events_p20250101' }, 'cold', { lockTimeoutMs: 500 }));
 * ```
 */
export async function moveToTablespace(ex: Executor, partition: QualifiedName, tablespace: string, opts: LockOptions): Promise<{ attempts: number; tables: number; indexes: number }> {
  const [target] = await ex.query<{ oid: string | null; dflt: string }>(
    `select (select oid::text from pg_tablespace where spcname = $1) as oid, (select dattablespace::text from pg_database where datname = current_database()) as dflt`,
    [tablespace],
  );
  if (!target?.oid) throw new RuntimeError('TABLESPACE_NOT_FOUND', `tablespace "${tablespace}" does not exist; ${partition.name} stays where it is`, `create it first: CREATE TABLESPACE ${tablespace} LOCATION '...'`);
  const there = (r: RelationTablespace) => (r.tablespace ?? null) === tablespace || (r.tablespace === null && target.oid === target.dflt);
  const tree = await readTreeTablespaces(ex, partition);
  // Per relation its indexes first, the relation last; leaves first, then partitioned
  // ones from the deepest up, `partition` itself last: once `partition` is in the
  // tablespace, so is everything under it (plan() looks at `partition` alone), and a
  // move that stopped halfway is finished by the next (relations already there are skipped).
  const ordered = [...tree.filter((r) => r.kind !== 'p'), ...tree.filter((r) => r.kind === 'p').sort((a, b) => b.level - a.level)];
  const steps: { what: string; sql: string; relation: QualifiedName; index: boolean }[] = [];
  for (const r of ordered) {
    const rel = { schema: r.schema, name: r.name };
    for (const i of r.indexes) {
      if (!there(i)) steps.push({ what: `move index ${i.name} to tablespace ${tablespace}`, sql: setIndexTablespaceSql({ schema: i.schema, name: i.name }, tablespace), relation: rel, index: true });
    }
    if (!there(r)) steps.push({ what: `move ${r.name} to tablespace ${tablespace}`, sql: setTablespaceSql(rel, tablespace), relation: rel, index: false });
  }
  let attempts = 0;
  for (const s of steps) {
    const r = await withLockRetry(ex, { what: s.what, relation: s.relation }, opts, (tx) => tx.query(s.sql));
    attempts = Math.max(attempts, r.attempts);
  }
  return { attempts, tables: steps.filter((s) => !s.index).length, indexes: steps.filter((s) => s.index).length };
}
