/**
 * The migrator on a real server and on every driver: drizzle's bookkeeping written,
 * each migration in its transaction, a no-transaction migration's concurrent index
 * built on a partitioned table (sub-partitions too) while a writer inserts, leftovers
 * of a failed build rebuilt, and each refusal with its code.
 */
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { requireServerVersionSql } from '../../src/ddl/partition-ddl.js';
import { migrate, type MigrateOptions, type MigrateProgress } from '../../src/migrator/index.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { forEachDriver } from '../support/drivers.js';
import { createOn, EVENTS_COLUMNS, eventsTable } from '../support/fixtures.js';
import { apply, plan } from '../../src/index.js';
import { BREAK, partitionedTableSql, writeFolder } from './folders.js';

const db = useTestDatabase({ prefix: 'dp_migrator' });

const NO_TX = '-- drizzle-partitions: no-transaction';

/** Whether `index` is valid and every leaf partition of `table` has an index attached under it. */
async function indexCovers(run: (text: string) => Promise<Record<string, unknown>[]>, table: string, index: string): Promise<{ valid: boolean; leaves: number; indexedLeaves: number }> {
  const [r] = await run(
    `select (select indisvalid from pg_index where indexrelid = to_regclass('${index}')) as valid,
       (select count(*)::int from pg_partition_tree('${table}') where isleaf) as leaves,
       (select count(*)::int from pg_partition_tree('${index}') t join pg_index x on x.indexrelid = t.relid where t.isleaf and x.indisvalid) as indexed`,
  );
  return { valid: r!.valid as boolean, leaves: r!.leaves as number, indexedLeaves: r!.indexed as number };
}

forEachDriver('migrate()', (get, driver) => {
  it('applies a journal folder (a transactional migration, then a no-transaction one), records it as drizzle does, and finds nothing pending after', async () => {
    const h = get();
    const t = `ev_${driver.slug}`;
    const schema = `mig_${driver.slug}`;
    const folder = writeFolder('journal', [
      { id: '0000_init', sql: partitionedTableSql(t, 4).join(BREAK) },
      {
        id: '0001_index',
        sql: [
          NO_TX,
          `CREATE INDEX CONCURRENTLY "${t}_v_idx" ON "${t}" USING btree ("v");`,
          `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${t}_p0_id" ON "${t}_p0" USING btree ("id");`,
          `ALTER TABLE "${t}_p0" ADD CONSTRAINT "${t}_p0_v" CHECK ("v" >= 0) NOT VALID;`,
          `ALTER TABLE "${t}_p0" VALIDATE CONSTRAINT "${t}_p0_v";`,
        ].join(BREAK),
      },
    ]);
    const events: MigrateProgress[] = [];
    const opts: MigrateOptions = { migrationsFolder: folder, migrationsSchema: schema, onProgress: (e) => events.push(e) };
    const first = await migrate(h.db, opts);
    expect(first.applied.map((m) => [m.id, m.mode])).toEqual([['0000_init', 'transaction'], ['0001_index', 'no-transaction']]);
    expect(await indexCovers(h.direct, t, `${t}_v_idx`)).toEqual({ valid: true, leaves: 6, indexedLeaves: 6 });
    expect(events.filter((e) => e.phase === 'recorded').map((e) => e.migration)).toEqual(['0000_init', '0001_index']);
    expect(events.some((e) => e.phase === 'step' && e.message.includes('is partitioned; PostgreSQL cannot build its index concurrently'))).toBe(true);
    const rows = await h.direct(`select hash, created_at::text as c from "${schema}"."__drizzle_migrations" order by id`);
    expect(rows.map((r) => r.c)).toEqual(['1000', '2000']);
    const again = await migrate(h.db, opts);
    expect(again).toMatchObject({ applied: [], alreadyApplied: 2 });
  });
});

