/**
 * The drivers runtime suites run on: postgres.js, node-postgres and PGlite, each as the
 * raw client and wrapped by drizzle(). Server drivers connect to the test file's
 * database; PGlite is its own in-process database (one per test file, started on first
 * use, closed after the file's tests).
 *
 *   forEachDriver('maintenance', (get, driver) => {
 *     it('works', async () => { await withExecutor(get().db, (ex) => ex.query('select 1')); });
 *     it.skipIf(!can(driver, 'second-connection'))('needs two connections', ...);
 *   });
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import pg from 'pg';
import postgres from 'postgres';
import type { ExecutorDriver } from '../../src/runtime/executor.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase, type TestDatabase } from '../harness/db.js';

/** Something a suite may need that not every driver has. */
export type Capability = 'second-connection' | 'concurrently';

/**
 * The one list of what PGlite cannot do. PGlite is a single backend in single-user mode:
 * there is no second connection (so nothing can be seen blocking, waiting or racing).
 *
 * 'concurrently' is not in it: `CREATE INDEX CONCURRENTLY` and
 * `DETACH PARTITION ... CONCURRENTLY` run in PGlite 0.5.16 (checked by
 * test/runtime/executor.test.ts). What they are for, not blocking other sessions, needs
 * a second connection, which 'second-connection' covers.
 */
export const PGLITE_CANNOT: readonly Capability[] = ['second-connection'];

/** One database as a test sees it. */
export interface DriverHandle {
  /** What an application passes to the runtime: the drizzle database or the raw client. */
  db: unknown;
  kind: ExecutorDriver;
  /** Runs one statement straight through the application's pool / client (not pinned). */
  direct(text: string): Promise<Record<string, unknown>[]>;
  /** Closes the clients (PGlite, shared by the file, is closed after the file's tests). */
  close(): Promise<void>;
}

export interface DriverCase {
  /** e.g. 'postgres-js (drizzle)' */
  name: string;
  /** Short, identifier-safe, unique: for table names, e.g. 'pgjs_drizzle'. */
  slug: string;
  kind: ExecutorDriver;
  wrapped: boolean;
  /** What this driver cannot do (see PGLITE_CANNOT). */
  cannot: readonly Capability[];
  open(url: string): Promise<DriverHandle>;
}

/** Pool size of the server drivers. */
export const POOL_MAX = 4;

function postgresJs(url: string): postgres.Sql {
  const database = databaseFromUrl(url);
  // postgres.js 3.4 does not percent-decode the database name of a URL.
  return postgres(url, { ...(database ? { database } : {}), max: POOL_MAX, onnotice: () => {}, idle_timeout: 20 });
}

async function openPostgresJs(url: string, wrapped: boolean): Promise<DriverHandle> {
  const sql = postgresJs(url);
  return {
    db: wrapped ? drizzlePostgresJs(sql) : sql,
    kind: 'postgres-js',
    direct: async (text) => [...(await sql.unsafe(text))] as Record<string, unknown>[],
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openNodePg(url: string, wrapped: boolean): Promise<DriverHandle> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX });
  pool.on('error', () => {}); // an idle client lost (tests terminate backends)
  return {
    db: wrapped ? drizzleNodePg(pool) : pool,
    kind: 'node-postgres',
    direct: async (text) => (await pool.query(text)).rows as Record<string, unknown>[],
    close: () => pool.end(),
  };
}

let pglite: Promise<PGlite> | undefined;

/** The test file's PGlite, started on first use (it takes a few seconds). */
export function sharedPglite(): Promise<PGlite> {
  pglite ??= PGlite.create();
  return pglite;
}

async function closePglite(): Promise<void> {
  const p = pglite;
  pglite = undefined;
  if (p) await (await p).close();
}

async function openPglite(wrapped: boolean): Promise<DriverHandle> {
  const client = await sharedPglite();
  return {
    db: wrapped ? drizzlePglite(client) : client,
    kind: 'pglite',
    direct: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    close: async () => {},
  };
}

export const drivers: readonly DriverCase[] = [
  { name: 'postgres-js', slug: 'pgjs_raw', kind: 'postgres-js', wrapped: false, cannot: [], open: (url) => openPostgresJs(url, false) },
  { name: 'postgres-js (drizzle)', slug: 'pgjs_drizzle', kind: 'postgres-js', wrapped: true, cannot: [], open: (url) => openPostgresJs(url, true) },
  { name: 'node-postgres', slug: 'nodepg_raw', kind: 'node-postgres', wrapped: false, cannot: [], open: (url) => openNodePg(url, false) },
  { name: 'node-postgres (drizzle)', slug: 'nodepg_drizzle', kind: 'node-postgres', wrapped: true, cannot: [], open: (url) => openNodePg(url, true) },
  { name: 'pglite', slug: 'pglite_raw', kind: 'pglite', wrapped: false, cannot: PGLITE_CANNOT, open: () => openPglite(false) },
  { name: 'pglite (drizzle)', slug: 'pglite_drizzle', kind: 'pglite', wrapped: true, cannot: PGLITE_CANNOT, open: () => openPglite(true) },
];

/** Whether `driver` can do `what`. */
export function can(driver: DriverCase, what: Capability): boolean {
  return !driver.cannot.includes(what);
}

/**
 * Declares `describe(`${name} [driver]`)` once per driver; `get()` (inside tests and
 * hooks) gives that driver's database. Server drivers use `database` (default: a fresh
 * test database for this call, from useTestDatabase()).
 */
export function forEachDriver(
  name: string,
  body: (get: () => DriverHandle, driver: DriverCase) => void,
  opts: { database?: TestDatabase; only?: (driver: DriverCase) => boolean } = {},
): void {
  const database = opts.database ?? useTestDatabase();
  afterAll(closePglite);
  const cases = opts.only ? drivers.filter(opts.only) : drivers;
  describe.each(cases.map((d) => [d.name, d] as const))(`${name} [%s]`, (_label, driver) => {
    let handle: DriverHandle | undefined;
    beforeAll(async () => {
      handle = await driver.open(database.url);
    });
    afterAll(async () => {
      await handle?.close();
      handle = undefined;
    });
    body(() => {
      if (!handle) throw new Error(`[drivers] ${driver.name} is not open yet: call get() inside tests or hooks`);
      return handle;
    }, driver);
  });
}
