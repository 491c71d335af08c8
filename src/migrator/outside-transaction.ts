/**
 * One statement of a migration that runs outside a transaction. Each kind the
 * migrator recognises (statements.ts) is made safe to run again after a failure at
 * any point, since the migration is recorded only once all its statements succeeded
 * and a rerun starts again from its first statement:
 *
 * - `CREATE INDEX CONCURRENTLY` on a partitioned table: the recipe of
 *   partitioned-index.ts. On another table: an index of that name left invalid by a
 *   failed build is dropped (concurrently) and built again; a valid one is kept.
 * - `DROP INDEX CONCURRENTLY`: skipped when the index is gone. PostgreSQL cannot drop
 *   a partitioned index concurrently (13 to 18): it is dropped with a plain
 *   `DROP INDEX` under lock_timeout, and the progress says so.
 * - `ALTER TABLE ... ADD CONSTRAINT c`: skipped when the table has a constraint `c`
 *   (a `VALIDATE CONSTRAINT` that follows validates it, again if need be).
 * - `ALTER TABLE ... VALIDATE CONSTRAINT c`: skipped when `c` is valid already. Rows
 *   that violate it fail the migration with a sentence that says so; the constraint
 *   stays NOT VALID (still checked for new and changed rows).
 * - `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`: finished with `FINALIZE`
 *   when an earlier run left it pending, skipped when done.
 *
 * Statements that take their locks CONCURRENTLY wait without blocking the
 * application, so they run without the short lock_timeout (which would only make a
 * build fail halfway); every other statement runs under lock_timeout, retried with
 * backoff as maintenance does.
 */
import { detachPartitionSql } from '../ddl/partition-ddl.js';
import { MigratorError } from '../errors.js';
import { constraintValidated, findRelation, hasConstraint, indexState, partitionState } from '../runtime/introspect.js';
import { withLockRetry } from '../runtime/lock.js';
import type { QualifiedName } from '../sql/quote.js';
import { quoteQualified } from '../sql/quote.js';
import { buildPartitionedIndex, type StepContext } from './partitioned-index.js';
import { isConcurrent, recognise, statementExcerpt, statementTable } from './statements.js';

/**
 * Runs one statement outside a transaction, idempotently where it is recognised.
 *
 * @example
 * ```ts
 * await runOutsideTransaction(ctx, 'CREATE INDEX CONCURRENTLY "events_at_idx" ON "events" ("at");', bookkeepingTable);
 * ```
 */
export async function runOutsideTransaction(ctx: StepContext, statement: string, fallbackRelation: QualifiedName): Promise<void> {
  const { ex } = ctx;
  const s = recognise(statement);
  switch (s.kind) {
    case 'create-index-concurrently': {
      const table = await findRelation(ex, s.table);
      if (table?.kind === 'p') {
        if (!s.name) {
          throw new MigratorError('INDEX_NAME_REQUIRED', `${ctx.migration}: ${statementExcerpt(statement)} has no index name; the index of each partition of ${table.schema}.${table.name} is named after it`, 'name the index in the statement (drizzle-kit always does)', { migration: ctx.migration });
        }
        ctx.note(`${s.name}: ${table.schema}.${table.name} is partitioned; PostgreSQL cannot build its index concurrently, so: ON ONLY the parent, concurrently on each partition, then attached`);
        await buildPartitionedIndex(ctx, { table: { schema: table.schema, name: table.name }, index: s.name, unique: s.unique, rest: s.rest });
        return;
      }
      if (table && s.name) {
        const st = await indexState(ex, { schema: table.schema, name: s.name });
        if (st && st !== 'not-an-index' && st.table.schema === table.schema && st.table.name === table.name) {
          if (st.valid) {
            ctx.note(`${s.name}: already built and valid, skipped`);
            return;
          }
          ctx.note(`${s.name}: left invalid by an earlier build; dropped concurrently to build again`);
          await ex.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified({ schema: table.schema, name: s.name })}`);
        }
      }
      await ex.query(statement);
      return;
    }
    case 'drop-index-concurrently': {
      const rel = await findRelation(ex, s.index);
      const st = rel ? await indexState(ex, { schema: rel.schema, name: rel.name }) : undefined;
      if (!rel || st === undefined) {
        ctx.note(`${s.index.name}: already gone, skipped`);
        return;
      }
      if (st !== 'not-an-index' && st.partitioned) {
        ctx.note(`${rel.name}: PostgreSQL cannot drop a partitioned index concurrently; plain DROP INDEX instead (it locks ${st.table.schema}.${st.table.name} and its partitions briefly), under lock_timeout`);
        const index = quoteQualified({ schema: rel.schema, name: rel.name });
        await withLockRetry(ex, { what: `drop index ${rel.schema}.${rel.name}`, relation: st.table, transactional: false }, ctx.lock, (e) => e.query(`DROP INDEX IF EXISTS ${index}${s.rest && s.rest !== ';' ? ` ${s.rest.replace(/;$/, '')}` : ''}`));
        return;
      }
      await ex.query(statement);
      return;
    }
    case 'add-constraint': {
      const table = await findRelation(ex, s.table);
      if (table && (await hasConstraint(ex, { schema: table.schema, name: table.name }, s.name))) {
        ctx.note(`${s.name}: ${table.schema}.${table.name} has it already, skipped`);
        return;
      }
      await withLockRetry(ex, { what: `${ctx.migration}: add constraint ${s.name}`, relation: s.table, transactional: false }, ctx.lock, (e) => e.query(statement));
      return;
    }
    case 'validate-constraint': {
      const table = await findRelation(ex, s.table);
      if (table && (await constraintValidated(ex, { schema: table.schema, name: table.name }, s.name)) === true) {
        ctx.note(`${s.name}: ${table.schema}.${table.name} has it valid already, skipped`);
        return;
      }
      try {
        await withLockRetry(ex, { what: `${ctx.migration}: validate constraint ${s.name}`, relation: s.table, transactional: false }, ctx.lock, (e) => e.query(statement));
      } catch (e) {
        const code = (e as { code?: unknown })?.code;
        if (code !== '23514' && code !== '23503') throw e;
        const where = table ? `${table.schema}.${table.name}` : s.table.name;
        throw new MigratorError('MIGRATION_FAILED', `${ctx.migration}: rows of ${where} violate constraint ${s.name}, so it cannot be validated (${(e as Error).message}); it stays NOT VALID (checked for new and changed rows only) and the migration is not recorded`, `fix or delete the rows that violate ${s.name}, then run the migrator again`, { migration: ctx.migration, cause: e });
      }
      ctx.note(`${s.name}: validated`);
      return;
    }
    case 'detach-concurrently': {
      const parent = await findRelation(ex, s.parent);
      const partition = await findRelation(ex, s.partition);
      if (parent && partition) {
        const state = await partitionState(ex, parent, partition);
        if (state.pending) {
          ctx.note(`${partition.name}: an earlier run left its detach pending; finishing it (FINALIZE)`);
          await ex.query(detachPartitionSql({ parent, partition, mode: 'finalize' }));
          return;
        }
        if (!state.attached) {
          ctx.note(`${partition.name}: already detached, skipped`);
          return;
        }
      }
      await ex.query(statement);
      return;
    }
    case 'other':
      if (isConcurrent(statement)) await ex.query(statement);
      else await withLockRetry(ex, { what: `${ctx.migration}: ${statementExcerpt(statement, 60)}`, relation: statementTable(statement) ?? fallbackRelation, transactional: false }, ctx.lock, (e) => e.query(statement));
  }
}
