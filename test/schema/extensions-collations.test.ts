/**
 * pgExtension() / pgCollation() declarations: their checks (PostgreSQL's rules, caught
 * when the schema loads), the column types a collation hands out, and the hints for
 * extensions the schema uses without declaring them.
 */
import { sql } from 'drizzle-orm';
import { customType, getTableConfig, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { DeclarationError } from '../../src/errors.js';
import { isPgCollation, pgCollation } from '../../src/schema/collation.js';
import { EXTENSION_HINTS, extensionHints } from '../../src/schema/extension-hints.js';
import { isPgExtension, pgExtension } from '../../src/schema/extension.js';
import { thrown } from '../support/errors.js';

describe('pgExtension()', () => {
  it('is a branded declaration, recognised by isPgExtension', () => {
    const trgm = pgExtension('pg_trgm', { schema: 'extensions' });
    expect(trgm).toMatchObject({ name: 'pg_trgm', schema: 'extensions' });
    expect(isPgExtension(trgm)).toBe(true);
    expect(isPgExtension({ name: 'pg_trgm', schema: undefined })).toBe(false);
    expect(isPgCollation(trgm)).toBe(false);
  });

  it('refuses a name PostgreSQL would truncate', () => {
    const e = thrown(() => pgExtension('x'.repeat(64)));
    expect(e).toBeInstanceOf(DeclarationError);
    expect(e.code).toBe('DECLARATION_NAME_INVALID');
    expect(e.message).toContain('64 bytes');
    expect(thrown(() => pgExtension('pg_trgm', { schema: '' })).code).toBe('DECLARATION_NAME_INVALID');
  });
});

describe('pgCollation()', () => {
  it('refuses a nondeterministic libc collation (PostgreSQL: nondeterministic needs icu)', () => {
    const e = thrown(() => pgCollation('ci', { provider: 'libc', locale: 'C', deterministic: false }));
    expect(e.code).toBe('COLLATION_NONDETERMINISTIC_LIBC');
    expect((e as DeclarationError).object).toBe('collation "ci"');
    expect(e.hint).toContain("provider: 'icu'");
  });

  it('refuses an unknown provider, an empty locale and a name over 63 bytes', () => {
    expect(thrown(() => pgCollation('ci', { provider: 'builtin' as 'icu', locale: 'C' })).code).toBe('COLLATION_PROVIDER_INVALID');
    expect(thrown(() => pgCollation('ci', { provider: 'icu', locale: ' ' })).code).toBe('COLLATION_LOCALE_INVALID');
    expect(thrown(() => pgCollation('é'.repeat(32), { provider: 'icu', locale: 'und' })).code).toBe('DECLARATION_NAME_INVALID');
  });

  it('hands out column types whose SQL type carries the quoted collation, which drizzle-kit writes verbatim', () => {
    const ci = pgCollation('case "insensitive"', { schema: 'app', provider: 'icu', locale: 'und-u-ks-level2', deterministic: false });
    const plain = pgCollation('c_order', { provider: 'libc', locale: 'C' });
    expect(ci.deterministic).toBe(false);
    expect(plain.deterministic).toBe(true);
    const users = pgTable('users', { email: ci.text('email').notNull(), handle: ci.column('varchar(40)')(), code: plain.text() });
    const types = Object.fromEntries(getTableConfig(users).columns.map((c) => [c.name, c.getSQLType()]));
    expect(types).toEqual({ email: 'text COLLATE "app"."case ""insensitive"""', handle: 'varchar(40) COLLATE "app"."case ""insensitive"""', code: 'text COLLATE "c_order"' });
  });
});

describe('extension hints', () => {
  const citext = customType<{ data: string }>({ dataType: () => 'citext' });
  const hstore = customType<{ data: Record<string, string> }>({ dataType: () => 'hstore' });
  const tables = {
    users: pgTable(
      'users',
      { id: integer().primaryKey(), name: text(), email: citext('email'), attrs: hstore('attrs'), at: timestamp({ withTimezone: true }), doc: jsonb(), slug: text().default(sql`unaccent('x')`) },
      (t) => [
        index('users_name_trgm').using('gin', t.name.op('gin_trgm_ops')),
        index('users_at_gist').using('gist', t.at),
        index('users_id_gin').using('gin', t.id),
        index('users_doc_gin').using('gin', t.doc),
        index('users_bloom').using('bloom', t.id),
        index('users_name_unaccent').on(sql`unaccent(${t.name})`),
        index('users_name_btree').on(t.name),
      ],
    ),
  };

  it('the rule table names one extension per rule', () => {
    expect(EXTENSION_HINTS.map((r) => r.extension)).toEqual(['pg_trgm', 'btree_gist', 'btree_gin', 'bloom', 'citext', 'hstore', 'unaccent', 'unaccent']);
  });

  it('names each undeclared extension the schema uses, with the uses and the declaration to add', () => {
    const hints = extensionHints(Object.values(tables), []);
    const byExt = Object.fromEntries(hints.map((h) => [/needs the (\w+) extension/.exec(h)![1], h]));
    expect(Object.keys(byExt).sort()).toEqual(['bloom', 'btree_gin', 'btree_gist', 'citext', 'hstore', 'pg_trgm', 'unaccent']);
    expect(byExt.pg_trgm).toContain('index "users_name_trgm" on "users" uses operator class gin_trgm_ops');
    expect(byExt.pg_trgm).toContain("export const pgTrgm = pgExtension('pg_trgm')");
    expect(byExt.btree_gist).toContain('gist index "users_at_gist"');
    // a gin index on jsonb needs nothing: only the integer one is named
    expect(byExt.btree_gin).toContain('gin index "users_id_gin"');
    expect(byExt.btree_gin).not.toContain('users_doc_gin');
    expect(byExt.citext).toContain('column "users"."email" is of type citext');
    expect(byExt.hstore).toContain('column "users"."attrs" is of type hstore');
    expect(byExt.unaccent).toContain('index "users_name_unaccent" on "users" calls unaccent()');
    expect(byExt.unaccent).toContain('column "users"."slug" calls unaccent() in its default');
  });

  it('says nothing about declared extensions, nor about plain btree indexes', () => {
    const declared = ['pg_trgm', 'btree_gist', 'btree_gin', 'bloom', 'citext', 'hstore', 'unaccent'].map((n) => pgExtension(n));
    expect(extensionHints(Object.values(tables), declared)).toEqual([]);
    const plain = pgTable('plain', { id: integer(), name: text() }, (t) => [index('plain_name').on(t.name), index('plain_id').using('hash', t.id)]);
    expect(extensionHints([plain, pgExtension('x'), 'not a table'], [])).toEqual([]);
  });
});
