/**
 * Hints for extensions the schema uses but does not declare with `pgExtension()`:
 * one rule per use, each naming its extension. They are warnings: an extension
 * created by hand (or by a superuser beforehand) is fine, and PostgreSQL says so
 * anyway when the migration runs.
 *
 * Not a rule: `gen_random_uuid()` needs pgcrypto only before PostgreSQL 13, which this
 * package does not support.
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';

/** An index as the rules see it. */
export interface IndexUse {
  table: string;
  name: string;
  /** `btree`, `gin`, `gist`, `bloom`, … */
  method: string;
  /** Column elements: their SQL type (when the column is found) and operator class. */
  columns: { type: string | undefined; opclass: string | undefined }[];
  /** The text of expression elements and of the WHERE clause. */
  expressions: string[];
}

/** A column as the rules see it. */
export interface ColumnUse {
  table: string;
  name: string;
  /** Its SQL type, lower case (`citext`, `text[]`). */
  type: string;
  /** The text of an SQL default or generated expression. */
  expression: string | undefined;
}

/** One rule: the extension and what needs it. */
export interface ExtensionHintRule {
  extension: string;
  index?: (ix: IndexUse) => string | undefined;
  column?: (c: ColumnUse) => string | undefined;
}

/** Types btree_gist and btree_gin give gist and gin operator classes (none built in). */
const SCALAR = new Set([
  'smallint', 'integer', 'bigint', 'int2', 'int4', 'int8', 'serial', 'bigserial', 'smallserial', 'real', 'double precision', 'float4', 'float8',
  'numeric', 'decimal', 'money', 'oid', 'text', 'varchar', 'character varying', 'char', 'character', 'bpchar', 'bytea', 'bit', 'bit varying', 'varbit',
  'date', 'time', 'time without time zone', 'time with time zone', 'timetz', 'timestamp', 'timestamp without time zone', 'timestamp with time zone',
  'timestamptz', 'interval', 'uuid', 'macaddr', 'macaddr8', 'inet', 'cidr', 'boolean', 'bool',
]);

/** `timestamp (3) with time zone` → `timestamp with time zone`; arrays stay arrays. */
function baseType(type: string): string {
  return type.toLowerCase().replace(/\s*\([^)]*\)/g, '').replace(/\s+collate\s+.*$/, '').replace(/\s+/g, ' ').trim();
}

