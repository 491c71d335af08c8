/**
 * The migrator: drizzle's migrations, applied the way production needs them.
 * drizzle's own migrators (drizzle-kit migrate, drizzle-orm's migrate()) run every
 * pending migration in one transaction, so `CREATE INDEX CONCURRENTLY` and the other
 * lock-light steps cannot run through them. This one runs each migration in its own
 * transaction (or all in one, as drizzle does, when asked), and a migration whose SQL
 * holds the line `-- drizzle-partitions: no-transaction` outside any, statement by
 * statement, each safe to run again (outside-transaction.ts). It keeps drizzle's own
 * bookkeeping (bookkeeping.ts), so drizzle's migrators and this one can take turns on
 * a database.
 */
import { MigratorError } from '../errors.js';
import { withExecutor, type DatabaseLike, type Executor } from '../runtime/executor.js';
import { releaseMaintainerLock, takeMaintainerLock, withLockRetry, type LockOptions } from '../runtime/lock.js';
import { identifierProblem, type QualifiedName } from '../sql/quote.js';
import { DEFAULT_MIGRATIONS_TABLE, openBookkeeping, pendingMigrations, recordSql, type Bookkeeping } from './bookkeeping.js';
import { readMigrationFolder, splitStatements, type MigrationFile } from './files.js';
import { isNoTransaction, NO_TRANSACTION_MARKER } from '../migrations/sql-file.js';
import { runOutsideTransaction } from './outside-transaction.js';
import { statementExcerpt, statementTable, versionNeeds } from './statements.js';

/**
 * Options of {@link migrate}. The lock options (lockTimeoutMs, attempts, backoffMs,
 * maxWaitShare) are maintenance's: each statement (each migration's transaction)
 * runs under `lock_timeout` and is tried again with backoff when it times out.
 *
 * @example
 * ```ts
 * const opts: MigrateOptions = { migrationsFolder: './drizzle', lockTimeoutMs: 2000, onProgress: (e) => console.error(e.message) };
 * ```
 */
export interface MigrateOptions extends LockOptions {
  /** The folder drizzle-kit generates into (the config's `out`). */
  migrationsFolder: string;
  /** drizzle's `migrationsTable` (`migrations.table` of the config); default `__drizzle_migrations`. */
  migrationsTable?: string | undefined;
  /** drizzle's `migrationsSchema` (`migrations.schema` of the config); default `drizzle`. */
  migrationsSchema?: string | undefined;
  /**
   * `each` (default): every migration in its own transaction. `all`: every pending
   * migration in one transaction, as drizzle's migrators do (refused when one of them
   * must run outside a transaction).
   */
  transaction?: 'each' | 'all' | undefined;
  /** How long to wait for another migrator of the same database to finish, in ms (default 60000). */
  waitForMigratorMs?: number | undefined;
  /** Called before each migration and statement, for each step of a statement, and when a migration is recorded. */
  onProgress?: ((event: MigrateProgress) => void) | undefined;
}

/**
 * One step of {@link migrate}'s progress.
 *
 * @example
 * ```ts
 * const log = (e: MigrateProgress) => console.error(e.statement ? `  [${e.statement}/${e.statements}] ${e.message}` : e.message);
 * ```
 */
export interface MigrateProgress {
  /** Journal tag or folder name. */
  migration: string;
  /** `migration`: it begins; `statement`: a statement begins; `step`: what a statement did; `recorded`: the migration is done and recorded. */
  phase: 'migration' | 'statement' | 'step' | 'recorded';
  /** The statement (1-based) concerned, if any. */
  statement?: number;
  /** How many statements the migration has. */
  statements: number;
  message: string;
}

/**
 * What {@link migrate} did.
 *
 * @example
 * ```ts
 * const { applied } = await migrate(db, { migrationsFolder: './drizzle' });
 * console.log(applied.length === 0 ? 'nothing pending' : applied.map((m) => m.id).join(', '));
 * ```
 */
export interface MigrateResult {
  layout: 'journal' | 'folders';
  /** The bookkeeping table. */
  table: { schema: string; name: string };
  /** The migrations applied now, in order. */
  applied: { id: string; mode: 'transaction' | 'no-transaction' | 'single-transaction'; statements: number }[];
  /** How many migrations of the folder were applied before. */
  alreadyApplied: number;
}

