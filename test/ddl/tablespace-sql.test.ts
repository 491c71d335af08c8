/**
 * The SQL of tablespace moves and of manual attaches, golden: every name through
 * the quoting module, a hostile name kept whole.
 */
import { describe, expect, it } from 'vitest';
import { localDefaultTablespaceSql, setIndexTablespaceSql, setTablespaceSql, validateConstraintSql } from '../../src/ddl/maintenance-sql.js';

describe('tablespace and attach SQL', () => {
  it('renders each statement with quoted names', () => {
    expect(setTablespaceSql({ schema: 'public', name: 'events_p20250101' }, 'cold')).toBe('ALTER TABLE "public"."events_p20250101" SET TABLESPACE "cold";');
    expect(setIndexTablespaceSql({ schema: 'public', name: 'events_p20250101_pkey' }, 'cold')).toBe('ALTER INDEX "public"."events_p20250101_pkey" SET TABLESPACE "cold";');
    expect(localDefaultTablespaceSql('fast')).toBe("SET LOCAL default_tablespace = 'fast'");
    expect(validateConstraintSql({ schema: 'public', name: 'imp' }, 'drizzle_partitions_bound')).toBe('ALTER TABLE "public"."imp" VALIDATE CONSTRAINT "drizzle_partitions_bound";');
  });

  it('keeps a hostile name whole', () => {
    expect(setIndexTablespaceSql({ schema: 'a.b', name: 'x"; drop table t; --' }, `o'k`)).toBe(`ALTER INDEX "a.b"."x""; drop table t; --" SET TABLESPACE "o'k";`);
    expect(localDefaultTablespaceSql(`o'k`)).toBe(`SET LOCAL default_tablespace = 'o''k'`);
  });
});
