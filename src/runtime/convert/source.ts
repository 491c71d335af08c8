/**
 * What the conversion needs to know of the table it converts, read from the catalog:
 * its columns and primary key, identity columns and owned sequences, the foreign keys
 * pointing at it and from it, the views on it, its comment, grants, row-level security
 * policies and triggers.
 */
import { numericLiteral, qualifiedLabel, quoteLiteral, quoteQualified, type QualifiedName } from '../../sql/quote.js';
import { truncateTriggerName, type TypedColumn } from '../../ddl/convert-sql.js';
import type { Executor } from '../executor.js';
import { RuntimeError } from '../../errors.js';

/** A foreign key, as pg_get_constraintdef prints it. */
export interface ForeignKey {
  /** The table holding it. */
  table: { schema: string; name: string };
  name: string;
  definition: string;
  validated: boolean;
}

/** What the catalog says of one table. */
export interface SourceFacts {
  exists: boolean;
  /** 'r' plain, 'p' partitioned. */
  kind: string;
  oid: number;
  /** Columns an INSERT takes (generated columns left out), in order. */
  columns: string[];
  /** The SQL type of each of {@link SourceFacts.columns} (`format_type`), in the same order. */
  columnTypes: string[];
  /** Primary key columns with their types; empty when none. */
  key: TypedColumn[];
  /** Identity columns. */
  identity: string[];
  /** Sequences owned by a column (serial), with that column. */
  ownedSequences: { sequence: { schema: string; name: string }; column: string }[];
  /** Foreign keys of other tables pointing at this one. */
  inbound: ForeignKey[];
  /** Foreign keys of this table. */
  outbound: ForeignKey[];
  /** Views and materialized views reading the table: name, relkind, definition, options. */
  views: { view: { schema: string; name: string }; kind: string; definition: string; options: string[] | null }[];
  comment: string | null;
  /** The table's privileges granted to others than its owner. */
  grants: { grantee: string; privilege: string; grantable: boolean }[];
  rowSecurity: { enabled: boolean; forced: boolean };
  policies: { name: string; permissive: boolean; command: string; roles: string[]; using: string | null; check: string | null }[];
  /** User triggers (not ours, not internal): name, definition, enabled state. */
  triggers: { name: string; definition: string; enabled: string }[];
  /** Indexes: name, and their shape (primary, unique, method, columns, predicate) to pair them with a copy's. */
  indexes: { name: string; shape: string }[];
  /** md5 of the JSON read by {@link sourceFactsSql}: the same while nothing above changed. */
  stamp: string;
}

/**
 * The query of everything {@link readSource} reads of the table `oid` but its name and
 * kind, as one JSON text (`j`), its values written in: the swap checks, holding the
 * table, that its md5 is still the one read before.
 *
 * @example
 * ```ts
 * const [{ j }] = await ex.query<{ j: string }>(sourceFactsSql(16384, 'drizzle_partitions_convert'));
 * ```
 */
export function sourceFactsSql(oid: number, ourTrigger: string): string {
  const o = `${numericLiteral(oid)}::oid`;
  const trig = `${quoteLiteral(ourTrigger)}::text`;
  return `select pg_catalog.json_build_object(
  'columns', (select coalesce(json_agg(a.attname order by a.attnum), '[]') from pg_attribute a where a.attrelid = ${o} and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''),
  'types', (select coalesce(json_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) order by a.attnum), '[]') from pg_attribute a where a.attrelid = ${o} and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''),
  'identity', (select coalesce(json_agg(a.attname order by a.attnum), '[]') from pg_attribute a where a.attrelid = ${o} and a.attnum > 0 and not a.attisdropped and a.attidentity <> ''),
  'key', (select coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by k.ord), '[]')
          from pg_index i cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where i.indrelid = ${o} and i.indisprimary),
  'owned', (select coalesce(json_agg(json_build_object('sequence', json_build_object('schema', (select n.nspname from pg_class x join pg_namespace n on n.oid = x.relnamespace where x.oid = d.objid), 'name', (select x.relname from pg_class x where x.oid = d.objid)), 'column', a.attname)), '[]')
          from pg_depend d join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
          where d.refobjid = ${o} and d.classid = 'pg_class'::regclass and d.deptype = 'a' and a.attidentity = ''
            and (select relkind from pg_class where oid = d.objid) = 'S'),
  'inbound', (select coalesce(json_agg(json_build_object('table', json_build_object('schema', (select n.nspname from pg_class x join pg_namespace n on n.oid = x.relnamespace where x.oid = c.conrelid), 'name', (select x.relname from pg_class x where x.oid = c.conrelid)), 'name', c.conname, 'definition', pg_get_constraintdef(c.oid), 'validated', c.convalidated)), '[]')
          from pg_constraint c where c.confrelid = ${o} and c.contype = 'f' and c.conrelid <> ${o} and c.conparentid = 0),
  'outbound', (select coalesce(json_agg(json_build_object('table', json_build_object('schema', (select n.nspname from pg_class x join pg_namespace n on n.oid = x.relnamespace where x.oid = c.conrelid), 'name', (select x.relname from pg_class x where x.oid = c.conrelid)), 'name', c.conname, 'definition', pg_get_constraintdef(c.oid), 'validated', c.convalidated)), '[]')
          from pg_constraint c where c.conrelid = ${o} and c.contype = 'f'),
  'views', (select coalesce(json_agg(json_build_object('view', json_build_object('schema', (select n.nspname from pg_class x join pg_namespace n on n.oid = x.relnamespace where x.oid = v.oid), 'name', (select x.relname from pg_class x where x.oid = v.oid)), 'kind', v.relkind, 'definition', pg_get_viewdef(v.oid), 'options', v.reloptions)), '[]')
          from (select distinct r.ev_class from pg_depend d join pg_rewrite r on r.oid = d.objid
                where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass and d.refobjid = ${o} and r.ev_class <> ${o}) x
          join pg_class v on v.oid = x.ev_class),
  'grants', (select coalesce(json_agg(json_build_object('grantee', case when g.grantee = 0 then 'PUBLIC' else pg_get_userbyid(g.grantee)::text end, 'privilege', g.privilege_type, 'grantable', g.is_grantable)), '[]')
          from pg_class c cross join lateral aclexplode(c.relacl) g where c.oid = ${o} and g.grantee <> c.relowner),
  'policies', (select coalesce(json_agg(json_build_object('name', p.polname, 'permissive', p.polpermissive, 'command', p.polcmd,
              'roles', (select coalesce(json_agg(case when r = 0 then 'PUBLIC' else pg_get_userbyid(r)::text end), '[]') from unnest(p.polroles) r),
              'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid))), '[]')
          from pg_policy p where p.polrelid = ${o}),
  'indexes', (select coalesce(json_agg(json_build_object('name', c.relname, 'shape', i.indisprimary::text || i.indisunique::text || substring(pg_get_indexdef(i.indexrelid) from ' USING .*$')) order by c.relname), '[]')
          from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = ${o}),
  'triggers', (select coalesce(json_agg(json_build_object('name', t.tgname, 'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled)), '[]')
          from pg_trigger t where t.tgrelid = ${o} and not t.tgisinternal and t.tgname not in (${trig}, ${quoteLiteral(truncateTriggerName(ourTrigger))}::text))
)::text as j`;
}

