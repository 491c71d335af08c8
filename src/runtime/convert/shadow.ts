/**
 * The copy a conversion fills (partitioned; or plain, for a conversion back): the statements that make it (columns,
 * defaults, constraints, indexes, identity and comments of the original through
 * `LIKE ... INCLUDING ALL`; the definition's `PARTITION BY`; the declared partitions,
 * the policy's partitions from the lowest key in the data to the highest plus its
 * premake, a default partition; the original's comment and grants), its outgoing
 * foreign keys (added each in a short step of its own: adding one holds the table it
 * points at against writes until the commit), and the partitions it would have, for
 * `plan`.
 */
import type { Partitioning, PartitionBound } from '../../schema/resolved.js';
import { declaredPartitionsSql, createPartitionSql, partitionByClause } from '../../ddl/partition-ddl.js';
import { commentOnTableSql } from '../../ddl/maintenance-sql.js';
import type { Casing } from '../../ddl/column-names.js';
import { columnDbName } from '../../ddl/column-names.js';
import { displayValue, partitionName, rangesOverlap, type BoundValue, type RangeBound } from '../../bound/values.js';
import { keyTypeOfSqlType } from '../../bound/key-type.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../sql/quote.js';
import { RuntimeError } from '../../errors.js';
import type { Executor } from '../executor.js';
import { managedComment } from '../marker.js';
import { addSlots, floorToIntegerSlot, floorToSlot, integerBound, timeBound } from '../time-grid.js';
import type { ConversionNames } from './names.js';
import type { ForeignKey, SourceFacts } from './source.js';

/** The most partitions a conversion makes from the data's key range. */
export const MAX_CONVERT_PARTITIONS = 5000;

/** A partition of the copy, for the plan. */
export interface ShadowPartition {
  name: string;
  bound: string;
  reason: 'declared' | 'data' | 'premake' | 'default';
}

const PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN']);

/**
 * The partitions the copy gets and the statements that make it (not yet the change
 * capture). Reads the key's lowest and highest value in the original.
 *
 * @example
 * ```ts
 * const { partitions, statements } = await shadowDefinition(ex, getPartitioning(events)!, names, facts, { now: new Date() });
 * ```
 */
export async function shadowDefinition(
  ex: Executor,
  definition: Partitioning,
  names: ConversionNames,
  facts: SourceFacts,
  opts: { now: Date; casing?: Casing; declaredPartitions?: readonly string[] },
): Promise<{ partitions: ShadowPartition[]; statements: string[] }> {
  const only = opts.declaredPartitions && new Set(opts.declaredPartitions);
  const p: Partitioning = only ? { ...definition, partitions: definition.partitions.filter((d) => only.has(d.name)) } : definition;
  const t = `${names.table.schema}.${names.table.name}`;
  const shadow: QualifiedName = { schema: names.table.schema, name: names.shadow };
  const keyColumns = p.keys.map((k) => (k.kind === 'column' ? columnDbName(k.column, opts.casing) : null));
  for (const c of keyColumns) {
    if (c !== null && !facts.key.some((k) => k.name === c)) {
      throw new RuntimeError('CONVERT_KEY_MISSING', `${t}: its primary key (${facts.key.map((k) => k.name).join(', ')}) does not hold the partition key column ${c}`, `add ${c} to the primary key of ${t} first (a partitioned table's keys must hold the partition key)`);
    }
  }
  const partKeys = keyColumns.filter((c): c is string => c !== null);
  const uniques = await ex.query<{ name: string; cols: (string | null)[] }>(
    `select c.relname as name, array(select a.attname from unnest(i.indkey) with ordinality k(n, o) left join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as cols
     from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid where i.indrelid = $1::oid and i.indisunique and not i.indisprimary order by 1`,
    [facts.oid],
  );
  for (const u of uniques) {
    const lacking = partKeys.filter((k) => !u.cols.includes(k));
    if (lacking.length > 0) {
      throw new RuntimeError('CONVERT_UNIQUE_WITHOUT_KEY', `${t}: its unique index ${u.name} does not hold the partition key column(s) ${lacking.join(', ')}, which a partitioned table's unique indexes must`, `add ${lacking.join(', ')} to ${u.name} (or drop it) before converting`);
    }
  }
  const level = { ...p, table: shadow };
  const statements = [`CREATE TABLE ${quoteQualified(shadow)} (LIKE ${quoteQualified(names.table)} INCLUDING ALL) ${partitionByClause(p, { casing: opts.casing })};`];
  const declared = declaredPartitionsSql(level, { casing: opts.casing });
  statements.push(...declared);
  const partitions: ShadowPartition[] = p.partitions.map((d) => ({ name: d.name, bound: d.bound.kind, reason: d.bound.kind === 'default' ? 'default' : 'declared' }));
  const declaredRanges = p.partitions.flatMap((d) => (d.bound.kind === 'range' ? [d.bound as RangeBound] : []));

  const policy = p.policy;
  const keyColumn = keyColumns[0];
  if (policy && p.method === 'range' && p.keys.length === 1 && keyColumn) {
    const column = facts.key.find((k) => k.name === keyColumn)!;
    const keyType = keyTypeOfSqlType(column.type);
    const k = quoteIdent(keyColumn);
    const value = (agg: string) => (policy.kind === 'time' ? `(extract(epoch from ${agg}(${k})) * 1000000)::bigint::text` : `${agg}(${k})::bigint::text`);
    const [row] = await ex.query<{ lo: string | null; hi: string | null }>(`select ${value('min')} as lo, ${value('max')} as hi from ${quoteQualified(names.table)}`);
    const slots: { from: BoundValue; to: BoundValue; reason: ShadowPartition['reason'] }[] = [];
    if (policy.kind === 'time') {
      const now = BigInt(opts.now.getTime()) * 1000n;
      const cur = floorToSlot(now, policy.interval);
      const lo = row?.lo == null ? cur : floorToSlot(BigInt(row.lo), policy.interval);
      const hiData = row?.hi == null ? cur : floorToSlot(BigInt(row.hi), policy.interval);
      const last = addSlots(cur, policy.interval, policy.premake);
      const end = hiData > last ? hiData : last;
      for (let from = lo, k = 0; from <= end; k++, from = addSlots(lo, policy.interval, k)) {
        if (slots.length >= MAX_CONVERT_PARTITIONS) throw tooWide(t);
        const to = addSlots(lo, policy.interval, k + 1);
        slots.push({ from: timeBound(from, keyType), to: timeBound(to, keyType), reason: from > hiData ? 'premake' : 'data' });
      }
    } else {
      const w = policy.interval;
      const hiData = row?.hi == null ? 0n : floorToIntegerSlot(BigInt(row.hi), w);
      const lo = row?.lo == null ? hiData : floorToIntegerSlot(BigInt(row.lo), w);
      const end = hiData + w * BigInt(policy.premake);
      if ((end - lo) / w >= BigInt(MAX_CONVERT_PARTITIONS)) throw tooWide(t);
      for (let from = lo; from <= end; from += w) slots.push({ from: integerBound(from), to: integerBound(from + w), reason: from > hiData ? 'premake' : 'data' });
    }
    const withTime = policy.kind === 'time' && policy.interval.unit === 'hour';
    const createdAt = opts.now;
    for (const s of slots) {
      const bound: PartitionBound = { kind: 'range', from: [s.from], to: [s.to] };
      if (declaredRanges.some((d) => rangesOverlap(d, bound as RangeBound) !== false)) continue;
      const name = partitionName(names.table.name, bound, { withTime });
      const partition = { schema: names.table.schema, name };
      statements.push(createPartitionSql({ parent: shadow, partition, bound }, { casing: opts.casing }), commentOnTableSql(partition, managedComment({ createdAt, reason: 'convert' })));
      partitions.push({ name, bound: `[${displayValue(s.from)}, ${displayValue(s.to)})`, reason: s.reason });
    }
  }
  if (p.method !== 'hash' && !p.partitions.some((d) => d.bound.kind === 'default')) {
    const name = `${names.table.name}_default`;
    statements.push(createPartitionSql({ parent: shadow, partition: { schema: names.table.schema, name }, bound: { kind: 'default' } }));
    partitions.push({ name, bound: 'default', reason: 'default' });
  }
  statements.push(...carriedOverSql(shadow, facts));
  return { partitions, statements };
}

