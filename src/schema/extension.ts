/**
 * `pgExtension()`: a PostgreSQL extension the schema needs, declared beside its
 * tables. The post-processor creates it at the top of the migration that first sees
 * it and drops it at the end of the one where its declaration goes.
 */
import { DeclarationError } from '../errors.js';
import { identifierProblem } from '../sql/quote.js';

/** The brand of an extension declaration (`Symbol.for`, so two loaded copies of this package agree). */
const EXTENSION = Symbol.for('drizzle-partitions:PgExtension');

/**
 * A declared extension: its name and, optionally, the schema it is installed into.
 *
 * @example
 * ```ts
 * export const trgm: PgExtension = pgExtension('pg_trgm');
 * ```
 */
export interface PgExtension {
  readonly [EXTENSION]: true;
  readonly name: string;
  /** `WITH SCHEMA`: unset, PostgreSQL installs it into the first schema of the search path. */
  readonly schema: string | undefined;
}

/** Options of {@link pgExtension}. */
export interface PgExtensionOptions {
  /** The schema its objects go into (`CREATE EXTENSION ... WITH SCHEMA`); the schema must exist before. */
  schema?: string;
}

/** Refuses a name PostgreSQL would truncate or cannot hold. */
export function checkDeclaredName(object: string, name: string, role: string): void {
  const problem = identifierProblem(name);
  if (problem) throw new DeclarationError('DECLARATION_NAME_INVALID', object, `its ${role} ${JSON.stringify(name)} ${problem}`, 'choose a name of at most 63 bytes');
}

/**
 * Declares a PostgreSQL extension. Export it from the schema file like a table:
 * `drizzle-partitions generate` writes `CREATE EXTENSION IF NOT EXISTS` at the top
 * of the migration that first sees it, and `DROP EXTENSION IF EXISTS` (RESTRICT) at
 * the end of the one where it is no longer declared.
 *
 * @example
 * ```ts
 * import { pgExtension } from 'drizzle-partitions';
 * export const trgm = pgExtension('pg_trgm');
 * export const gist = pgExtension('btree_gist', { schema: 'extensions' });
 * ```
 */
export function pgExtension(name: string, opts: PgExtensionOptions = {}): PgExtension {
  const object = `extension ${JSON.stringify(name)}`;
  checkDeclaredName(object, name, 'name');
  if (opts.schema !== undefined) checkDeclaredName(object, opts.schema, 'schema');
  return Object.freeze({ [EXTENSION]: true as const, name, schema: opts.schema });
}

/**
 * Whether a value is a {@link pgExtension} declaration.
 *
 * @example
 * ```ts
 * const declared = Object.values(await import('./db/schema.js')).filter(isPgExtension);
 * ```
 */
export function isPgExtension(value: unknown): value is PgExtension {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXTENSION] === true;
}