describe('migrate() on postgres.js', () => {
  const folderOf = (...migrations: Parameters<typeof writeFolder>[1]) => writeFolder('journal', migrations);
  const count = async (schema: string) => (await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${schema}"."__drizzle_migrations"`))[0]!.n;

  // issue 11's acceptance size (its stall figure comes from bench scenario 7, not from a timed test)
  it('builds the index of a partitioned table of 20 partitions (sub-partitions too) and 1M rows while a writer inserts: no insert fails, the index is valid on every partition', { timeout: 240_000 }, async () => {
    await db.sql.unsafe(partitionedTableSql('busy', 20).join('\n'));
    await db.sql.unsafe(`insert into busy (id, at, v) select g, g % 20000, g % 97 from generate_series(1, 1000000) g`);
    const database = databaseFromUrl(db.url);
    const writer = postgres(db.url, { ...(database ? { database } : {}), max: 1, onnotice: () => {} });
    let stop = false;
    let inserted = 0;
    const errors: unknown[] = [];
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await writer.unsafe('insert into busy (id, at, v) values ($1::int8, $2::int, 1)', [10_000_000 + i, (i * 7919) % 20000]);
          inserted++;
        } catch (e) {
          errors.push(e);
        }
      }
    })();
    try {
      const folder = folderOf({ id: '0000_busy_index', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY "busy_v_idx" ON "busy" USING btree ("v");` });
      const r = await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_busy' });
      expect(r.applied).toHaveLength(1);
    } finally {
      stop = true;
      await loop;
      await writer.end({ timeout: 5 });
    }
    expect(errors).toEqual([]);
    expect(inserted).toBeGreaterThan(0);
    expect(await indexCovers((t) => db.sql.unsafe(t), 'busy', 'busy_v_idx')).toEqual({ valid: true, leaves: 22, indexedLeaves: 22 });
  });

  it('partitions maintenance creates after the build get the index through the parent (rows of one of them moved out of the default partition)', async () => {
    const t = eventsTable('later', { interval: '1 day', premake: 3 });
    await createOn(db.sql, t, EVENTS_COLUMNS);
    const now = new Date('2026-03-10T12:00:00Z');
    // rows of the day after tomorrow wait in the default partition: that partition is made beside the parent and attached
    await db.sql.unsafe(`insert into later (id, at, payload) select g, '2026-03-12 06:00:00+00', 'x' from generate_series(1, 20) g`);
    const folder = folderOf({ id: '0000_later_index', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "later_payload_idx" ON "later" USING btree ("payload");` });
    await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_later' });
    expect(await indexCovers((q) => db.sql.unsafe(q), 'later', 'later_payload_idx')).toEqual({ valid: true, leaves: 1, indexedLeaves: 1 });
    const result = await apply(db.sql, await plan(db.sql, [t], { now }), { now });
    expect(result.results.map((r) => [r.op.partition.name, r.status, r.movedRows ?? 0])).toEqual([
      ['later_p20260310', 'done', 0],
      ['later_p20260311', 'done', 0],
      ['later_p20260312', 'done', 20],
      ['later_p20260313', 'done', 0],
    ]);
    expect(await indexCovers((q) => db.sql.unsafe(q), 'later', 'later_payload_idx')).toEqual({ valid: true, leaves: 5, indexedLeaves: 5 });
  });

  it('a rerun rebuilds the invalid index a failed build left, keeps what is attached, and drops a partitioned index plainly (PostgreSQL cannot drop one concurrently)', async () => {
    await db.sql.unsafe(partitionedTableSql('redo', 4).join('\n'));
    // what a build killed on its second partition leaves: the parent's index ON ONLY, one partition's attached, one invalid
    await db.sql.unsafe(`CREATE INDEX "redo_v_idx" ON ONLY "redo" ("v")`);
    await db.sql.unsafe(`CREATE INDEX "redo_p0_redo_v_idx" ON "redo_p0" ("v")`);
    await db.sql.unsafe(`ALTER INDEX "redo_v_idx" ATTACH PARTITION "redo_p0_redo_v_idx"`);
    await db.sql.unsafe(`CREATE INDEX "redo_p1_redo_v_idx" ON "redo_p1" ("v")`);
    await db.sql.unsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'redo_p1_redo_v_idx'::regclass`);
    const p0 = (await db.sql`select 'redo_p0_redo_v_idx'::regclass::oid::int as o`)[0]!.o;
    const events: string[] = [];
    const folder = folderOf(
      { id: '0000_idx', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY "redo_v_idx" ON "redo" USING btree ("v");` },
      { id: '0001_drop', sql: `${NO_TX}\nDROP INDEX CONCURRENTLY "redo_v_idx";` },
    );
    await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_redo', onProgress: (e) => events.push(e.message) });
    expect(events).toContainEqual(expect.stringContaining('redo_p1_redo_v_idx: left invalid by an earlier build; dropped concurrently to build again'));
    expect(events).toContainEqual(expect.stringContaining('PostgreSQL cannot drop a partitioned index concurrently; plain DROP INDEX instead'));
    expect(events.filter((e) => e.includes('redo_p0_redo_v_idx'))).toEqual([]); // attached and valid: left alone
    expect(p0).toBeGreaterThan(0);
    const left = await db.sql`select count(*)::int as n from pg_class where relname like 'redo%idx'`;
    expect(left[0]!.n).toBe(0);
    expect(await count('mig_redo')).toBe(2);
  });

  it('MIGRATION_FAILED: the failing migration rolls back and is not recorded; those before it stay applied', async () => {
    const folder = folderOf(
      { id: '0000_ok', sql: 'CREATE TABLE "f_ok" ("id" int);' },
      { id: '0001_bad', sql: `CREATE TABLE "f_half" ("id" int);${BREAK}SELECT no_such_function();` },
    );
    const err = await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_fail' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MIGRATION_FAILED', migration: '0001_bad', message: expect.stringContaining('statement 2 of 2 (SELECT no_such_function();)') });
    expect(await count('mig_fail')).toBe(1);
    expect((await db.sql`select to_regclass('f_half') is null as gone`)[0]!.gone).toBe(true);
  });

  it('SERVER_TOO_OLD: a pending migration the server cannot run stops everything before any statement runs', async () => {
    const folder = folderOf(
      { id: '0000_fine', sql: 'CREATE TABLE "old_fine" ("id" int);' },
      { id: '0001_future', sql: requireServerVersionSql(990000, 'time travel') },
    );
    const err = await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_old' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVER_TOO_OLD', message: expect.stringContaining('0001_future: time travel need(s) PostgreSQL 99 or later') });
    expect((await db.sql`select to_regclass('old_fine') is null as none`)[0]!.none).toBe(true);
  });

  it("SINGLE_TRANSACTION_REFUSED: transaction 'all' with a no-transaction migration pending; without it, all in one transaction as drizzle does", async () => {
    const folder = folderOf({ id: '0000_a', sql: 'CREATE TABLE "one_a" ("id" int);' }, { id: '0001_b', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY "one_a_i" ON "one_a" ("id");` });
    await expect(migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_one', transaction: 'all' })).rejects.toMatchObject({ code: 'SINGLE_TRANSACTION_REFUSED', migration: '0001_b' });
    const plain = folderOf({ id: '0000_a', sql: 'CREATE TABLE "one_b" ("id" int);' }, { id: '0001_b', sql: 'CREATE TABLE "one_c" ("id" int);' });
    const r = await migrate(db.sql, { migrationsFolder: plain, migrationsSchema: 'mig_one', transaction: 'all' });
    expect(r.applied.map((m) => m.mode)).toEqual(['single-transaction', 'single-transaction']);
  });

  it('MIGRATOR_BUSY: one migrator at a time', async () => {
    const holder = postgres(db.url, { ...(databaseFromUrl(db.url) ? { database: databaseFromUrl(db.url)! } : {}), max: 1, onnotice: () => {} });
    try {
      await holder`select pg_advisory_lock(${0x44505254}::int4, hashtext('mig_busy2.__drizzle_migrations'))`;
      const folder = folderOf({ id: '0000_a', sql: 'CREATE TABLE "busy2" ("id" int);' });
      await expect(migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_busy2', waitForMigratorMs: 300 })).rejects.toMatchObject({ code: 'MIGRATOR_BUSY' });
    } finally {
      await holder.end({ timeout: 5 });
    }
  });

  it('INDEX_NAME_REQUIRED and INDEX_NAME_TAKEN for a concurrent index on a partitioned table', async () => {
    await db.sql.unsafe(partitionedTableSql('named', 2).join('\n'));
    await db.sql.unsafe('CREATE TABLE "named_taken" ("id" int)');
    const unnamed = folderOf({ id: '0000_x', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY ON "named" ("v");` });
    await expect(migrate(db.sql, { migrationsFolder: unnamed, migrationsSchema: 'mig_named1' })).rejects.toMatchObject({ code: 'INDEX_NAME_REQUIRED', migration: '0000_x' });
    const taken = folderOf({ id: '0000_y', sql: `${NO_TX}\nCREATE INDEX CONCURRENTLY "named_taken" ON "named" ("v");` });
    await expect(migrate(db.sql, { migrationsFolder: taken, migrationsSchema: 'mig_named2' })).rejects.toMatchObject({ code: 'INDEX_NAME_TAKEN', message: expect.stringContaining('public.named_taken') });
  });

  it('MIGRATIONS_TABLE_MISMATCH: a 0.45 table upgraded for a folder layout names every row after its migration, or refuses as drizzle-orm 1.0 does', async () => {
    const folder = writeFolder('folders', [{ id: '20260101000000_a', sql: 'CREATE TABLE "up_a" ("id" int);' }, { id: '20260102000000_b', sql: 'CREATE TABLE "up_b" ("id" int);' }]);
    await db.sql.unsafe('CREATE SCHEMA mig_up; CREATE TABLE mig_up.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    await db.sql.unsafe(`INSERT INTO mig_up.__drizzle_migrations (hash, created_at) VALUES ('whatever', ${Date.UTC(2026, 0, 1)})`);
    const r = await migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_up' });
    expect(r.applied.map((m) => m.id)).toEqual(['20260102000000_b']);
    expect((await db.sql.unsafe('select name from mig_up.__drizzle_migrations order by id')).map((x) => x.name)).toEqual(['20260101000000_a', '20260102000000_b']);
    await db.sql.unsafe('CREATE SCHEMA mig_up2; CREATE TABLE mig_up2.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    await db.sql.unsafe(`INSERT INTO mig_up2.__drizzle_migrations (hash, created_at) VALUES ('unknown', 5)`);
    await expect(migrate(db.sql, { migrationsFolder: folder, migrationsSchema: 'mig_up2' })).rejects.toMatchObject({ code: 'MIGRATIONS_TABLE_MISMATCH' });
  });
});