/**
 * Reads {@link SourceFacts} of `table`; `exists: false` when there is no such table.
 *
 * @example
 * ```ts
 * const facts = await readSource(ex, { schema: 'public', name: 'events' }, 'drizzle_partitions_convert');
 * ```
 */
export async function readSource(ex: Executor, table: QualifiedName, ourTrigger: string): Promise<SourceFacts> {
  const name = quoteQualified({ schema: table.schema ?? 'public', name: table.name });
  const [rel] = await ex.query<{ oid: number | null; kind: string | null; comment: string | null; rls: boolean; force: boolean }>(
    `select c.oid::int as oid, c.relkind::text as kind, pg_catalog.obj_description(c.oid, 'pg_class') as comment, c.relrowsecurity as rls, c.relforcerowsecurity as force
     from pg_catalog.pg_class c where c.oid = pg_catalog.to_regclass($1::text)`,
    [name],
  );
  const empty: SourceFacts = { exists: false, kind: '', oid: 0, columns: [], columnTypes: [], key: [], identity: [], ownedSequences: [], inbound: [], outbound: [], views: [], comment: null, grants: [], rowSecurity: { enabled: false, forced: false }, policies: [], triggers: [], indexes: [], stamp: '' };
  if (!rel || rel.oid === null) return empty;
  const oid = rel.oid;
  const [facts] = await ex.query<{ j: string; stamp: string }>(`select x.j, pg_catalog.md5(x.j) as stamp from (${sourceFactsSql(oid, ourTrigger)}) x`);
  const j = JSON.parse(facts!.j) as Record<string, unknown>;
  return {
    exists: true,
    kind: rel.kind!,
    oid,
    columns: j.columns as string[],
    columnTypes: j.types as string[],
    key: j.key as TypedColumn[],
    identity: j.identity as string[],
    ownedSequences: j.owned as SourceFacts['ownedSequences'],
    inbound: j.inbound as ForeignKey[],
    outbound: j.outbound as ForeignKey[],
    views: j.views as SourceFacts['views'],
    comment: rel.comment,
    grants: j.grants as SourceFacts['grants'],
    rowSecurity: { enabled: rel.rls, forced: rel.force },
    policies: (j.policies as { name: string; permissive: boolean; command: string; roles: string[]; using: string | null; check: string | null }[]),
    triggers: j.triggers as SourceFacts['triggers'],
    indexes: j.indexes as SourceFacts['indexes'],
    stamp: facts!.stamp,
  };
}

/**
 * Throws `CONVERT_COLUMNS_CHANGED` when the table about to go live lacks a column of
 * the live one (by name and type), or has one it lacks (a column added, dropped,
 * renamed or changed in type by the user
 * after the copy was made): swapping would lose the column and its values, and the
 * change capture could not write the table swapped out.
 *
 * @example
 * ```ts
 * checkSameColumns({ schema: 'public', name: 'events' }, facts, 'events_dp_new', shadowFacts);
 * ```
 */
export function checkSameColumns(live: QualifiedName, liveFacts: SourceFacts, standby: string, standbyFacts: SourceFacts): void {
  const typed = (f: SourceFacts) => f.columns.map((c, i) => `${c} ${f.columnTypes[i] ?? ''}`);
  const [a, b] = [typed(liveFacts), typed(standbyFacts)];
  const missing = a.filter((c) => !b.includes(c));
  const extra = b.filter((c) => !a.includes(c));
  if (missing.length === 0 && extra.length === 0) return;
  const t = qualifiedLabel(live);
  const what = [missing.length ? `${t} has column(s) ${missing.join(', ')} that ${standby} lacks` : '', extra.length ? `${standby} has column(s) ${extra.join(', ')} that ${t} lacks` : ''].filter(Boolean).join('; ');
  throw new RuntimeError('CONVERT_COLUMNS_CHANGED', `${t}: its columns changed after the copy ${standby} was made (${what}); nothing was swapped`, `make the same change on ${standby}, or run \`drizzle-partitions convert drop-old --yes\` and convert again`);
}
