/**
 * The SQL a migration carries for a table converted online (plain to partitioned, or
 * back): no DDL — `drizzle-partitions convert apply` does the work — but a comment and
 * a notice that say so, and the guard later migrations put before they change the
 * partitions of a table whose conversion may not have run yet.
 */
import { qualifiedLabel as key, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';

/** Which way a table is converted. */
export type ConversionDirection = 'to-partitioned' | 'to-plain';

/** A comment holds one line: a line break in a name would end it. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/**
 * The sentence that tells how to carry out a conversion the migrations recorded.
 *
 * @example
 * ```ts
 * conversionSentence({ name: 'events' }, 'to-partitioned');
 * // '"events" becomes partitioned online: run drizzle-partitions convert apply --table public.events'
 * ```
 */
export function conversionSentence(table: QualifiedName, direction: ConversionDirection): string {
  const becomes = direction === 'to-partitioned' ? 'becomes partitioned online' : 'becomes a plain table again online';
  return `${quoteQualified(table)} ${becomes}: run drizzle-partitions convert apply --table ${key(table)}`;
}

/**
 * What a migration holds in place of the DDL of a table converted online: a comment,
 * and a `RAISE NOTICE` of the same sentence (so the migration has a statement to run,
 * and `migrate` shows it). Changes nothing in the database.
 *
 * @example
 * ```ts
 * conversionNoteSql({ schema: 'public', name: 'events' }, 'to-partitioned');
 * // '-- drizzle-partitions: "public"."events" becomes partitioned online: run drizzle-partitions convert apply --table public.events\n'
 * //   + "DO $drizzle_partitions$ BEGIN RAISE NOTICE '%', 'drizzle-partitions: ...'; END $drizzle_partitions$;"
 * ```
 */
export function conversionNoteSql(table: QualifiedName, direction: ConversionDirection): string {
  const sentence = `drizzle-partitions: ${conversionSentence(table, direction)}`;
  return `-- ${oneLine(sentence)}\nDO $drizzle_partitions$ BEGIN RAISE NOTICE '%', ${quoteLiteral(sentence)}; END $drizzle_partitions$;`;
}

/**
 * A statement that stops a migration, before it changes anything, when `table` is not
 * a partitioned table yet (its online conversion has not run): PostgreSQL raises the
 * sentence, and the migration's transaction changes nothing.
 *
 * @example
 * ```ts
 * requirePartitionedSql({ schema: 'public', name: 'events' });
 * // DO $drizzle_partitions$ BEGIN IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass('"public"."events"')) IS DISTINCT FROM 'p' THEN RAISE EXCEPTION '%', 'drizzle-partitions: table public.events is not partitioned yet: ...'; END IF; END $drizzle_partitions$;
 * ```
 */
export function requirePartitionedSql(table: QualifiedName): string {
  const message = `drizzle-partitions: table ${key(table)} is not partitioned yet: run drizzle-partitions convert apply --table ${key(table)}, then migrate again`;
  return `DO $drizzle_partitions$ BEGIN IF (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(${quoteLiteral(quoteQualified(table))})) IS DISTINCT FROM 'p' THEN RAISE EXCEPTION '%', ${quoteLiteral(message)}; END IF; END $drizzle_partitions$;`;
}
