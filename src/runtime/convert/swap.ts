/**
 * The swap: in one short transaction that holds the live table (ACCESS EXCLUSIVE,
 * under lock_timeout, retried with backoff), the standby table takes the live one's
 * name and place. Foreign keys pointing at the table are re-made NOT VALID on the new
 * one (validated after the commit), views re-made from their definition, owned
 * sequences and identity values carried over, user triggers made (or enabled) on the
 * new table and disabled on the one swapped out, and the change capture turned round:
 * the table swapped out keeps receiving every write, which is what makes undo exact.
 * Statements queued on the live table re-resolve its name once the swap commits.
 */
import { createSyncTriggerSql, createTruncateTriggerSql, dropTriggerSql, syncFunctionSql, truncateTriggerName } from '../../ddl/convert-sql.js';
import { lockExclusiveSql } from '../../ddl/maintenance-sql.js';
import { renameTableSql } from '../../ddl/partition-ddl.js';
import { addForeignKeyNotValidSql, carryIdentitySql, dropForeignKeySql, exchangeIndexNamesSql, recreateViewSql, sequenceOwnedBySql, setTriggerEnabledSql, validateConstraintSql } from '../../ddl/swap-sql.js';
import { dollarQuote, inlineParameters, numericLiteral, quoteLiteral, quoteQualified, type QualifiedName } from '../../sql/quote.js';
import type { Executor } from '../executor.js';
import { withLockRetry, withLockRetryScript, type LockOptions } from '../lock.js';
import type { ConversionNames } from './names.js';
import { checkSameColumns, readSource, sourceFactsSql, type ForeignKey, type SourceFacts } from './source.js';
import { rowSecuritySql } from './shadow.js';
import { setPhaseSql } from '../../ddl/conversions-record-sql.js';

/** Which way: plain to partitioned (`forward`), or back (`back`, for undo). */
export type SwapDirection = 'forward' | 'back';

/**
 * Swaps the live table and its standby (see the file's comment). Returns the foreign
 * keys re-made NOT VALID, for {@link validateForeignKeys}.
 *
 * @example
 * ```ts
 * const fks = await swapTables(ex, names, 'forward', { lockTimeoutMs: 1000 });
 * await validateForeignKeys(ex, fks, opts);
 * ```
 */
export async function swapTables(ex: Executor, names: ConversionNames, direction: SwapDirection, opts: LockOptions): Promise<ForeignKey[]> {
  const live = names.table;
  const standby = { schema: live.schema, name: direction === 'forward' ? names.shadow : names.old };
  const outName = direction === 'forward' ? names.old : names.shadow;
  const out: QualifiedName = { schema: live.schema, name: outName };
  const capture = direction === 'forward' ? names.reverse : names.forward;
  for (let attempt = 1; ; attempt++) {
    // Read before taking the lock, so the table is held for one round trip only; the
    // script checks first, holding it, that nothing read has changed since.
    const facts = await readSource(ex, live, names.trigger);
    const standbyFacts = await readSource(ex, standby, names.trigger);
    // the guard below holds the live table's columns to these until the commit
    checkSameColumns(live, facts, standby.name, standbyFacts);
    const statements = [
      guardSql(live, facts, names.trigger),
      lockExclusiveSql(standby),
      dropTriggerSql(live, names.trigger),
      dropTriggerSql(live, truncateTriggerName(names.trigger)),
      ...facts.inbound.map(dropForeignKeySql),
      renameTableSql(live, outName),
      renameTableSql(standby, live.name),
      ...indexRenames(facts, standbyFacts, live.schema),
      // The definitions name the table as it was called: now the new one.
      ...facts.inbound.map(addForeignKeyNotValidSql),
      ...facts.views.map(recreateViewSql),
      ...facts.ownedSequences.map((q) => sequenceOwnedBySql(q.sequence, live, q.column)),
      ...facts.identity.map((column) => carryIdentitySql(live, out, column)),
      ...triggerStatements(facts, standbyFacts, live, out),
      ...(standbyFacts.policies.length === 0 && !standbyFacts.rowSecurity.enabled ? rowSecuritySql(facts, live) : []),
      syncFunctionSql(capture, out, facts.columns, facts.key.map((k) => k.name)),
      ...createSyncTriggerSql(live, names.trigger, capture),
      ...createTruncateTriggerSql(live, names.trigger, capture),
      `${inlineParameters(setPhaseSql(), [live.schema, live.name, direction === 'forward' ? 'swapped' : 'undone', JSON.stringify(facts.inbound)])};`,
    ];
    try {
      await withLockRetryScript(ex, { what: `swap ${live.schema}.${live.name} with ${standby.name}`, relation: live, holdFirst: live }, opts, statements);
      return facts.inbound;
    } catch (e) {
      if (attempt < 3 && e instanceof Error && e.message.includes(CHANGED)) continue;
      throw e;
    }
  }
}

