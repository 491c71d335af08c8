/**
 * Tablespaces for tests, made without touching the server's file system:
 * `allow_in_place_tablespaces` (PostgreSQL 15+, and 13.8+ / 14.5+) lets `LOCATION ''`
 * put the directory under the server's own pg_tblspc, so it works on the embedded,
 * local and remote servers alike. Tablespaces are cluster-wide: give them names unique
 * to the test file.
 */
import type { Sql } from '../harness/client.js';
import { quoteIdent } from '../../src/sql/quote.js';

/** Makes each tablespace in place; CREATE TABLESPACE refuses a transaction block, so the setting goes on a session of its own. */
export async function createInPlaceTablespaces(sql: Sql, names: readonly string[]): Promise<void> {
  const c = await sql.reserve();
  try {
    await c.unsafe('set allow_in_place_tablespaces = on');
    for (const ts of names) await c.unsafe(`create tablespace ${quoteIdent(ts)} location ''`);
  } finally {
    c.release();
  }
}

/** Drops them (each must be empty by then). */
export async function dropTablespaces(sql: Sql, names: readonly string[]): Promise<void> {
  for (const ts of names) await sql.unsafe(`drop tablespace if exists ${quoteIdent(ts)}`);
}