/** The original's comment and grants, on the copy. */
function carriedOverSql(shadow: QualifiedName, facts: SourceFacts): string[] {
  const out = facts.comment !== null ? [commentOnTableSql(shadow, facts.comment)] : [];
  for (const g of facts.grants) {
    if (!PRIVILEGES.has(g.privilege)) continue;
    out.push(`GRANT ${g.privilege} ON ${quoteQualified(shadow)} TO ${g.grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`);
  }
  return out;
}

/**
 * The statements that make the plain copy of a partitioned table converted back into
 * a plain one: `LIKE ... INCLUDING ALL` (columns, defaults, constraints, the
 * partitioned indexes as plain ones, identity, comments), its comment and grants.
 *
 * @example
 * ```ts
 * plainShadowSql(conversionNames({ name: 'events' }), facts);
 * ```
 */
export function plainShadowSql(names: ConversionNames, facts: SourceFacts): string[] {
  const shadow = { schema: names.table.schema, name: names.shadow };
  return [`CREATE TABLE ${quoteQualified(shadow)} (LIKE ${quoteQualified(names.table)} INCLUDING ALL);`, ...carriedOverSql(shadow, facts)];
}

function tooWide(t: string): RuntimeError {
  return new RuntimeError('CONVERT_RANGE_TOO_WIDE', `${t}: the partition key's values span more than ${MAX_CONVERT_PARTITIONS} partitions of the policy's interval`, 'widen the interval, or delete the outlying rows first');
}

/**
 * `ALTER TABLE <copy> ADD CONSTRAINT ...`: one of the original's outgoing foreign keys
 * on the copy.
 *
 * @example
 * ```ts
 * shadowForeignKeySql({ schema: 'public', name: 'events_dp_new' }, facts.outbound[0]);
 * ```
 */
export function shadowForeignKeySql(shadow: QualifiedName, fk: ForeignKey): string {
  return `ALTER TABLE ${quoteQualified(shadow)} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition};`;
}

/**
 * Row-level security and policies of the original, for the partitioned table: made in
 * the swap, so the change capture (run as the converter) is never filtered by them.
 *
 * @example
 * ```ts
 * rowSecuritySql(facts, { schema: 'public', name: 'events_dp_new' });
 * ```
 */
export function rowSecuritySql(facts: SourceFacts, table: QualifiedName): string[] {
  const out: string[] = [];
  const t = quoteQualified(table);
  if (facts.rowSecurity.enabled) out.push(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`);
  if (facts.rowSecurity.forced) out.push(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;`);
  const commands: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };
  for (const pol of facts.policies) {
    const roles = pol.roles.map((r) => (r === 'PUBLIC' ? 'PUBLIC' : quoteIdent(r))).join(', ');
    out.push(
      `CREATE POLICY ${quoteIdent(pol.name)} ON ${t} AS ${pol.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${commands[pol.command] ?? 'ALL'} TO ${roles || 'PUBLIC'}` +
        `${pol.using !== null ? ` USING (${pol.using})` : ''}${pol.check !== null ? ` WITH CHECK (${pol.check})` : ''};`,
    );
  }
  return out;
}
