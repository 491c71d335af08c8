/**
 * `pgCollation()`: a collation the schema declares (an ICU collation, usually, such
 * as a case-insensitive one), and the columns that use it. drizzle-orm 0.45 has no
 * `COLLATE` on columns, so a collation hands out column types whose SQL type is
 * `text COLLATE "schema"."name"`, which drizzle-kit (0.31 and 1.0) writes verbatim.
 */
import { customType } from 'drizzle-orm/pg-core';
import { DeclarationError } from '../errors.js';
import { quoteQualified } from '../sql/quote.js';
import { checkDeclaredName } from './extension.js';

/** The brand of a collation declaration (`Symbol.for`, so two loaded copies of this package agree). */
const COLLATION = Symbol.for('drizzle-partitions:PgCollation');

/** A column type factory as drizzle's `customType` returns it: `f()`, `f('name')`. */
export type CollatedColumn = ReturnType<typeof customType<{ data: string; driverData: string }>>;

/**
 * Options of {@link pgCollation}, as `CREATE COLLATION` takes them.
 *
 * @example
 * ```ts
 * const opts: PgCollationOptions = { provider: 'icu', locale: 'und-u-ks-level2', deterministic: false };
 * ```
 */
export interface PgCollationOptions {
  /** The schema it is created in; unset, the first schema of the search path (drizzle's default, public). */
  schema?: string;
  provider: 'icu' | 'libc';
  /** An ICU locale (`und-u-ks-level2`) or a libc one (`C`, `en_US.utf8`). */
  locale: string;
  /** false: strings that compare equal but differ in bytes are equal (icu only). Default true. */
  deterministic?: boolean;
}

/**
 * A declared collation: its definition, and column types that use it.
 *
 * @example
 * ```ts
 * const ci: PgCollation = pgCollation('ci', { provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });
 * export const users = pgTable('users', { email: ci.text('email').notNull() });
 * ```
 */
export interface PgCollation {
  readonly [COLLATION]: true;
  readonly name: string;
  readonly schema: string | undefined;
  readonly provider: 'icu' | 'libc';
  readonly locale: string;
  readonly deterministic: boolean;
  /** `text COLLATE <this collation>` columns: `ci.text('email')`. */
  readonly text: CollatedColumn;
  /** Columns of another collatable type with this collation: `ci.column('varchar(320)')('email')`. */
  column(dataType: string): CollatedColumn;
}

function collatedType(dataType: string, collation: string): CollatedColumn {
  return customType<{ data: string; driverData: string }>({ dataType: () => `${dataType} COLLATE ${collation}` });
}

/**
 * Declares a collation. Export it from the schema file like a table:
 * `drizzle-partitions generate` writes `CREATE COLLATION IF NOT EXISTS` at the top of
 * the migration that first sees it (before the tables using it) and
 * `DROP COLLATION IF EXISTS` (RESTRICT) at the end of the one where it is no longer
 * declared. A collation cannot be altered: to change one, declare a new name.
 * Throws a {@link DeclarationError} on what PostgreSQL would refuse (a
 * nondeterministic collation needs the icu provider).
 *
 * @example
 * ```ts
 * import { pgCollation } from 'drizzle-partitions';
 * export const ci = pgCollation('case_insensitive', { provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });
 * export const users = pgTable('users', { id: integer().primaryKey(), email: ci.text('email').notNull().unique() });
 * ```
 */
export function pgCollation(name: string, opts: PgCollationOptions): PgCollation {
  const object = `collation ${JSON.stringify(name)}`;
  checkDeclaredName(object, name, 'name');
  if (opts.schema !== undefined) checkDeclaredName(object, opts.schema, 'schema');
  if (opts.provider !== 'icu' && opts.provider !== 'libc') {
    throw new DeclarationError('COLLATION_PROVIDER_INVALID', object, `provider ${JSON.stringify(opts.provider)} is not one of 'icu', 'libc'`, "use provider: 'icu' (or 'libc')");
  }
  if (typeof opts.locale !== 'string' || opts.locale.trim() === '' || opts.locale.includes('\0')) {
    throw new DeclarationError('COLLATION_LOCALE_INVALID', object, `locale ${JSON.stringify(opts.locale)} is not a locale name`, "give a locale, e.g. 'und-u-ks-level2' (icu) or 'C' (libc)");
  }
  const deterministic = opts.deterministic ?? true;
  if (!deterministic && opts.provider !== 'icu') {
    throw new DeclarationError('COLLATION_NONDETERMINISTIC_LIBC', object, 'is nondeterministic with provider libc; PostgreSQL supports nondeterministic collations only with the icu provider', "use provider: 'icu', or drop deterministic: false");
  }
  const quoted = quoteQualified({ schema: opts.schema, name });
  return Object.freeze({
    [COLLATION]: true as const,
    name,
    schema: opts.schema,
    provider: opts.provider,
    locale: opts.locale,
    deterministic,
    text: collatedType('text', quoted),
    column: (dataType: string) => collatedType(dataType, quoted),
  });
}

/**
 * Whether a value is a {@link pgCollation} declaration.
 *
 * @example
 * ```ts
 * const declared = Object.values(await import('./db/schema.js')).filter(isPgCollation);
 * ```
 */
export function isPgCollation(value: unknown): value is PgCollation {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[COLLATION] === true;
}
