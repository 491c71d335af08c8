/**
 * Per-test-file database helper. Call `useTestDatabase()` at the top level of a
 * test file: it creates a fresh, uniquely named database on the shared server
 * in beforeAll and drops it in afterAll.
 *
 *   const db = useTestDatabase();
 *   it('works', async () => { await db.sql`select 1`; });
 */
import { afterAll, beforeAll, inject } from 'vitest';
import type {} from './context.js';
import {
  connect,
  createScratchDatabase,
  majorFromVersionNum,
  serverInfo,
  type ScratchDatabase,
  type Sql,
} from './client.js';

export { withClient, withDatabase, type Sql } from './client.js';

export interface TestDatabase {
  /** Name of the fresh database, e.g. dp_test_3f9a0c1b2d4e. */
  readonly name: string;
  /** Connection URL for the fresh database. */
  readonly url: string;
  /** postgres.js client for the fresh database (max 4 connections, notices silenced). */
  readonly sql: Sql;
  /** e.g. 180004 */
  readonly serverVersionNum: number;
  /** e.g. 18 */
  readonly serverMajor: number;
  /** Admin URL of the server (database `postgres`). */
  readonly adminUrl: string;
}

export interface UseTestDatabaseOptions {
  /** Database name prefix (default "dp_test"). */
  prefix?: string;
  /** Pool size of `sql` (default 4). */
  max?: number;
}

/** The shared server's admin URL, as provided by the global setup. */
export function adminUrl(): string {
  const url = inject('pgAdminUrl');
  if (!url) {
    throw new Error(
      '[pg-harness] pgAdminUrl was not provided: run the tests through vitest with test/harness/global-setup.ts as globalSetup (see vitest.config.ts).',
    );
  }
  return url;
}

export function useTestDatabase(opts: UseTestDatabaseOptions = {}): TestDatabase {
  let db: ScratchDatabase | undefined;
  let sql: Sql | undefined;
  let versionNum: number | undefined;
  let admin: string | undefined;

  beforeAll(async () => {
    admin = adminUrl();
    db = await createScratchDatabase(admin, { prefix: opts.prefix ?? 'dp_test' });
    sql = connect(db.url, { max: opts.max ?? 4 });
    versionNum = (await serverInfo(sql)).versionNum;
  });

  afterAll(async () => {
    try {
      await sql?.end({ timeout: 5 });
    } finally {
      sql = undefined;
      await db?.drop();
    }
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(
        `[pg-harness] test database ${what} is not available yet: use it inside tests or hooks, not at module top level (and call useTestDatabase() at the top level of the file).`,
      );
    }
    return value;
  };

  return {
    get name() {
      return ready(db, 'name').name;
    },
    get url() {
      return ready(db, 'url').url;
    },
    get sql() {
      return ready(sql, 'client');
    },
    get serverVersionNum() {
      return ready(versionNum, 'server version');
    },
    get serverMajor() {
      return majorFromVersionNum(ready(versionNum, 'server version'));
    },
    get adminUrl() {
      return ready(admin, 'admin URL');
    },
  };
}
