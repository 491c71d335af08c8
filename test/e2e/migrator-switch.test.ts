/**
 * drizzle-kit migrate, then drizzle-partitions migrate, then drizzle-kit migrate
 * again on one database, with a migration generated before each: on drizzle-kit 0.31
 * (journal) and 1.0 (folders), every migration is applied exactly once and both
 * migrators find nothing pending at the end. The config's migrations.schema is
 * honoured by both.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { createProject, type DrizzleLine, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_migrator_switch' });

const config = (schema: string) => `import { defineConfig } from 'drizzle-kit';
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
  migrations: { schema: ${JSON.stringify(schema)} },
  dbCredentials: { url: process.env.DATABASE_URL! },
});
`;

const schemaWith = (tables: string[]) =>
  `import { integer, pgTable } from 'drizzle-orm/pg-core';\n${tables.map((t) => `export const ${t} = pgTable('${t}', { id: integer() });`).join('\n')}\n`;

function ok(r: { code: number; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

describe.each(['0.31', '1'] as DrizzleLine[])('switching migrators on drizzle-kit %s', (line) => {
  it('drizzle-kit migrate, ours, drizzle-kit migrate again: each migration once, nothing pending for either at the end', { timeout: 180_000 }, async () => {
    const tag = line === '1' ? 'v1' : 'v031';
    const book = `mig_${tag}`;
    const t = (n: string) => `${n}_${tag}`;
    const p: Project = await createProject({ name: `migrator-switch-${tag}`, drizzle: line, databaseUrl: db.url, files: { 'drizzle.config.ts': config(book), 'src/schema.ts': schemaWith([t('a')]) } });
    try {
      const generate = async (tables: string[], name: string) => {
        await p.write('src/schema.ts', schemaWith(tables));
        ok(await p.drizzleKit(['generate', '--name', name]), `drizzle-kit generate ${name}`);
        // drizzle-kit 1.0 names folders by the second: keep the next one apart
        await new Promise((r) => setTimeout(r, 1100));
      };
      const rows = async () => db.sql.unsafe<{ hash: string; created_at: string }[]>(`select hash, created_at::text as created_at from "${book}"."__drizzle_migrations" order by id`);

      await generate([t('a')], 'first');
      ok(await p.migrateWithDrizzleKit(db.url), 'drizzle-kit migrate 1');
      expect(await rows()).toHaveLength(1);

      await generate([t('a'), t('b')], 'second');
      const ours = ok(await p.cli(['migrate']), 'drizzle-partitions migrate');
      expect(ours.stdout).toMatch(/✓ \S*second \(1 statement\(s\), own transaction\)/);
      expect(await rows()).toHaveLength(2);

      await generate([t('a'), t('b'), t('c')], 'third');
      ok(await p.migrateWithDrizzleKit(db.url), 'drizzle-kit migrate 2');
      const all = await rows();
      expect(all).toHaveLength(3);
      expect(new Set(all.map((r) => r.hash)).size).toBe(3);

      // both find nothing pending now
      ok(await p.migrateWithDrizzleKit(db.url), 'drizzle-kit migrate 3');
      expect(await rows()).toHaveLength(3);
      const last = ok(await p.cli(['migrate', '--json']), 'drizzle-partitions migrate --json');
      expect(JSON.parse(last.stdout)).toMatchObject({ applied: [], alreadyApplied: 3, table: { schema: book, name: '__drizzle_migrations' }, layout: line === '1' ? 'folders' : 'journal' });
      const tables = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public' and tablename = any(${[t('a'), t('b'), t('c')]})`;
      expect(tables[0]!.n).toBe(3);
    } finally {
      await p.remove();
    }
  });
});