const CHANGED = 'drizzle-partitions: the table changed while its swap was prepared';

/** Fails the swap (to be prepared again) when the table is no longer as read. */
function guardSql(live: QualifiedName, facts: SourceFacts, ourTrigger: string): string {
  const body = `BEGIN
  IF pg_catalog.to_regclass(${quoteLiteral(quoteQualified(live))}) IS DISTINCT FROM ${numericLiteral(facts.oid)}::oid::regclass
     OR (SELECT pg_catalog.md5(x.j) FROM (${sourceFactsSql(facts.oid, ourTrigger)}) x) IS DISTINCT FROM ${quoteLiteral(facts.stamp)} THEN
    RAISE EXCEPTION ${quoteLiteral(CHANGED)};
  END IF;
END`;
  return `DO ${dollarQuote(body)};`;
}

/**
 * Renames that swap the names of each index of the live table and its counterpart
 * on the standby (same shape: primary, unique, method, columns, predicate), so the
 * new table's indexes and constraints carry the names the old one's had (and undo
 * gives them back).
 */
function indexRenames(live: SourceFacts, standby: SourceFacts, schema: string): string[] {
  const out: string[] = [];
  const free = [...standby.indexes];
  for (const [i, a] of live.indexes.entries()) {
    const k = free.findIndex((b) => b.shape === a.shape);
    if (k < 0) continue;
    const b = free.splice(k, 1)[0]!;
    if (a.name === b.name) continue;
    out.push(...exchangeIndexNamesSql(schema, a.name, b.name, `drizzle_partitions_swap_${i}`));
  }
  return out;
}

/** The user triggers of the live table, made or enabled on the new one and disabled on the one swapped out. */
function triggerStatements(facts: SourceFacts, standby: SourceFacts, live: QualifiedName, out: QualifiedName): string[] {
  const statements: string[] = [];
  for (const t of facts.triggers) {
    if (!standby.triggers.some((s) => s.name === t.name)) statements.push(`${t.definition};`);
    statements.push(setTriggerEnabledSql(live, t.name, t.enabled), setTriggerEnabledSql(out, t.name, 'D'));
  }
  return statements;
}

/**
 * Validates the foreign keys a swap re-made NOT VALID, each in a step of its own
 * (SHARE UPDATE EXCLUSIVE on the table holding it: its writers go on).
 *
 * @example
 * ```ts
 * await validateForeignKeys(ex, fks, { lockTimeoutMs: 1000 });
 * ```
 */
export async function validateForeignKeys(ex: Executor, fks: readonly ForeignKey[], opts: LockOptions): Promise<void> {
  for (const fk of fks) {
    const [row] = await ex.query<{ ok: boolean | null }>(
      `select c.convalidated as ok from pg_catalog.pg_constraint c where c.conrelid = pg_catalog.to_regclass($1::text) and c.conname = $2::text`,
      [quoteQualified(fk.table), fk.name],
    );
    if (!row || row.ok !== false || !fk.validated) continue;
    await withLockRetry(ex, { what: `validate ${fk.name} of ${fk.table.schema}.${fk.table.name}`, relation: fk.table }, opts, (tx) =>
      tx.query(validateConstraintSql(fk)),
    );
  }
}
