/**
 * ensurePartitions' refusals on real PostgreSQL: a value whose readable name
 * (`<table>_<value>`) and hashed fallback are both taken by unrelated tables
 * (NAME_TAKEN), a table that is not LIST-partitioned, and one that is not
 * partitioned at all. Each refusal names the table and what is in the way, and
 * changes nothing: no partition created (not even for the other values of the call),
 * no row moved, the unrelated tables left as they were.
 */
import { describe, expect, it } from 'vitest';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ensurePartitions, listPartitions } from '../../src/index.js';
import { hashedName } from '../../src/runtime/partition-names.js';
import { useTestDatabase } from '../harness/db.js';
import { rejected } from '../support/errors.js';
import { createOn, eventsTable, EVENTS_COLUMNS, tenantsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const TENANT_COLUMNS = `"tenant" text NOT NULL, "n" integer`;

/** What a refusal must leave alone: the tree, where each row is, and every table of the schema with its comment. */
async function observe(table: Parameters<typeof listPartitions>[1]) {
  const tree = await listPartitions(db.sql, table);
  const rows = await db.sql.unsafe<{ t: string; tenant: string }[]>(`select tableoid::regclass::text as t, tenant from "${tree.table.name}" order by tenant`);
  const relations = await db.sql<{ name: string; attached: boolean; comment: string | null }[]>`
    select c.relname as name, c.relispartition as attached, obj_description(c.oid, 'pg_class') as comment
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`;
  return { partitions: tree.partitions.map((p) => [p.name, p.boundText]), rows: [...rows], relations: [...relations] };
}

describe('ensurePartitions: names', () => {
  it('NAME_TAKEN: the readable name and its hashed fallback both belong to unrelated tables', async () => {
    const t = tenantsTable('tn_taken');
    await createOn(db.sql, t, TENANT_COLUMNS);
    await db.sql`insert into tn_taken values ('acme', 1), ('globex', 2)`;
    const readable = 'tn_taken_acme';
    const hashed = hashedName(readable, 'acme');
    expect(hashed).toMatch(/^tn_taken_acme_[0-9a-f]{8}$/);
    await db.sql.unsafe(`CREATE TABLE "${readable}" (note text)`); // somebody else's tables
    await db.sql.unsafe(`CREATE TABLE "${hashed}" (note text)`);
    await db.sql.unsafe(`INSERT INTO "${hashed}" VALUES ('theirs')`);
    const before = await observe(t);

    // 'globex' comes first and has a free name: it is not created either
    const e = await rejected(ensurePartitions(db.sql, t, ['globex', 'acme']));
    expect(e.code).toBe('NAME_TAKEN');
    expect(e.message).toContain('ensurePartitions(public.tn_taken)');
    expect(e.message).toContain(`tables named ${readable} and ${hashed} already exist`);
    expect(e.message).toContain('the value acme has no name left');
    expect(e.hint).toBe('rename or drop those tables');

    expect(await observe(t)).toEqual(before);
    expect(before.partitions.map(([name]) => name).sort()).toEqual(['tn_taken_default', 'tn_taken_seed']);
    expect(before.rows).toEqual([
      { t: 'tn_taken_default', tenant: 'acme' },
      { t: 'tn_taken_default', tenant: 'globex' },
    ]);
    const [theirs] = await db.sql.unsafe<{ note: string }[]>(`select note from "${hashed}"`);
    expect(theirs).toEqual({ note: 'theirs' });
  });

  it('only the readable name taken: the value gets the hashed name that NAME_TAKEN would report', async () => {
    const t = tenantsTable('tn_half');
    await createOn(db.sql, t, TENANT_COLUMNS);
    await db.sql.unsafe(`CREATE TABLE "tn_half_acme" (note text)`);
    const r = await ensurePartitions(db.sql, t, ['acme']);
    expect(r.results.map((x) => [x.op.partition.name, x.status])).toEqual([[hashedName('tn_half_acme', 'acme'), 'done']]);
  });
});

describe('ensurePartitions: tables it cannot work on', () => {
  it('NOT_LIST_PARTITIONED: a RANGE-partitioned table', async () => {
    const t = eventsTable('ev_range', { interval: '1 day', premake: 1 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const before = await listPartitions(db.sql, t);
    const e = await rejected(ensurePartitions(db.sql, t, ['2026-01-01']));
    expect(e.code).toBe('NOT_LIST_PARTITIONED');
    expect(e.message).toContain('public.ev_range is RANGE (at)');
    expect((await listPartitions(db.sql, t)).partitions).toEqual(before.partitions);
  });

  it('NOT_PARTITIONED: a plain table of the database, by name', async () => {
    await db.sql.unsafe(`CREATE TABLE "tn_plain" (tenant text NOT NULL)`);
    const e = await rejected(ensurePartitions(db.sql, { name: 'tn_plain' }, ['acme']));
    expect(e.code).toBe('NOT_PARTITIONED');
    expect(e.message).toContain('table "public.tn_plain" is not a partitioned table in this database');
    const [made] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname like 'tn_plain_%'`;
    expect(made!.n).toBe(0);
  });

  it('NOT_PARTITIONED: a drizzle table not defined as partitioned', async () => {
    const plain = pgTable('tn_plain_drizzle', { tenant: text().notNull(), n: integer() });
    const e = await rejected(ensurePartitions(db.sql, plain, ['acme']));
    expect(e.code).toBe('NOT_PARTITIONED');
    expect(e.message).toContain('"tn_plain_drizzle" was not defined with pgPartitionedTable() or partitioned()');
  });
});

describe('ensurePartitions: values', () => {
  it('VALUE_INVALID: a value the key\'s type cannot hold, named with the table; nothing created', async () => {
    const { list, pgPartitionedTable } = await import('../../src/index.js');
    const t = pgPartitionedTable('tn_shard', { shard: integer().notNull(), note: text() }, (c) => list(c.shard, { partitions: [{ values: [1] }] }));
    await createOn(db.sql, t, `"shard" integer NOT NULL, "note" text`);
    const before = (await listPartitions(db.sql, t)).partitions.map((p) => p.name);
    const e = await rejected(ensurePartitions(db.sql, t, [2, 'two' as never]));
    expect(e.code).toBe('VALUE_INVALID');
    expect(e.message).toContain('ensurePartitions(public.tn_shard)');
    expect(e.message).toContain('two');
    expect((await listPartitions(db.sql, t)).partitions.map((p) => p.name)).toEqual(before);
  });
});
