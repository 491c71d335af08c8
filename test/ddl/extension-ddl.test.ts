/**
 * The SQL of declared extensions and collations: the exact text, then run on
 * PostgreSQL (awkward names included), with the catalog checked after each step.
 */
import { describe, expect, it } from 'vitest';
import { createCollationSql, createExtensionSql, dropCollationSql, dropExtensionSql, setExtensionSchemaSql } from '../../src/ddl/index.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase({ prefix: 'dp_ext_ddl' });

const SCHEMA = 'ext "s".1';
const COLLATION = { schema: SCHEMA, name: `ci 'x"`, provider: 'icu' as const, locale: 'und-u-ks-level2', deterministic: false };

async function extensionSchema(name: string): Promise<string | undefined> {
  const rows = await db.sql<{ nspname: string }[]>`SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ${name}`;
  return rows[0]?.nspname;
}

async function collation(name: string): Promise<{ provider: string; deterministic: boolean; schema: string } | undefined> {
  const rows = await db.sql<{ provider: string; deterministic: boolean; schema: string }[]>`
    SELECT c.collprovider AS provider, c.collisdeterministic AS deterministic, n.nspname AS schema
    FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE c.collname = ${name}`;
  return rows[0];
}

describe('extension and collation DDL', () => {
  it('renders the statements with every name and literal quoted', () => {
    expect(createExtensionSql({ name: 'pg_trgm' })).toBe('CREATE EXTENSION IF NOT EXISTS "pg_trgm";');
    expect(createExtensionSql({ name: 'pg_trgm', schema: SCHEMA })).toBe('CREATE EXTENSION IF NOT EXISTS "pg_trgm" WITH SCHEMA "ext ""s"".1";');
    expect(setExtensionSchemaSql({ name: 'pg_trgm', schema: null })).toBe('ALTER EXTENSION "pg_trgm" SET SCHEMA "public";');
    expect(dropExtensionSql({ name: 'pg_trgm', schema: SCHEMA })).toBe('DROP EXTENSION IF EXISTS "pg_trgm";');
    expect(createCollationSql(COLLATION)).toBe(`CREATE COLLATION IF NOT EXISTS "ext ""s"".1"."ci 'x""" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`);
    expect(createCollationSql({ name: 'c', provider: 'libc', locale: "C'", deterministic: true })).toBe(`CREATE COLLATION IF NOT EXISTS "c" (provider = libc, locale = 'C''');`);
    expect(dropCollationSql(COLLATION)).toBe(`DROP COLLATION IF EXISTS "ext ""s"".1"."ci 'x""";`);
  });

  it('runs on PostgreSQL: create (twice), move, use, refuse the drop while used, drop', async () => {
    await db.sql.unsafe(`CREATE SCHEMA "ext ""s"".1"`);
    for (let i = 0; i < 2; i++) {
      await db.sql.unsafe(createExtensionSql({ name: 'pg_trgm', schema: SCHEMA }));
      await db.sql.unsafe(createCollationSql(COLLATION));
    }
    expect(await extensionSchema('pg_trgm')).toBe(SCHEMA);
    expect(await collation(COLLATION.name)).toEqual({ provider: 'i', deterministic: false, schema: SCHEMA });
    await db.sql.unsafe(setExtensionSchemaSql({ name: 'pg_trgm', schema: null }));
    expect(await extensionSchema('pg_trgm')).toBe('public');

    // the collation compares case-insensitively; the extension's operator class works
    await db.sql.unsafe(`CREATE TABLE people (email text COLLATE "ext ""s"".1"."ci 'x""" UNIQUE, name text)`);
    await db.sql.unsafe(`CREATE INDEX people_name_trgm ON people USING gin (name gin_trgm_ops)`);
    await db.sql`INSERT INTO people VALUES ('Ann@Example.org', 'Ann')`;
    const dup = await db.sql`INSERT INTO people VALUES ('ann@example.ORG', 'ann')`.catch((e: { code?: string }) => e.code);
    expect(dup).toBe('23505');

    // RESTRICT: both drops refused while the table uses them (dependent objects still exist)
    expect(await db.sql.unsafe(dropCollationSql(COLLATION)).catch((e: { code?: string }) => e.code)).toBe('2BP01');
    expect(await db.sql.unsafe(dropExtensionSql({ name: 'pg_trgm' })).catch((e: { code?: string }) => e.code)).toBe('2BP01');
    await db.sql`DROP TABLE people`;
    for (let i = 0; i < 2; i++) {
      await db.sql.unsafe(dropCollationSql(COLLATION));
      await db.sql.unsafe(dropExtensionSql({ name: 'pg_trgm' }));
    }
    expect(await collation(COLLATION.name)).toBeUndefined();
    expect(await extensionSchema('pg_trgm')).toBeUndefined();
  });
});
