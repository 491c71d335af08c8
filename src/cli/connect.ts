/**
 * The database the CLI works on: `--url`, else `DATABASE_URL`, else the drizzle
 * config's `dbCredentials.url`; opened with the project's own postgres.js (or
 * node-postgres) so no driver ships with this package.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { PG_ERRORS } from '../runtime/pg-errors.js';

/** An open connection the CLI closes when done. */
export interface CliDatabase {
  db: unknown;
  url: string;
  close(): Promise<void>;
}

/** The URL to use, or an error sentence. */
export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv, dbCredentials: unknown): string {
  const fromConfig = typeof dbCredentials === 'object' && dbCredentials !== null ? (dbCredentials as { url?: unknown }).url : undefined;
  const url = flag ?? env.DATABASE_URL ?? (typeof fromConfig === 'string' && fromConfig !== '' ? fromConfig : undefined);
  if (!url) throw new CliError('NO_DATABASE_URL', 'no database to connect to', 'pass --url, set DATABASE_URL, or set dbCredentials.url in the drizzle config');
  return url;
}

/**
 * Opens `url` with the project's postgres.js, else node-postgres.
 *
 * @example
 * ```ts
 * const { db, close } = await openDatabase('postgres://localhost/app', process.cwd());
 * ```
 */
export async function openDatabase(url: string, cwd: string): Promise<CliDatabase> {
  const req = createRequire(join(cwd, 'package.json'));
  try {
    const postgres = req('postgres') as (url: string, o: object) => { end(o?: object): Promise<void> };
    const sql = postgres(url, { max: 2, onnotice: () => undefined, connect_timeout: 10 });
    return { db: sql, url, close: () => sql.end({ timeout: 5 }) };
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
  }
  try {
    const pg = req('pg') as { Pool: new (o: object) => { end(): Promise<void> } };
    const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
    return { db: pool, url, close: () => pool.end() };
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
  }
  throw new CliError('NO_DRIVER', `neither postgres (postgres.js) nor pg is installed in ${cwd}`, 'npm install postgres');
}

/** Whether `e` says the server could not be reached or would not let us in. */
function cannotConnect(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === PG_ERRORS.invalidPassword || code === PG_ERRORS.invalidCatalogName;
}

/**
 * Runs a command's `work` on the database of `--url` (else `DATABASE_URL`, else the
 * config's `dbCredentials.url`), closing it after. No URL, no driver, or a server that
 * cannot be reached is exit 2 with a sentence on stderr; `work`'s own errors go on.
 *
 * @example
 * ```ts
 * return withDatabase({ flag: v.url, dbCredentials: config.dbCredentials, cwd: config.cwd }, io.err, async (db) => { await plan(db, tables); return 0; });
 * ```
 */
export async function withDatabase(
  where: { flag: string | undefined; dbCredentials: unknown; cwd: string },
  err: (line: string) => void,
  work: (db: unknown) => Promise<number>,
): Promise<number> {
  let database: CliDatabase;
  try {
    database = await openDatabase(resolveUrl(where.flag, process.env, where.dbCredentials), where.cwd);
  } catch (e) {
    err(`drizzle-partitions: ${(e as Error).message}`);
    return 2;
  }
  try {
    return await work(database.db);
  } catch (e) {
    if (!cannotConnect(e)) throw e;
    err(`drizzle-partitions: cannot connect: ${(e as Error).message}`);
    return 2;
  } finally {
    await database.close();
  }
}
