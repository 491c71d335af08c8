/**
 * `index().concurrently()` through `drizzle-partitions generate`, on the real
 * drizzle-kit 0.31 and 1.0 CLIs and real PostgreSQL. drizzle's migrators run each
 * migration in a transaction, where CREATE INDEX CONCURRENTLY fails, and PostgreSQL
 * refuses CONCURRENTLY on a partitioned table altogether:
 *
 * - on a table the same migration creates (empty), the index is built plainly where
 *   drizzle-kit wrote it, so drizzle-kit migrate and migrate() run it;
 * - on an existing table, plain or partitioned, the statement moves to a migration of
 *   its own marked to run outside a transaction (`IF NOT EXISTS`, so a rerun is safe),
 *   and drizzle-kit's migration keeps a comment in its place; drizzle-partitions
 *   migrate runs it (on a partitioned table: ON ONLY, each partition, ATTACH).
 */
import { describe, expect, it } from 'vitest';
import type { Sql } from '../harness/db.js';
import { useE2eScratch } from '../support/e2e-scratch.js';
import { fingerprint } from '../support/history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project } from '../support/project.js';

const { db, keep, freshDb } = useE2eScratch('dp_e2e_cic');

/** users (plain) and events (partitioned by month, a default partition); `idx`: their concurrent indexes. */
function schemaFile(idx: boolean): string {
  const conc = (table: string, col: string) => (idx ? `, index('${table}_${col}_idx').on(t.${col}).concurrently()` : '');
  return `import { date, index, integer, text } from 'drizzle-orm/pg-core';
import { pgTable } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

export const users = pgTable('users', { id: integer().primaryKey(), name: text() }, (t) => [${conc('users', 'name').slice(2)}]);
export const events = pgPartitionedTable('events', { id: integer().notNull(), at: date().notNull(), kind: text() },
  (t) => [${conc('events', 'kind').slice(2)}],
  (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }, { from: '2026-02-01', to: '2026-03-01' }] }));
`;
}

/** The migrations' SQL files, in order. */
async function sqlFiles(p: Project): Promise<{ path: string; text: string }[]> {
  const files = Object.keys(await fingerprint(p))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return Promise.all(files.map(async (path) => ({ path, text: await p.read(path) })));
}

async function indexesOn(sql: Sql, name: string): Promise<{ table: string; valid: boolean }[]> {
  return sql<{ table: string; valid: boolean }[]>`
    SELECT c.relname AS table, i.indisvalid AS valid
    FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
    WHERE x.relname = ${name} OR x.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = (SELECT oid FROM pg_class WHERE relname = ${name}))
    ORDER BY 1`;
}

/** events_kind_idx, valid on the parent and every partition. */
const ON_EVERY_PARTITION = ['events', 'events_default', 'events_p20260101', 'events_p20260201'].map((table) => ({ table, valid: true }));

