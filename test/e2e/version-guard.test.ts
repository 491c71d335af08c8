/**
 * A feature the server cannot do fails before any DDL, naming the version needed:
 * identity columns on a partitioned table need PostgreSQL 17. The matrix runs this
 * on 13-16 (refused) and 17-18 (applied).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { generateOk } from '../support/history-kit.js';
import { createProject, pgConfig, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_e2e_guard' });
let project: Project;

beforeAll(async () => {
  project = await createProject({
    name: 'guard',
    files: {
      'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }),
      'src/schema.ts': `import { integer, primaryKey, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';
export const events = pgPartitionedTable('events', { id: integer().generatedAlwaysAsIdentity(), at: timestamp({ withTimezone: true }).notNull() },
  (t) => [primaryKey({ columns: [t.id, t.at] })], (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }));
`,
    },
  });
  await generateOk(project, 'init');
});
afterAll(async () => {
  await project?.remove();
});

describe('version guard', () => {
  it('the migration starts with a guard; PostgreSQL 17+ applies it, older servers refuse before any DDL', async () => {
    const sql = await project.read('drizzle/0000_init.sql');
    expect(sql.split('\n')[1]).toMatch(/^DO \$drizzle_partitions\$ BEGIN IF current_setting\('server_version_num'\)::int < 170000 THEN RAISE EXCEPTION 'drizzle-partitions: identity columns on partitioned table "public.events" need PostgreSQL 17 or later/);
    if (db.serverMajor >= 17) {
      const r = await project.migrateWithDrizzleKit(db.url);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } else {
      // drizzle-kit migrate exits 1 without printing the server's message; drizzle-orm's migrate() shows it
      expect((await project.migrateWithDrizzleKit(db.url)).code).not.toBe(0);
      const e = await project.migrateWithOrm(db.url).then(() => undefined, (err: unknown) => err as Error & { cause?: Error });
      expect(`${e?.message} ${e?.cause?.message}`).toMatch(new RegExp(`need PostgreSQL 17 or later; this server is ${db.serverMajor}\\.`));
    }
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname like 'events%'`;
    if (db.serverMajor >= 17) expect(row!.n).toBeGreaterThan(0);
    else expect(row!.n).toBe(0); // nothing was created
  });
});
