/** Reads a partition tree back from the catalog, for assertions. */
import type { Sql } from '../harness/db.js';

export interface CatalogNode {
  name: string;
  /** pg_get_expr(relpartbound): 'DEFAULT', 'FOR VALUES ...'; '' for the root. */
  bound: string;
  /** partstrat: 'r' | 'l' | 'h' for a partitioned table, undefined for a leaf. */
  strategy?: string;
  /** pg_get_partkeydef: 'RANGE (created_at)' */
  key?: string;
  children: CatalogNode[];
}

async function node(sql: Sql, oid: number, name: string, bound: string): Promise<CatalogNode> {
  const [pt] = await sql<{ strategy: string; key: string }[]>`
    select partstrat as strategy, pg_get_partkeydef(partrelid) as key from pg_partitioned_table where partrelid = ${oid}`;
  const kids = await sql<{ oid: number; name: string; bound: string }[]>`
    select c.oid::int as oid, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${oid} order by c.relname`;
  const children = await Promise.all(kids.map((k) => node(sql, k.oid, k.name, k.bound)));
  return pt ? { name, bound, strategy: pt.strategy, key: pt.key, children } : { name, bound, children };
}

/** The partition tree under `schema.name`, children ordered by name. */
export async function catalogTree(sql: Sql, schema: string, name: string): Promise<CatalogNode> {
  const [root] = await sql<{ oid: number }[]>`
    select c.oid::int as oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relname = ${name}`;
  if (!root) throw new Error(`no table ${schema}.${name}`);
  return node(sql, root.oid, name, '');
}

/** The names of the partitions attached to `parent` (a name as `::regclass` reads it), sorted. */
export async function partitionNames(sql: Sql, parent: string): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ${parent}::regclass order by 1`;
  return rows.map((r) => r.name);
}