const isScalar = (type: string | undefined) => type !== undefined && SCALAR.has(baseType(type));
const TRGM = /\b(gin|gist)_trgm_ops\b/i;
const UNACCENT = /\bunaccent\s*\(/i;

const scalarColumns = (method: string) => (ix: IndexUse) =>
  ix.method.toLowerCase() === method && ix.columns.some((c) => c.opclass === undefined && isScalar(c.type)) ? `${method} index "${ix.name}" on "${ix.table}" is on a scalar column` : undefined;
const columnType = (type: string) => (c: ColumnUse) => (baseType(c.type).replace(/\[\]$/, '') === type ? `column "${c.table}"."${c.name}" is of type ${type}` : undefined);

/**
 * The rules, one per use; each names the extension it needs.
 *
 * @example
 * ```ts
 * EXTENSION_HINTS.map((r) => r.extension); // ['pg_trgm', 'btree_gist', 'btree_gin', 'bloom', 'citext', 'hstore', 'unaccent', 'unaccent']
 * ```
 */
export const EXTENSION_HINTS: readonly ExtensionHintRule[] = [
  {
    extension: 'pg_trgm',
    index: (ix) => {
      const op = [...ix.columns.map((c) => c.opclass ?? ''), ...ix.expressions].map((t) => TRGM.exec(t)?.[0]).find(Boolean);
      return op ? `index "${ix.name}" on "${ix.table}" uses operator class ${op}` : undefined;
    },
  },
  { extension: 'btree_gist', index: scalarColumns('gist') },
  { extension: 'btree_gin', index: scalarColumns('gin') },
  { extension: 'bloom', index: (ix) => (ix.method.toLowerCase() === 'bloom' ? `index "${ix.name}" on "${ix.table}" uses bloom` : undefined) },
  { extension: 'citext', column: columnType('citext') },
  { extension: 'hstore', column: columnType('hstore') },
  { extension: 'unaccent', index: (ix) => (ix.expressions.some((e) => UNACCENT.test(e)) ? `index "${ix.name}" on "${ix.table}" calls unaccent()` : undefined) },
  { extension: 'unaccent', column: (c) => (c.expression !== undefined && UNACCENT.test(c.expression) ? `column "${c.table}"."${c.name}" calls unaccent() in its default` : undefined) },
];

/** The text of an SQL object's string chunks (names and parameters left out), drizzle 0.45 and 1.0 alike. */
export function sqlText(value: unknown, depth = 0): string {
  if (depth > 20 || typeof value !== 'object' || value === null) return '';
  const chunks = (value as { queryChunks?: unknown }).queryChunks;
  if (Array.isArray(chunks)) return chunks.map((c) => sqlText(c, depth + 1)).join('');
  const strings = (value as { value?: unknown }).value;
  return Array.isArray(strings) && strings.every((s) => typeof s === 'string') ? strings.join('') : '';
}

/** What the rules look at in one table. */
export function tableUses(table: PgTable): { indexes: IndexUse[]; columns: ColumnUse[] } {
  const config = getTableConfig(table);
  const tableName = config.schema ? `${config.schema}.${config.name}` : config.name;
  const typeOf = new Map(config.columns.map((c) => [c.name, c.getSQLType()]));
  const columns: ColumnUse[] = config.columns.map((c) => {
    const generated = (c as { generated?: { as?: unknown } }).generated?.as;
    const expression = [c.default, generated].map((v) => sqlText(v)).filter(Boolean).join(' ');
    return { table: tableName, name: c.name, type: c.getSQLType(), expression: expression || undefined };
  });
  const indexes: IndexUse[] = config.indexes.map((ix) => {
    const cfg = ix.config as { name?: string; method?: string; columns: unknown[]; where?: unknown };
    const elements = cfg.columns.map((el) => {
      const text = sqlText(el);
      const name = (el as { name?: unknown }).name;
      if (text || typeof name !== 'string') return { expression: text };
      const opclass = (el as { indexConfig?: { opClass?: unknown } }).indexConfig?.opClass;
      return { column: { type: typeOf.get(name), opclass: typeof opclass === 'string' ? opclass : undefined } };
    });
    return {
      table: tableName,
      name: cfg.name ?? '(unnamed)',
      method: cfg.method ?? 'btree',
      columns: elements.flatMap((e) => (e.column ? [e.column] : [])),
      expressions: [...elements.flatMap((e) => (e.expression ? [e.expression] : [])), sqlText(cfg.where)].filter(Boolean),
    };
  });
  return { indexes, columns };
}

/**
 * Warnings for extensions the schema's tables need and `declared` does not hold: one
 * per extension, naming up to three uses and the declaration to add.
 *
 * @example
 * ```ts
 * extensionHints(Object.values(schema), []);
 * // ['index "users_name_trgm" on "users" uses operator class gin_trgm_ops: that needs the pg_trgm extension, which the schema does not declare; add export const pgTrgm = pgExtension('pg_trgm') (from drizzle-partitions), or create it yourself before this migration runs']
 * ```
 */
export function extensionHints(exports: readonly unknown[], declared: readonly { name: string }[]): string[] {
  const have = new Set(declared.map((d) => d.name));
  const uses = new Map<string, string[]>();
  const seen = new Set<unknown>();
  for (const value of exports) {
    if (!is(value, PgTable) || seen.has(value)) continue;
    seen.add(value);
    const { indexes, columns } = tableUses(value);
    for (const rule of EXTENSION_HINTS) {
      if (have.has(rule.extension)) continue;
      const found = [...indexes.map((ix) => rule.index?.(ix)), ...columns.map((c) => rule.column?.(c))].filter((s): s is string => s !== undefined);
      if (found.length > 0) uses.set(rule.extension, [...(uses.get(rule.extension) ?? []), ...found]);
    }
  }
  return [...uses].map(([ext, found]) => {
    const listed = found.slice(0, 3).join('; ') + (found.length > 3 ? `; and ${found.length - 3} more` : '');
    const variable = ext.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    return `${listed}: that needs the ${ext} extension, which the schema does not declare; add export const ${variable} = pgExtension('${ext}') (from drizzle-partitions), or create it yourself before this migration runs`;
  });
}
