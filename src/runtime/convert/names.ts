/**
 * The names of what a conversion makes: the partitioned copy (`<table>_dp_new`), the
 * original once swapped out (`<table>_dp_old`), the change-capture functions, the
 * trigger that runs them and the keys deleted during the copy. One home for them; too long a name is cut short and
 * suffixed with a hash, the way partitions are named.
 */
import { identifierBytes, MAX_IDENTIFIER_BYTES, type QualifiedName } from '../../sql/quote.js';
import { CONVERSIONS_TABLE } from '../../ddl/conversions-record-sql.js';
import { hashedName } from '../partition-names.js';

/** Every name of the conversion of one table. */
export interface ConversionNames {
  /** The table converted (schema filled in). */
  table: QualifiedName & { schema: string };
  /** The partitioned copy, in the table's schema, until the swap. */
  shadow: string;
  /** The original, renamed at the swap, kept until drop-old. */
  old: string;
  /** The function copying the original's writes into the copy (before the swap; after undo). */
  forward: QualifiedName;
  /** The function copying the partitioned table's writes into the original (after the swap). */
  reverse: QualifiedName;
  /** The trigger running either function (one table has it at a time). */
  trigger: string;
  /** The keys deleted from the original while its rows are copied (until the swap). */
  tombstones: QualifiedName;
}

function fit(base: string, key: string): string {
  return identifierBytes(base) <= MAX_IDENTIFIER_BYTES ? base : hashedName(base, key);
}

/**
 * The names of the conversion of `table`.
 *
 * @example
 * ```ts
 * conversionNames({ name: 'events' }).shadow; // 'events_dp_new'
 * ```
 */
export function conversionNames(table: QualifiedName): ConversionNames {
  const schema = table.schema ?? 'public';
  const key = `${schema}.${table.name}`;
  return {
    table: { schema, name: table.name },
    shadow: fit(`${table.name}_dp_new`, key),
    old: fit(`${table.name}_dp_old`, key),
    forward: { schema: CONVERSIONS_TABLE.schema, name: fit(`fwd_${schema}_${table.name}`, key) },
    reverse: { schema: CONVERSIONS_TABLE.schema, name: fit(`rev_${schema}_${table.name}`, key) },
    trigger: 'drizzle_partitions_convert',
    tombstones: { schema: CONVERSIONS_TABLE.schema, name: fit(`del_${schema}_${table.name}`, key) },
  };
}