function checkOptions(opts: MigrateOptions): Required<QualifiedName> {
  const bad = (what: string, hint?: string) => new MigratorError('MIGRATOR_OPTION_INVALID', what, hint);
  if (typeof opts?.migrationsFolder !== 'string' || opts.migrationsFolder === '') throw bad('migrationsFolder must be the path of the migrations folder', "pass { migrationsFolder: './drizzle' }");
  const table = { schema: opts.migrationsSchema ?? DEFAULT_MIGRATIONS_TABLE.schema, name: opts.migrationsTable ?? DEFAULT_MIGRATIONS_TABLE.name };
  for (const [key, value] of [['migrationsSchema', table.schema], ['migrationsTable', table.name]] as const) {
    const problem = typeof value === 'string' ? identifierProblem(value) : 'is not a string';
    if (problem) throw bad(`${key} ${JSON.stringify(value)} ${problem}`);
  }
  if (opts.transaction !== undefined && opts.transaction !== 'each' && opts.transaction !== 'all') throw bad(`transaction must be 'each' or 'all', not ${JSON.stringify(opts.transaction)}`);
  for (const key of ['lockTimeoutMs', 'attempts', 'backoffMs', 'waitForMigratorMs'] as const) {
    const v = opts[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw bad(`${key} must be a number of 0 or more, not ${JSON.stringify(v)}`);
  }
  return table;
}

/**
 * Applies the pending migrations of `migrationsFolder` (drizzle-kit 0.31's journal
 * layout or 1.0's folders) to `db`: a drizzle database or the raw client of
 * postgres.js, node-postgres or PGlite.
 *
 * - One migrator at a time: a session advisory lock, waited for up to `waitForMigratorMs`.
 * - Before anything runs, the pending migrations are checked against the server's
 *   version: a construct it cannot run (DETACH ... CONCURRENTLY before 14, NULLS NOT
 *   DISTINCT before 15, a version guard this package wrote, ...) stops everything,
 *   naming the migration and the version needed.
 * - Each migration in its own transaction with its row in drizzle's table; a migration
 *   marked `-- drizzle-partitions: no-transaction` runs statement by statement outside
 *   one and is recorded once all succeeded; a rerun after a failure anywhere finishes it.
 *
 * @throws {MigratorError} `MIGRATION_FAILED` (the failed statement named; the
 *   PostgreSQL error is `cause`), `SERVER_TOO_OLD`, `MIGRATOR_BUSY`,
 *   `SINGLE_TRANSACTION_REFUSED`, `MIGRATIONS_NOT_FOUND`, `MIGRATOR_OPTION_INVALID`, ...
 *
 * @example
 * ```ts
 * import { drizzle } from 'drizzle-orm/postgres-js';
 * import { migrate } from 'drizzle-partitions/migrator';
 * const db = drizzle(process.env.DATABASE_URL!);
 * await migrate(db, { migrationsFolder: './drizzle', onProgress: (e) => console.error(e.message) });
 * ```
 */
export async function migrate(db: DatabaseLike, opts: MigrateOptions): Promise<MigrateResult> {
  const table = checkOptions(opts);
  const folder = readMigrationFolder(opts.migrationsFolder);
  const progress = opts.onProgress ?? (() => undefined);
  return withExecutor(db, async (ex) => {
    // PostgreSQL 14+: a backend whose client died (a killed migrator) stops its statement
    // within a second instead of running it to the end, holding the migrator lock.
    if (ex.driver !== 'pglite' && (await ex.serverVersionNum()) >= 140000) await ex.query(`SET client_connection_check_interval = 1000`);
    const waitMs = opts.waitForMigratorMs ?? 60_000;
    if (!(await takeMaintainerLock(ex, table, 'wait', waitMs))) {
      throw new MigratorError('MIGRATOR_BUSY', `another migrator of this database (lock on ${table.schema}.${table.name}) did not finish within ${waitMs} ms`, 'wait for it to finish, or raise waitForMigratorMs (--wait)');
    }
    try {
      const book = await openBookkeeping(ex, table, folder.layout, folder.migrations);
      const pending = pendingMigrations(folder.layout, folder.migrations, book.rows);
      await refuseWhatServerCannot(ex, pending);
      const result: MigrateResult = { layout: folder.layout, table, applied: [], alreadyApplied: folder.migrations.length - pending.length };
      if (opts.transaction === 'all' && pending.length > 0) {
        const outside = pending.filter((m) => isNoTransaction(m.sql));
        if (outside.length > 0) {
          throw new MigratorError('SINGLE_TRANSACTION_REFUSED', `${outside.map((m) => m.id).join(', ')} must run outside a transaction (${NO_TRANSACTION_MARKER}); it cannot join one transaction with the other migrations`, "migrate with transaction: 'each' (the default; drop --single-transaction)", { migration: outside[0]!.id });
        }
        await inTransaction(ex, book, pending, opts, progress);
        result.applied.push(...pending.map((m) => ({ id: m.id, mode: 'single-transaction' as const, statements: splitStatements(m.sql).length })));
        return result;
      }
      for (const m of pending) {
        const outside = isNoTransaction(m.sql);
        if (outside) await outsideTransaction(ex, book, m, opts, progress);
        else await inTransaction(ex, book, [m], opts, progress);
        result.applied.push({ id: m.id, mode: outside ? 'no-transaction' : 'transaction', statements: splitStatements(m.sql).length });
      }
      return result;
    } finally {
      // a pooled connection is unlocked when it goes back; one the application owns is not
      await releaseMaintainerLock(ex, table).catch(() => undefined);
    }
  });
}

async function refuseWhatServerCannot(ex: Executor, pending: readonly MigrationFile[]): Promise<void> {
  const version = await ex.serverVersionNum();
  const refused = pending.flatMap((m) => versionNeeds(m.sql).filter((n) => n.versionNum > version).map((n) => `${m.id}: ${n.what} need(s) PostgreSQL ${Math.floor(n.versionNum / 10000)} or later`));
  if (refused.length > 0) {
    throw new MigratorError('SERVER_TOO_OLD', `this server is PostgreSQL ${Math.floor(version / 10000)} (server_version_num ${version}); nothing was run: ${refused.join('; ')}`, 'upgrade the server, or change those migrations', { migration: refused[0]!.split(':')[0]! });
  }
}

function failed(m: MigrationFile, index: number, total: number, statement: string, e: unknown, outside: boolean): unknown {
  if (e instanceof MigratorError) return e;
  const what = outside
    ? `statements 1 to ${index - 1} took effect; the migration is not recorded, and running the migrator again finishes it`
    : 'its transaction rolled back; the migration is not recorded';
  return new MigratorError('MIGRATION_FAILED', `${m.id}: statement ${index} of ${total} (${statementExcerpt(statement)}) failed: ${(e as Error)?.message ?? String(e)}; ${what}`, 'fix the cause (or the migration) and run the migrator again', { migration: m.id, cause: e });
}

/** Migrations in one transaction, each followed by its row in drizzle's table. */
async function inTransaction(ex: Executor, book: Bookkeeping, migrations: readonly MigrationFile[], opts: MigrateOptions, progress: (e: MigrateProgress) => void): Promise<void> {
  const relation = migrations.flatMap((m) => splitStatements(m.sql)).map(statementTable).find((t) => t !== undefined) ?? book.table;
  let at: { m: MigrationFile; index: number; total: number; statement: string } | undefined;
  try {
    await withLockRetry(ex, { what: migrations.map((m) => m.id).join(', '), relation, transactional: true }, opts, async (tx) => {
      for (const m of migrations) {
        const statements = splitStatements(m.sql);
        progress({ migration: m.id, phase: 'migration', statements: statements.length, message: `${m.id}: ${statements.length} statement(s) in ${migrations.length > 1 ? 'one transaction with the other pending migrations' : 'a transaction'}` });
        for (const [i, statement] of statements.entries()) {
          at = { m, index: i + 1, total: statements.length, statement };
          progress({ migration: m.id, phase: 'statement', statement: i + 1, statements: statements.length, message: `${m.id} [${i + 1}/${statements.length}] ${statementExcerpt(statement)}` });
          await tx.query(statement);
        }
        at = undefined;
        const record = recordSql(book, m);
        await tx.query(record.text, record.params);
      }
    });
  } catch (e) {
    throw at ? failed(at.m, at.index, at.total, at.statement, e, false) : e;
  }
  for (const m of migrations) progress({ migration: m.id, phase: 'recorded', statements: splitStatements(m.sql).length, message: `${m.id}: applied and recorded` });
}

/** A migration marked to run outside a transaction: statement by statement, recorded at the end. */
async function outsideTransaction(ex: Executor, book: Bookkeeping, m: MigrationFile, opts: MigrateOptions, progress: (e: MigrateProgress) => void): Promise<void> {
  const statements = splitStatements(m.sql);
  progress({ migration: m.id, phase: 'migration', statements: statements.length, message: `${m.id}: ${statements.length} statement(s) outside a transaction, one by one` });
  for (const [i, statement] of statements.entries()) {
    const n = { migration: m.id, statement: i + 1, statements: statements.length };
    progress({ ...n, phase: 'statement', message: `${m.id} [${i + 1}/${statements.length}] ${statementExcerpt(statement)}` });
    const ctx = { ex, lock: opts, migration: m.id, note: (message: string) => progress({ ...n, phase: 'step', message: `  ${message}` }) };
    try {
      await runOutsideTransaction(ctx, statement, book.table);
    } catch (e) {
      throw failed(m, i + 1, statements.length, statement, e, true);
    }
  }
  const record = recordSql(book, m);
  await ex.query(record.text, record.params);
  progress({ migration: m.id, phase: 'recorded', statements: statements.length, message: `${m.id}: applied and recorded` });
}
