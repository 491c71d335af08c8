/**
 * SQL of a conversion's swap (runtime/convert/swap.ts composes it into one
 * transaction): foreign keys pointing at the table dropped and re-made NOT VALID on
 * the table taking its name, views re-made, owned sequences and identity values
 * carried over, index names exchanged, user triggers moved, validation afterwards.
 * Rendered here, through the quoting module.
 */
import { inlineParameters, quoteIdent, quoteQualified, type QualifiedName } from '../sql/quote.js';

/** A foreign key as the catalog prints it: the table holding it, its name, `pg_get_constraintdef`. */
export interface ForeignKeyDef {
  table: QualifiedName;
  name: string;
  definition: string;
}

/**
 * `ALTER TABLE ... DROP CONSTRAINT ...`: a foreign key pointing at the table swapped out.
 *
 * @example
 * ```ts
 * dropForeignKeySql({ table: { schema: 'public', name: 'lines' }, name: 'lines_order_fkey', definition: '...' });
 * ```
 */
export function dropForeignKeySql(fk: ForeignKeyDef): string {
  return `ALTER TABLE ${quoteQualified(fk.table)} DROP CONSTRAINT ${quoteIdent(fk.name)};`;
}

/**
 * The foreign key made again, NOT VALID (validated after the swap commits, see
 * {@link validateConstraintSql}): its definition names the table as it was called,
 * which is now the table that took the name.
 *
 * @example
 * ```ts
 * addForeignKeyNotValidSql(fk); // 'ALTER TABLE "public"."lines" ADD CONSTRAINT "lines_order_fkey" FOREIGN KEY ... NOT VALID;'
 * ```
 */
export function addForeignKeyNotValidSql(fk: ForeignKeyDef): string {
  return `ALTER TABLE ${quoteQualified(fk.table)} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition.replace(/\s+NOT VALID$/, '')} NOT VALID;`;
}

/**
 * `ALTER TABLE ... VALIDATE CONSTRAINT ...` (SHARE UPDATE EXCLUSIVE: writers go on).
 *
 * @example
 * ```ts
 * validateConstraintSql(fk);
 * ```
 */
export function validateConstraintSql(fk: Pick<ForeignKeyDef, 'table' | 'name'>): string {
  return `ALTER TABLE ${quoteQualified(fk.table)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)};`;
}

/**
 * A view re-made from its definition (it then reads the table under the name).
 *
 * @example
 * ```ts
 * recreateViewSql({ view: { schema: 'public', name: 'recent' }, definition: ' SELECT ...;', options: null });
 * ```
 */
export function recreateViewSql(v: { view: QualifiedName; definition: string; options: string[] | null }): string {
  return `CREATE OR REPLACE VIEW ${quoteQualified(v.view)}${v.options?.length ? ` WITH (${v.options.join(', ')})` : ''} AS ${v.definition.replace(/;\s*$/, '')};`;
}

/**
 * `ALTER SEQUENCE ... OWNED BY <table>.<column>`.
 *
 * @example
 * ```ts
 * sequenceOwnedBySql({ schema: 'public', name: 'events_id_seq' }, { schema: 'public', name: 'events' }, 'id');
 * ```
 */
export function sequenceOwnedBySql(sequence: QualifiedName, table: QualifiedName, column: string): string {
  return `ALTER SEQUENCE ${quoteQualified(sequence)} OWNED BY ${quoteQualified(table)}.${quoteIdent(column)};`;
}

/**
 * Sets the identity sequence of `to.column` to the last value of `from.column`'s (when it has one).
 *
 * @example
 * ```ts
 * carryIdentitySql({ schema: 'public', name: 'events' }, { schema: 'public', name: 'events_dp_old' }, 'id');
 * ```
 */
export function carryIdentitySql(to: QualifiedName, from: QualifiedName, column: string): string {
  return inlineParameters(
    `SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence($1::text, $3::text), v) FROM (SELECT pg_catalog.pg_sequence_last_value(pg_catalog.pg_get_serial_sequence($2::text, $3::text)::regclass) AS v) x WHERE v IS NOT NULL;`,
    [quoteQualified(to), quoteQualified(from), column],
  );
}

/**
 * Renames that exchange the names of two indexes of `schema` (through a temporary name).
 *
 * @example
 * ```ts
 * exchangeIndexNamesSql('public', 'events_pkey', 'events_dp_new_pkey', 'drizzle_partitions_swap_0');
 * ```
 */
export function exchangeIndexNamesSql(schema: string, a: string, b: string, temporary: string): string[] {
  return [
    `ALTER INDEX ${quoteQualified({ schema, name: a })} RENAME TO ${quoteIdent(temporary)};`,
    `ALTER INDEX ${quoteQualified({ schema, name: b })} RENAME TO ${quoteIdent(a)};`,
    `ALTER INDEX ${quoteQualified({ schema, name: temporary })} RENAME TO ${quoteIdent(b)};`,
  ];
}

const ENABLE: Record<string, string> = { O: 'ENABLE TRIGGER', D: 'DISABLE TRIGGER', R: 'ENABLE REPLICA TRIGGER', A: 'ENABLE ALWAYS TRIGGER' };

/**
 * `ALTER TABLE ... ENABLE|DISABLE ... TRIGGER name`, as `pg_trigger.tgenabled` says
 * (`O` enabled, `D` disabled, `R` replica, `A` always).
 *
 * @example
 * ```ts
 * setTriggerEnabledSql({ schema: 'public', name: 'events' }, 'audit', 'O'); // 'ALTER TABLE "public"."events" ENABLE TRIGGER "audit";'
 * ```
 */
export function setTriggerEnabledSql(table: QualifiedName, trigger: string, enabled: string): string {
  return `ALTER TABLE ${quoteQualified(table)} ${ENABLE[enabled] ?? 'ENABLE TRIGGER'} ${quoteIdent(trigger)};`;
}
