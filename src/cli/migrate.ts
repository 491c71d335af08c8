/**
 * `drizzle-partitions migrate`: the migrator (src/migrator) from the command line,
 * on the drizzle config's migrations folder (`out`) and bookkeeping table
 * (`migrations.table`, `migrations.schema`). Progress goes to stderr, the result to
 * stdout. Exit codes: 0 done (or nothing pending), 1 a migration failed or was
 * refused, 2 usage or connection errors.
 */
import { loadDrizzleConfig } from '../project/config.js';
import { MigratorError } from '../errors.js';
import { migrate, type MigrateResult } from '../migrator/migrate.js';
import { toJson, type Values } from './args.js';
import { withDatabase } from './connect.js';
import type { CliIo } from './io.js';

/** `migrations.table` / `migrations.schema` of the config, checked. */
function bookkeepingOf(raw: Record<string, unknown>, configFile: string): { table?: string; schema?: string } {
  const m = raw.migrations;
  const out: { table?: string; schema?: string } = {};
  if (typeof m !== 'object' || m === null) return out;
  for (const key of ['table', 'schema'] as const) {
    const v = (m as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new MigratorError('MIGRATOR_OPTION_INVALID', `drizzle config "${configFile}": "migrations.${key}" must be a name, not ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

/**
 * Runs `migrate` with its parsed options (commands.ts); returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runMigrate({ config: 'drizzle.config.ts', 'lock-timeout': 2000 }, { out: console.log, err: console.error });
 * ```
 */
export async function runMigrate(v: Values, io: CliIo): Promise<number> {
  const config = await loadDrizzleConfig({ config: v.config as string | undefined });
  const bookkeeping = bookkeepingOf(config.raw, config.configFile);
  return withDatabase({ flag: v.url as string | undefined, dbCredentials: config.dbCredentials, cwd: config.cwd }, io.err, async (db) => {
    const result: MigrateResult = await migrate(db, {
      migrationsFolder: config.out,
      migrationsTable: bookkeeping.table,
      migrationsSchema: bookkeeping.schema,
      transaction: v['single-transaction'] === true ? 'all' : 'each',
      lockTimeoutMs: v['lock-timeout'] as number | undefined,
      waitForMigratorMs: v.wait as number | undefined,
      onProgress: (e) => io.err(e.message),
    });
    if (v.json === true) io.out(toJson(result));
    else if (result.applied.length === 0) io.out(`nothing pending (${result.alreadyApplied} migration(s) applied before)`);
    else for (const m of result.applied) io.out(`✓ ${m.id} (${m.statements} statement(s), ${m.mode === 'no-transaction' ? 'outside a transaction' : m.mode === 'single-transaction' ? 'one transaction for all' : 'own transaction'})`);
    return 0;
  });
}
