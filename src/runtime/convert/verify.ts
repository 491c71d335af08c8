/**
 * Verification before the swap: in one REPEATABLE READ transaction (the change
 * capture writes both tables in each writer's transaction, so one snapshot sees them
 * agree), the row count and a checksum of every row of the original and of the copy,
 * the copy's also per partition. Reads only: writers go on.
 */
import { checksumSql } from '../../ddl/convert-sql.js';
import { RuntimeError } from '../../errors.js';
import type { Executor } from '../executor.js';
import type { ConversionNames } from './names.js';
import { verifiedRecordSql } from '../../ddl/conversions-record-sql.js';
import { checkSameColumns, readSource, type SourceFacts } from './source.js';

/** What verification counted. */
export interface Verification {
  rows: number;
  checksum: string;
  /** Rows of each partition of the copy. */
  partitions: { name: string; rows: number }[];
}

/**
 * Compares the original and the copy, and records `verified` when they agree; throws
 * `CONVERT_VERIFY_MISMATCH` (nothing swapped) when they do not.
 *
 * @example
 * ```ts
 * const { rows } = await verifyCopy(ex, names, facts);
 * ```
 */
export async function verifyCopy(ex: Executor, names: ConversionNames, facts: SourceFacts): Promise<Verification> {
  const table = names.table;
  const shadow = { schema: table.schema, name: names.shadow };
  checkSameColumns(table, await readSource(ex, table, names.trigger), names.shadow, await readSource(ex, shadow, names.trigger));
  return ex.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await tx.query('SET LOCAL row_security = off');
    const [src] = await tx.query<{ n: string; sum: string }>(checksumSql(table, facts.columns, false));
    const parts = await tx.query<{ part: string; n: string; sum: string }>(checksumSql(shadow, facts.columns, true));
    const n = parts.reduce((a, p) => a + BigInt(p.n), 0n);
    const sum = parts.reduce((a, p) => a + BigInt(p.sum), 0n);
    if (BigInt(src!.n) !== n || BigInt(src!.sum) !== sum) {
      throw new RuntimeError(
        'CONVERT_VERIFY_MISMATCH',
        `${table.schema}.${table.name}: the copy ${names.shadow} differs from the table (${n} rows, checksum ${sum}; the table has ${src!.n} rows, checksum ${src!.sum}); nothing was swapped`,
        'run `drizzle-partitions convert drop-old --yes` to drop the copy, then apply again; please report this',
      );
    }
    await tx.query(verifiedRecordSql(), [table.schema, table.name, Number(n)]);
    return { rows: Number(n), checksum: sum.toString(), partitions: parts.map((p) => ({ name: p.part, rows: Number(p.n) })) };
  });
}