for (const line of ['0.31', '1'] as const satisfies readonly DrizzleLine[]) {
  describe(`drizzle-kit ${line}`, { timeout: 120_000 }, () => {
    it('a concurrent index on a table created in the same migration is built plainly, by drizzle-kit migrate too', async () => {
      const p = await createProject({ name: `cic-new-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schemaFile(true) } });
      keep(p);
      const r = await p.cli(['generate', '--name', 'init']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const files = await sqlFiles(p);
      expect(files).toHaveLength(1);
      expect(files[0]!.text).not.toContain('CONCURRENTLY');
      expect(files[0]!.text).toMatch(/CREATE INDEX "events_kind_idx" ON "events"/);
      const { url, sql } = await freshDb();
      const m = await p.migrateWithDrizzleKit(url);
      expect(m.code, m.stdout + m.stderr).toBe(0);
      expect(await indexesOn(sql, 'events_kind_idx')).toEqual(ON_EVERY_PARTITION);
      expect(await indexesOn(sql, 'users_name_idx')).toEqual([{ table: 'users', valid: true }]);
    });

    it('a concurrent index on existing tables moves to a migration of its own, outside a transaction', async () => {
      const p = await createProject({ name: `cic-old-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schemaFile(false) } });
      keep(p);
      expect((await p.cli(['generate', '--name', 'init'])).code).toBe(0);
      const { url, sql } = await freshDb();
      expect((await p.migrateWithDrizzleKit(url)).code).toBe(0);

      await p.write('src/schema.ts', schemaFile(true));
      const r = await p.cli(['generate', '--name', 'idx']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const files = await sqlFiles(p);
      expect(files).toHaveLength(3);
      const [, kit, own] = files as [unknown, { path: string; text: string }, { path: string; text: string }];
      expect(own.path).toMatch(/idx_concurrently/);
      // drizzle-kit's migration keeps a comment where each statement was
      expect(kit.text).not.toMatch(/^CREATE (UNIQUE )?INDEX CONCURRENTLY/m);
      expect(kit.text).toContain('/* drizzle-partitions: moved to a migration that runs outside a transaction: CREATE INDEX CONCURRENTLY "events_kind_idx"');
      expect(own.text.split('\n').slice(0, 2)).toEqual(['-- drizzle-partitions: partitioned DDL added', '-- drizzle-partitions: no-transaction']);
      expect(own.text).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_kind_idx" ON "events"');
      expect(own.text).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_idx" ON "users"');

      // drizzle-kit sees no change and a second run writes nothing
      const check = await p.drizzleKit(['check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const before = await fingerprint(p);
      expect((await p.cli(['generate', '--name', 'again'])).code).toBe(0);
      expect(await fingerprint(p)).toEqual(before);

      // drizzle's migrator runs drizzle-kit's migration (its comment is a statement that does nothing)
      // and stops at the one that must run outside a transaction, applying nothing of it
      const m = await p.migrateWithDrizzleKit(url);
      expect(m.code).not.toBe(0);
      expect(await indexesOn(sql, 'users_name_idx')).toEqual([]);

      // drizzle-partitions migrate runs both: the index is built partition by partition and attached
      const ours = await p.cli(['migrate', '--url', url]);
      expect(ours.code, ours.stdout + ours.stderr).toBe(0);
      expect(await indexesOn(sql, 'events_kind_idx')).toEqual(ON_EVERY_PARTITION);
      expect(await indexesOn(sql, 'users_name_idx')).toEqual([{ table: 'users', valid: true }]);
      // and drizzle-kit migrate then finds nothing pending
      const after = await p.migrateWithDrizzleKit(url);
      expect(after.code, after.stdout + after.stderr).toBe(0);

      // dropping them: drizzle-kit writes plain DROP INDEX; they move too, as DROP INDEX CONCURRENTLY
      await p.write('src/schema.ts', schemaFile(false));
      const d = await p.cli(['generate', '--name', 'unidx']);
      expect(d.code, d.stdout + d.stderr).toBe(0);
      const dropFiles = await sqlFiles(p);
      expect(dropFiles).toHaveLength(5);
      const [, , , kitDrop, ownDrop] = dropFiles as { path: string; text: string }[];
      expect(ownDrop!.path).toMatch(/unidx_concurrently/);
      expect(kitDrop!.text).not.toMatch(/^DROP INDEX/m);
      expect(kitDrop!.text).toContain('/* drizzle-partitions: moved to a migration that runs outside a transaction: DROP INDEX "users_name_idx";');
      expect(ownDrop!.text).toContain('-- drizzle-partitions: no-transaction');
      expect(ownDrop!.text).toContain('DROP INDEX CONCURRENTLY IF EXISTS "events_kind_idx";');
      expect(ownDrop!.text).toContain('DROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";');
      const dropped = await p.cli(['migrate', '--url', url]);
      expect(dropped.code, dropped.stdout + dropped.stderr).toBe(0);
      // PostgreSQL cannot drop a partitioned index concurrently: the migrator says what it did instead
      expect(dropped.stdout + dropped.stderr).toContain('cannot drop a partitioned index concurrently');
      expect(await indexesOn(sql, 'events_kind_idx')).toEqual([]);
      expect(await indexesOn(sql, 'users_name_idx')).toEqual([]);
      expect((await p.migrateWithDrizzleKit(url)).code).toBe(0);
      const settled = await fingerprint(p);
      expect((await p.cli(['generate', '--name', 'again'])).code).toBe(0);
      expect(await fingerprint(p)).toEqual(settled);
    });
  });
}
