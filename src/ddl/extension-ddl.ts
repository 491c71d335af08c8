/**
 * The SQL of declared extensions and collations (`pgExtension()`, `pgCollation()`):
 * create, drop, move. Every name and literal goes through the quoting module.
 */
import { quoteIdent, quoteLiteral, quoteQualified } from '../sql/quote.js';

/** An extension as rendered: its name and the schema it goes into (none: PostgreSQL's choice). */
export interface ExtensionDefinition {
  name: string;
  schema?: string | null | undefined;
}

/** A collation as rendered. */
export interface CollationDefinition {
  name: string;
  schema?: string | null | undefined;
  provider: 'icu' | 'libc';
  locale: string;
  deterministic: boolean;
}

const qualified = (o: { name: string; schema?: string | null | undefined }) => quoteQualified({ schema: o.schema ?? undefined, name: o.name });

/**
 * `CREATE EXTENSION IF NOT EXISTS "pg_trgm" [WITH SCHEMA "s"];`
 *
 * @example
 * ```ts
 * createExtensionSql({ name: 'btree_gist', schema: 'extensions' }); // 'CREATE EXTENSION IF NOT EXISTS "btree_gist" WITH SCHEMA "extensions";'
 * ```
 */
export function createExtensionSql(e: ExtensionDefinition): string {
  return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)}${e.schema ? ` WITH SCHEMA ${quoteIdent(e.schema)}` : ''};`;
}

/**
 * `DROP EXTENSION IF EXISTS "pg_trgm";` (RESTRICT: PostgreSQL refuses while an index, column or function still uses it).
 *
 * @example
 * ```ts
 * dropExtensionSql({ name: 'pg_trgm' }); // 'DROP EXTENSION IF EXISTS "pg_trgm";'
 * ```
 */
export function dropExtensionSql(e: ExtensionDefinition): string {
  return `DROP EXTENSION IF EXISTS ${quoteIdent(e.name)};`;
}

/**
 * `ALTER EXTENSION "x" SET SCHEMA "s";` (only relocatable extensions can move).
 *
 * @example
 * ```ts
 * setExtensionSchemaSql({ name: 'pg_trgm', schema: 'extensions' }); // 'ALTER EXTENSION "pg_trgm" SET SCHEMA "extensions";'
 * ```
 */
export function setExtensionSchemaSql(e: ExtensionDefinition): string {
  return `ALTER EXTENSION ${quoteIdent(e.name)} SET SCHEMA ${quoteIdent(e.schema ?? 'public')};`;
}

/**
 * `CREATE COLLATION IF NOT EXISTS "s"."n" (provider = icu, locale = '...'[, deterministic = false]);`
 *
 * @example
 * ```ts
 * createCollationSql({ name: 'ci', provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });
 * // `CREATE COLLATION IF NOT EXISTS "ci" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`
 * ```
 */
export function createCollationSql(c: CollationDefinition): string {
  const provider = c.provider === 'icu' ? 'icu' : 'libc';
  const options = [`provider = ${provider}`, `locale = ${quoteLiteral(c.locale)}`];
  if (!c.deterministic) options.push('deterministic = false');
  return `CREATE COLLATION IF NOT EXISTS ${qualified(c)} (${options.join(', ')});`;
}

/**
 * `DROP COLLATION IF EXISTS "s"."n";` (RESTRICT: PostgreSQL refuses while a column or index still uses it).
 *
 * @example
 * ```ts
 * dropCollationSql({ schema: 'app', name: 'ci' }); // 'DROP COLLATION IF EXISTS "app"."ci";'
 * ```
 */
export function dropCollationSql(c: { name: string; schema?: string | null | undefined }): string {
  return `DROP COLLATION IF EXISTS ${qualified(c)};`;
}
