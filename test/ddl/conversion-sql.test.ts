/**
 * The SQL of an online conversion, run on PostgreSQL with a name that needs every kind
 * of quoting (a quote, a double quote, a percent sign, a line break): the note changes
 * nothing, and the guard stops a plain (or missing) table with the sentence and lets a
 * partitioned one through.
 */
import { describe, expect, it } from 'vitest';
import { conversionNoteSql, requirePartitionedSql } from '../../src/ddl/conversion-sql.js';
import { quoteQualified } from '../../src/sql/quote.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase({ prefix: 'dp_conv_sql' });
const table = { schema: 'public', name: `ev'e"nt%s\nx` };

describe('conversion SQL', () => {
  it('the note is a one-line comment and a notice; the guard refuses a plain or missing table and passes a partitioned one', async () => {
    const note = conversionNoteSql(table, 'to-partitioned');
    expect(note.split('\n')[0]).toBe(`-- drizzle-partitions: "public"."ev'e""nt%s x" becomes partitioned online: run drizzle-partitions convert apply --table public.ev'e"nt%s x`);
    expect(note.split('\n')[1]).toMatch(/^DO \$drizzle_partitions\$ BEGIN RAISE NOTICE/); // the DO block's literal keeps the line breaks
    await db.sql.unsafe(note);

    const guard = requirePartitionedSql(table);
    const sentence = `drizzle-partitions: table public.${table.name} is not partitioned yet: run drizzle-partitions convert apply --table public.${table.name}, then migrate again`;
    await expect(db.sql.unsafe(guard)).rejects.toThrow(sentence);
    await db.sql.unsafe(`CREATE TABLE ${quoteQualified(table)} (at date NOT NULL)`);
    await expect(db.sql.unsafe(guard)).rejects.toThrow(sentence);
    await db.sql.unsafe(`DROP TABLE ${quoteQualified(table)}; CREATE TABLE ${quoteQualified(table)} (at date NOT NULL) PARTITION BY RANGE (at)`);
    await db.sql.unsafe(guard);
  });
});
