/**
 * Declared extensions and collations (`pgExtension()`, `pgCollation()`) through the
 * post-processor: collected from the schema's exports, recorded in the state beside
 * each migration, and diffed: a new one is created at the top of the migration being
 * processed (before the tables that use it), a removed one dropped at its end (after
 * drizzle-kit's statements drop what used it).
 */
import { createCollationSql, createExtensionSql, dropCollationSql, dropExtensionSql, setExtensionSchemaSql } from '../ddl/extension-ddl.js';
import { PostprocessError } from '../errors.js';
import { isPgCollation, type PgCollation } from '../schema/collation.js';
import { isPgExtension, type PgExtension } from '../schema/extension.js';
import { qualifiedLabel } from '../sql/quote.js';

/** An extension as recorded. */
export interface ExtensionState {
  name: string;
  /** `WITH SCHEMA`; null when unset. */
  schema: string | null;
}

/** A collation as recorded. */
export interface CollationState {
  /** null for the default schema (public). */
  schema: string | null;
  name: string;
  provider: 'icu' | 'libc';
  locale: string;
  deterministic: boolean;
}

/** The declared extensions and collations, as recorded (each list sorted). */
export interface ObjectsState {
  extensions: ExtensionState[];
  collations: CollationState[];
}

/** No extension, no collation: what a state file without them records. */
export const NO_OBJECTS: ObjectsState = Object.freeze({ extensions: [], collations: [] }) as ObjectsState;

const collationKey = qualifiedLabel;
const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The recorded form of declarations, sorted (extensions by name, collations by `schema.name`).
 *
 * @example
 * ```ts
 * objectsState([pgExtension('pg_trgm')], []); // { extensions: [{ name: 'pg_trgm', schema: null }], collations: [] }
 * ```
 */
export function objectsState(extensions: readonly (PgExtension | ExtensionState)[], collations: readonly (PgCollation | CollationState)[]): ObjectsState {
  return {
    extensions: extensions.map((e) => ({ name: e.name, schema: e.schema ?? null })).sort(byKey((e) => e.name)),
    collations: collations
      .map((c) => ({ schema: c.schema ?? null, name: c.name, provider: c.provider, locale: c.locale, deterministic: c.deterministic }))
      .sort(byKey(collationKey)),
  };
}

function sameCollation(a: CollationState, b: CollationState): boolean {
  return a.provider === b.provider && a.locale === b.locale && a.deterministic === b.deterministic;
}

/**
 * The extensions and collations among a schema module's exports, each once. The same
 * name declared twice with different definitions is refused.
 *
 * @example
 * ```ts
 * const { extensions, collations } = declaredObjectsOf(await import('./db/schema.js'));
 * ```
 */
export function declaredObjectsOf(exports: Record<string, unknown>, where = 'schema'): { extensions: PgExtension[]; collations: PgCollation[] } {
  const extensions = new Map<string, PgExtension>();
  const collations = new Map<string, PgCollation>();
  for (const value of Object.values(exports)) {
    if (isPgExtension(value)) {
      const seen = extensions.get(value.name);
      if (seen && (seen.schema ?? null) !== (value.schema ?? null)) {
        throw new PostprocessError('DECLARATION_CONFLICT', where, `extension "${value.name}" is declared twice, in schemas ${seen.schema ?? '(default)'} and ${value.schema ?? '(default)'}`, 'declare it once');
      }
      extensions.set(value.name, value);
    } else if (isPgCollation(value)) {
      const key = collationKey(value);
      const seen = collations.get(key);
      if (seen && !sameCollation(objectsState([], [seen]).collations[0]!, objectsState([], [value]).collations[0]!)) {
        throw new PostprocessError('DECLARATION_CONFLICT', where, `collation "${key}" is declared twice with different definitions`, 'declare it once');
      }
      collations.set(key, value);
    }
  }
  return { extensions: [...extensions.values()], collations: [...collations.values()] };
}

/** What one migration gains for declared extensions and collations. */
export interface ObjectsDiff {
  /** Statements put before the migration's own (create, move). */
  leading: string[];
  /** Statements put after them (drop). */
  trailing: string[];
  notes: string[];
}

/**
 * Diffs recorded extensions and collations against the declared ones for one
 * migration. A collation whose definition changed is refused: PostgreSQL cannot
 * alter one.
 *
 * @example
 * ```ts
 * diffObjects('0003_search', NO_OBJECTS, objectsState([pgExtension('pg_trgm')], [])).leading;
 * // ['CREATE EXTENSION IF NOT EXISTS "pg_trgm";']
 * ```
 */
export function diffObjects(migration: string, prev: ObjectsState, next: ObjectsState): ObjectsDiff {
  const leading: string[] = [];
  const drops: string[] = [];
  const notes: string[] = [];
  const prevExt = new Map(prev.extensions.map((e) => [e.name, e]));
  const nextExt = new Map(next.extensions.map((e) => [e.name, e]));
  for (const e of next.extensions) {
    const p = prevExt.get(e.name);
    if (!p) {
      leading.push(createExtensionSql(e));
      notes.push(`create extension ${e.name}${e.schema ? ` in schema ${e.schema}` : ''}`);
    } else if ((p.schema ?? 'public') !== (e.schema ?? 'public')) {
      leading.push(setExtensionSchemaSql(e));
      notes.push(`move extension ${e.name} from schema ${p.schema ?? 'public'} to ${e.schema ?? 'public'} (PostgreSQL refuses for an extension that is not relocatable)`);
    }
  }
  const prevColl = new Map(prev.collations.map((c) => [collationKey(c), c]));
  const nextColl = new Map(next.collations.map((c) => [collationKey(c), c]));
  for (const c of next.collations) {
    const p = prevColl.get(collationKey(c));
    if (!p) {
      leading.push(createCollationSql(c));
      notes.push(`create collation ${collationKey(c)} (${c.provider}, ${c.locale}${c.deterministic ? '' : ', nondeterministic'})`);
    } else if (!sameCollation(p, c)) {
      const was = `${p.provider}, ${p.locale}${p.deterministic ? '' : ', nondeterministic'}`;
      const now = `${c.provider}, ${c.locale}${c.deterministic ? '' : ', nondeterministic'}`;
      throw new PostprocessError('COLLATION_CHANGED', migration, `collation "${collationKey(c)}" changes its definition from (${was}) to (${now}); PostgreSQL cannot alter a collation`, `keep the old definition, or declare a collation with a new name for the new definition, move the columns to it, and remove the old one`);
    }
  }
  // drops after drizzle-kit's statements (which drop the columns and indexes using them); RESTRICT
  for (const c of prev.collations) {
    if (nextColl.has(collationKey(c))) continue;
    drops.push(dropCollationSql(c));
    notes.push(`drop collation ${collationKey(c)} (PostgreSQL refuses while a column still uses it)`);
  }
  for (const e of prev.extensions) {
    if (nextExt.has(e.name)) continue;
    drops.push(dropExtensionSql(e));
    notes.push(`drop extension ${e.name} (PostgreSQL refuses while an index, column or function still uses it)`);
  }
  return { leading, trailing: drops, notes };
}
