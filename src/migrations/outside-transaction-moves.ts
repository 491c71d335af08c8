/**
 * The index statements of a migration that must not run in drizzle's migration
 * transaction. drizzle's migrators run each migration in a transaction, where
 * `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` fail, and PostgreSQL
 * refuses CONCURRENTLY on a partitioned table altogether:
 *
 * - `CREATE INDEX CONCURRENTLY` on a table the same migration creates (empty) is
 *   built plainly where it stands;
 * - on an existing table it moves, `IF NOT EXISTS`, to a migration of its own that
 *   runs outside a transaction (drizzle-partitions migrate builds it there, partition
 *   by partition on a partitioned table);
 * - drizzle-kit writes a plain `DROP INDEX` for an index declared `.concurrently()`;
 *   it moves there too as `DROP INDEX CONCURRENTLY IF EXISTS` — unless the migration
 *   creates an index of the same name in its transaction, which needs the old one
 *   gone first. drizzle-partitions migrate drops a partitioned index (PostgreSQL
 *   cannot drop one concurrently) plainly, under lock_timeout.
 *
 * Statements keep their order in the file; each leaves a comment in its place.
 */
import { qualifiedLabel as key, quoteQualified } from '../sql/quote.js';
import type { FileTables, TextReplacement } from './sql-file.js';

/** What moving a migration's index statements does to it. */
export interface OutsideTransactionMoves {
  replacements: TextReplacement[];
  /** Statements for the migration that runs outside a transaction, in file order. */
  deferred: string[];
  notes: string[];
}

function movedComment(statement: string): string {
  return `/* drizzle-partitions: moved to a migration that runs outside a transaction: ${statement.replace(/\*\//g, '* /')} */`;
}

/**
 * Plans the moves for one migration file. `concurrentBefore`: `schema.index` keys of
 * the indexes declared `.concurrently()` before this migration (its previous state).
 *
 * @example
 * ```ts
 * const moves = outsideTransactionMoves(fileTables('DROP INDEX "users_name_idx";'), new Set(['public.users_name_idx']));
 * moves.deferred; // ['DROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";']
 * ```
 */
export function outsideTransactionMoves(file: FileTables, concurrentBefore: ReadonlySet<string>): OutsideTransactionMoves {
  const replacements: TextReplacement[] = [];
  const moved: { at: number; sql: string }[] = [];
  const notes: string[] = [];
  const createdInFile = new Set(file.created.map((c) => key(c.table)));
  for (const ix of file.concurrentIndexes) {
    const head = ix.statement.slice(0, ix.afterKeyword - ix.start);
    const rest = ix.statement.slice(ix.afterKeyword - ix.start);
    if (createdInFile.has(key(ix.table))) {
      replacements.push({ start: ix.start, end: ix.end, text: `${head.replace(/ CONCURRENTLY $/, ' ')}${rest}` });
      notes.push(`index on ${key(ix.table)} built without CONCURRENTLY: the table is created by this migration, so it is empty`);
    } else {
      moved.push({ at: ix.start, sql: /^IF NOT EXISTS /i.test(rest) ? ix.statement : `${head}IF NOT EXISTS ${rest}` });
      replacements.push({ start: ix.start, end: ix.end, text: movedComment(ix.statement) });
      notes.push(`CREATE INDEX CONCURRENTLY on ${key(ix.table)} moved to a migration of its own, run outside a transaction by drizzle-partitions migrate`);
    }
  }
  const createdInTransaction = new Set(file.createdIndexes.filter((c) => !c.concurrently).map((c) => c.key));
  for (const drop of file.droppedIndexes) {
    const name = key(drop.index);
    if (!concurrentBefore.has(name)) continue;
    if (createdInTransaction.has(name)) {
      notes.push(`index ${name} was declared .concurrently() but is dropped in the migration's transaction: the migration creates an index of the same name there`);
      continue;
    }
    moved.push({ at: drop.start, sql: `DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(drop.index)};` });
    replacements.push({ start: drop.start, end: drop.end, text: movedComment(drop.statement) });
    notes.push(`DROP INDEX of ${name} (declared .concurrently()) moved to a migration of its own, run outside a transaction by drizzle-partitions migrate (on a partitioned table, which PostgreSQL cannot drop an index from concurrently, it drops it plainly under lock_timeout)`);
  }
  return { replacements, deferred: moved.sort((a, b) => a.at - b.at).map((m) => m.sql), notes };
}
