/**
 * pgExtension() and pgCollation() through `drizzle-partitions generate` on the real
 * drizzle-kit 0.31 and 1.0 CLIs, applied with drizzle-kit migrate on real PostgreSQL:
 * declared (pg_trgm and a gin_trgm_ops index, a nondeterministic ICU collation used by
 * a column) -> generated -> applied -> a second generate finds nothing -> declarations
 * and their uses removed -> generated -> applied -> gone from pg_extension / pg_collation.
 * And the hint when the schema uses pg_trgm without declaring it.
 *
 * ICU: every server these tests run on (local 15, the embedded 13 to 18) is built with
 * ICU; the test checks pg_collation for an ICU collation first and fails if there is none.
 */
import { describe, expect, it } from 'vitest';
import type { Sql } from '../harness/db.js';
import { useE2eScratch } from '../support/e2e-scratch.js';
import { fingerprint } from '../support/history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project } from '../support/project.js';

const { db, keep, freshDb } = useE2eScratch('dp_e2e_extcoll');

/** users, with (declared) pg_trgm + a trigram index and a case-insensitive collation on email. */
function schemaFile(opts: { declared: boolean; used: boolean }): string {
  const decl = opts.declared
    ? `export const pgTrgm = pgExtension('pg_trgm');
export const ci = pgCollation('case_insensitive', { provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });
`
    : '';
  const email = opts.used ? `, email: ${opts.declared ? 'ci.text()' : 'text()'}.notNull().unique()` : '';
  const idx = opts.used ? `(t) => [index('users_name_trgm').using('gin', t.name.op('gin_trgm_ops'))]` : '() => []';
  return `import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { pgCollation, pgExtension } from 'drizzle-partitions';

${decl}
export const users = pgTable('users', { id: integer().primaryKey(), name: text()${email} }, ${idx});
`;
}

async function sqlFiles(p: Project): Promise<string[]> {
  const files = Object.keys(await fingerprint(p))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return Promise.all(files.map((f) => p.read(f)));
}

async function catalog(sql: Sql): Promise<{ extensions: string[]; collations: { name: string; deterministic: boolean }[] }> {
  const extensions = (await sql<{ extname: string }[]>`SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'`).map((r) => r.extname);
  const collations = await sql<{ name: string; deterministic: boolean }[]>`SELECT collname AS name, collisdeterministic AS deterministic FROM pg_collation WHERE collname = 'case_insensitive'`;
  return { extensions, collations: [...collations] };
}

for (const line of ['0.31', '1'] as const satisfies readonly DrizzleLine[]) {
  describe(`drizzle-kit ${line}`, { timeout: 120_000 }, () => {
    it('declared, generated, applied, unchanged on a second generate, removed, applied: gone from the catalog', async () => {
      expect((await db.sql`SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1`).length, 'this server has no ICU').toBe(1);
      const p = await createProject({ name: `extcoll-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': schemaFile({ declared: true, used: true }) } });
      keep(p);
      const r = await p.cli(['generate', '--name', 'init']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).not.toContain('needs the pg_trgm extension');
      const [init] = await sqlFiles(p);
      // created first, then drizzle-kit's table with the collation written verbatim
      const at = (s: string) => init!.indexOf(s);
      expect(at('CREATE EXTENSION IF NOT EXISTS "pg_trgm";')).toBeGreaterThan(0);
      expect(at(`CREATE COLLATION IF NOT EXISTS "case_insensitive" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`)).toBeGreaterThan(at('CREATE EXTENSION'));
      expect(at('"email" text COLLATE "case_insensitive" NOT NULL')).toBeGreaterThan(at('CREATE COLLATION'));
      expect(init).toContain('USING gin ("name" gin_trgm_ops)');

      const { url, sql } = await freshDb();
      const m = await p.migrateWithDrizzleKit(url);
      expect(m.code, m.stdout + m.stderr).toBe(0);
      expect(await catalog(sql)).toEqual({ extensions: ['pg_trgm'], collations: [{ name: 'case_insensitive', deterministic: false }] });
      await sql`INSERT INTO users (id, name, email) VALUES (1, 'Ann', 'Ann@Example.org')`;
      expect(await sql`INSERT INTO users (id, name, email) VALUES (2, 'ann', 'ann@example.ORG')`.catch((e: { code?: string }) => e.code)).toBe('23505');

      // nothing changed: drizzle-kit sees no change in the collated type, we see none in the declarations
      const before = await fingerprint(p);
      const again = await p.cli(['generate', '--name', 'again']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await fingerprint(p)).toEqual(before);

      // declarations and their uses removed: drizzle-kit drops the index and column, then we drop what they used
      await p.write('src/schema.ts', schemaFile({ declared: false, used: false }));
      const d = await p.cli(['generate', '--name', 'drop']);
      expect(d.code, d.stdout + d.stderr).toBe(0);
      const files = await sqlFiles(p);
      expect(files).toHaveLength(2);
      const drop = files[1]!;
      expect(drop.indexOf('DROP COLLATION IF EXISTS "case_insensitive";')).toBeGreaterThan(drop.indexOf('DROP COLUMN "email"'));
      expect(drop.indexOf('DROP EXTENSION IF EXISTS "pg_trgm";')).toBeGreaterThan(drop.indexOf('DROP INDEX "users_name_trgm"'));
      const m2 = await p.migrateWithDrizzleKit(url);
      expect(m2.code, m2.stdout + m2.stderr).toBe(0);
      expect(await catalog(sql)).toEqual({ extensions: [], collations: [] });
    });

    it('warns when the schema uses gin_trgm_ops without declaring pg_trgm', async () => {
      const p = await createProject({ name: `extcoll-hint-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': schemaFile({ declared: false, used: true }) } });
      keep(p);
      const r = await p.cli(['generate', '--name', 'init']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toContain(`drizzle-partitions: warning: index "users_name_trgm" on "users" uses operator class gin_trgm_ops: that needs the pg_trgm extension, which the schema does not declare; add export const pgTrgm = pgExtension('pg_trgm')`);
      const [init] = await sqlFiles(p);
      expect(init).not.toContain('CREATE EXTENSION');
    });
  });
}
