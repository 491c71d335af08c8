/**
 * Adversarial cases of the online conversion: a column the user adds while the copy
 * runs, REPEATABLE READ writers and readers whose snapshot predates the copy, TRUNCATE,
 * identity/generated/dropped columns, prepared statements across the swap, a writer
 * open while the capture is installed, writes racing the copy, serial ids.
 */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { convertTable, RuntimeError, undoConversion } from '../../src/index.js';
import { createConversionsTableSql } from '../../src/ddl/conversions-record-sql.js';
import { databaseFromUrl } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';
import { waitUntil } from '../support/concurrency.js';
import { eventsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-03-27T12:00:00Z');

async function plainEvents(name: string, rows: number): Promise<void> {
  await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
  await db.sql.unsafe(`insert into ${name} select g, timestamptz '2026-03-20' + g * interval '1 minute', 'p' || g from generate_series(1, ${rows}) g`);
}

/** Rows of `name` and of its copy that the other lacks (0: equal). */
async function copyDiff(name: string): Promise<number> {
  const [diff] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ((table ${name} except all table ${name}_dp_new) union all (table ${name}_dp_new except all table ${name})) d`);
  return diff!.n;
}

/**
 * Copies `name` once (change capture in place), then winds the copy back to before
 * its first batch (copy and tombstones emptied, the record at the start): the next
 * convertTable copies again from the first key, and the test places a writer exactly
 * around that batch.
 */
async function copiedThenRewound(name: string): Promise<void> {
  await convertTable(db.sql, eventsTable(name, { interval: '1 day', premake: 1 }), { now: NOW, stopAfter: 'copied', batchRows: 10 });
  await db.sql.unsafe(`truncate ${name}_dp_new, drizzle_partitions.del_public_${name}`);
  await db.sql.unsafe(`update drizzle_partitions.conversions set phase = 'shadow-created', last_key = null, rows_copied = 0 where table_name = '${name}'`);
}

/** Whether a session of this database other than ours waits for a lock, with its query. */
async function waitingOnLock(like: string): Promise<boolean> {
  const [r] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and query like $1`, [like]);
  return r!.n > 0;
}

describe('convert, adversarial', () => {
  it('a delete not yet committed when a batch reads its row: the batch waits for it and removes the row it copied (no resurrection)', async () => {
    const name = 'cva_del_open';
    await plainEvents(name, 40);
    await copiedThenRewound(name);
    const w = await db.sql.reserve();
    try {
      await w.unsafe('begin');
      expect((await w.unsafe(`delete from ${name} where id = 5`)).count).toBe(1);
      // the batch's snapshot still sees row 5; its insert meets the writer's probe and waits
      const copy = convertTable(db.sql, eventsTable(name, { interval: '1 day', premake: 1 }), { now: NOW, stopAfter: 'copied', batchRows: 10 });
      await waitUntil('the batch to wait for the writer', () => waitingOnLock('%WITH ins AS (INSERT%'));
      await w.unsafe('commit');
      expect((await copy).phase).toBe('copied');
    } finally {
      await w.unsafe('rollback').catch(() => undefined);
      w.release();
    }
    const [five] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${name}_dp_new where id = 5`);
    expect(five!.n).toBe(0);
    expect(await copyDiff(name)).toBe(0);
  });

  it('a delete of a row a batch has copied and not committed: the writer waits for the batch, then deletes the copied row', async () => {
    const name = 'cva_del_copied';
    await plainEvents(name, 40);
    await copiedThenRewound(name);
    // holding the record's row keeps the first batch open after its insert
    const hold = await db.sql.reserve();
    const w = await db.sql.reserve();
    try {
      await hold.unsafe('begin');
      await hold.unsafe(`select 1 from drizzle_partitions.conversions where table_name = '${name}' for update`);
      // (a lock_timeout longer than the test: the batch must not give up and start again)
      const copy = convertTable(db.sql, eventsTable(name, { interval: '1 day', premake: 1 }), { now: NOW, stopAfter: 'copied', batchRows: 10, lockTimeoutMs: 60_000 });
      await waitUntil('the batch to have inserted and wait for the record', () => waitingOnLock('%WITH ins AS (INSERT%'));
      const deleted = w.unsafe(`delete from ${name} where id = 5`).then((r) => r); // sent now (postgres.js sends on then)
      await waitUntil('the writer to wait for the batch', () => waitingOnLock(`delete from ${name}%`));
      await hold.unsafe('commit');
      expect((await deleted).count).toBe(1);
      expect((await copy).phase).toBe('copied');
    } finally {
      await hold.unsafe('rollback').catch(() => undefined);
      hold.release();
      w.release();
    }
    const [five] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${name}_dp_new where id = 5`);
    expect(five!.n).toBe(0);
    expect(await copyDiff(name)).toBe(0);
  });

  it('a cascade from the table its foreign key points at deletes rows not yet copied, and rows after the swap: every delete goes through, the copy and the original stay equal', async () => {
    const name = 'cva_cascade';
    await db.sql.unsafe(`create table cva_owner (id bigint primary key)`);
    await db.sql.unsafe(`insert into cva_owner select g from generate_series(1, 40) g`);
    await plainEvents(name, 40);
    await db.sql.unsafe(`alter table ${name} add column owner_id bigint references cva_owner on delete cascade`);
    await db.sql.unsafe(`update ${name} set owner_id = id`);
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await copiedThenRewound(name);
    // before any batch: the cascade deletes a row the copy does not hold yet
    expect((await db.sql.unsafe(`delete from cva_owner where id = 5`)).count).toBe(1);
    // while a batch waits for a cascade still open, and after: its batch meets the missing parent
    const w = await db.sql.reserve();
    try {
      await w.unsafe('begin');
      expect((await w.unsafe(`delete from cva_owner where id = 15`)).count).toBe(1);
      const copy = convertTable(db.sql, t, { now: NOW, stopAfter: 'copied', batchRows: 10 });
      await waitUntil('a batch to wait for the cascade', () => waitingOnLock('%WITH ins AS (INSERT%'));
      await w.unsafe('commit');
      expect((await copy).phase).toBe('copied');
    } finally {
      await w.unsafe('rollback').catch(() => undefined);
      w.release();
    }
    expect(await copyDiff(name)).toBe(0);
    const r = await convertTable(db.sql, t, { now: NOW });
    expect(r.phase).toBe('swapped');
    // after the swap the original is kept in step: a cascade reaches both
    expect((await db.sql.unsafe(`delete from cva_owner where id = 25`)).count).toBe(1);
    const [n] = await db.sql.unsafe<{ live: number; old: number }[]>(`select (select count(*)::int from ${name}) as live, (select count(*)::int from ${name}_dp_old) as old`);
    expect(n).toEqual({ live: 37, old: 37 });
  });

  it('a DEFERRABLE primary key: refused before anything is made (the upserts could not use it)', async () => {
    const name = 'cva_deferrable';
    await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text, constraint ${name}_pkey primary key (id, at) deferrable)`);
    await expect(convertTable(db.sql, eventsTable(name, { interval: '1 day', premake: 1 }), { now: NOW })).rejects.toMatchObject({ code: 'CONVERT_DEFERRABLE_KEY', message: expect.stringContaining(`${name}_pkey`) });
    expect((await db.sql.unsafe<{ r: string | null }[]>(`select to_regclass('${name}_dp_new')::text as r`))[0]!.r).toBeNull();
  });

  it('writes made with session_replication_role = replica (a subscription, pg_restore) reach the copy, and the original after the swap', async () => {
    const name = 'cva_replica';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 30);
    await convertTable(db.sql, t, { now: NOW, stopAfter: 'copied' });
    const replica = await db.sql.reserve();
    try {
      await replica.unsafe(`set session_replication_role = replica`);
      await replica.unsafe(`insert into ${name} values (1001, '2026-03-21', 'replica')`);
      await replica.unsafe(`update ${name} set payload = 'changed' where id = 2`);
      await replica.unsafe(`delete from ${name} where id = 3`);
      expect(await copyDiff(name)).toBe(0);
      expect((await convertTable(db.sql, t, { now: NOW })).phase).toBe('swapped');
      await replica.unsafe(`insert into ${name} values (1002, '2026-03-21', 'replica after')`);
      await replica.unsafe(`delete from ${name} where id = 4`);
    } finally {
      await replica.unsafe('reset session_replication_role').catch(() => undefined);
      replica.release();
    }
    const diff = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ((table ${name} except all table ${name}_dp_old) union all (table ${name}_dp_old except all table ${name})) d`);
    expect(diff[0]!.n).toBe(0);
  });

  it('a writer holding a key ahead of a batch that then waits for a row the batch wrote: the batch gives up first, the writer never meets a deadlock error', async () => {
    const name = 'cva_deadlock';
    await plainEvents(name, 40);
    await copiedThenRewound(name);
    const database = databaseFromUrl(db.url);
    // deadlock_timeout 3 s everywhere; the step's lock_timeout 20 s would outlast it,
    // so only the copy's own bound (a fifth of deadlock_timeout) lets the batch give up first
    const converter = postgres(db.url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, connection: { deadlock_timeout: '3s' } });
    const w = await db.sql.reserve();
    try {
      await w.unsafe(`set deadlock_timeout = '3s'`);
      await w.unsafe('begin');
      expect((await w.unsafe(`update ${name} set payload = 'w' where id = 8`)).count).toBe(1); // ahead of the batch
      const copy = convertTable(converter, eventsTable(name, { interval: '1 day', premake: 1 }), { now: NOW, stopAfter: 'copied', batchRows: 10, lockTimeoutMs: 20_000, maxWaitShare: 0.5 });
      await waitUntil('the batch to wait for the writer at key 8', () => waitingOnLock('%WITH ins AS (INSERT%'));
      const second = w.unsafe(`update ${name} set payload = 'w' where id = 2`).then((r) => r.count, (e: { code?: string }) => e.code); // a row the batch wrote
      expect(await second).toBe(1);
      await w.unsafe('commit');
      expect((await copy).phase).toBe('copied');
    } finally {
      await w.unsafe('rollback').catch(() => undefined);
      await w.unsafe('reset deadlock_timeout').catch(() => undefined);
      w.release();
      await converter.end();
    }
    expect(await copyDiff(name)).toBe(0);
  });

  it('a column added to the table while it is copied: the swap refuses (typed error), nothing swapped, the column kept', async () => {
    const name = 'cva_addcol';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 50);
    await convertTable(db.sql, t, { now: NOW, stopAfter: 'copied' });
    await db.sql.unsafe(`alter table ${name} add column extra text`);
    await db.sql.unsafe(`insert into ${name} values (1000, '2026-03-21', 'x', 'kept')`);
    const err = await convertTable(db.sql, t, { now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('CONVERT_COLUMNS_CHANGED');
    expect((err as Error).message).toContain('extra');
    const [r] = await db.sql.unsafe<{ k: string; extra: string }[]>(`select (select relkind::text from pg_class where oid = '${name}'::regclass) as k, (select extra from ${name} where id = 1000) as extra`);
    expect(r).toEqual({ k: 'r', extra: 'kept' });
    // a column's type changed: refused too
    await db.sql.unsafe(`alter table ${name} drop column extra`);
    await db.sql.unsafe(`alter table ${name} alter column payload type varchar(50)`);
    await expect(convertTable(db.sql, t, { now: NOW })).rejects.toMatchObject({ code: 'CONVERT_COLUMNS_CHANGED', message: expect.stringContaining('payload character varying(50)') });
  });

  it('a column added to the converted table after the swap: undo refuses (typed error) rather than lose it', async () => {
    const name = 'cva_addcol_undo';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 20);
    await convertTable(db.sql, t, { now: NOW });
    await db.sql.unsafe(`alter table ${name} add column extra text`);
    await db.sql.unsafe(`insert into ${name} values (1000, '2026-03-21', 'x', 'kept')`);
    await expect(undoConversion(db.sql, { schema: 'public', name })).rejects.toMatchObject({ code: 'CONVERT_COLUMNS_CHANGED' });
    const [r] = await db.sql.unsafe<{ k: string; extra: string }[]>(`select (select relkind::text from pg_class where oid = '${name}'::regclass) as k, (select extra from ${name} where id = 1000) as extra`);
    expect(r).toEqual({ k: 'p', extra: 'kept' });
  });

  it('a REPEATABLE READ writer whose snapshot predates a copy batch: its delete fails to be retried (40001), never leaves the row in the copy', async () => {
    const name = 'cva_rr';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 40);
    const [rr1, rr2] = [await db.sql.reserve(), await db.sql.reserve()];
    try {
      for (const rr of [rr1, rr2]) {
        await rr.unsafe('begin isolation level repeatable read');
        await rr.unsafe(`select count(*) from ${name}`);
      }
      await convertTable(db.sql, t, { now: NOW, stopAfter: 'copied', batchRows: 10 });
      // deleting, or re-keying, a row the copy wrote after the snapshot
      const failed = (e: { code?: string }) => e.code;
      expect(await rr1.unsafe(`delete from ${name} where id = 5`).then((r) => `deleted ${r.count}`, failed)).toBe('40001');
      expect(await rr2.unsafe(`update ${name} set id = 7000 where id = 6`).then((r) => `updated ${r.count}`, failed)).toBe('40001');
      await rr1.unsafe('rollback');
      await rr2.unsafe('rollback');
      // retried with a fresh snapshot, both go through
      await rr1.unsafe('begin isolation level repeatable read');
      expect((await rr1.unsafe(`delete from ${name} where id = 5`)).count).toBe(1);
      expect((await rr1.unsafe(`update ${name} set id = 7000 where id = 6`)).count).toBe(1);
      await rr1.unsafe('commit');
    } finally {
      for (const rr of [rr1, rr2]) {
        await rr.unsafe('rollback').catch(() => undefined);
        rr.release();
      }
    }
    const r = await convertTable(db.sql, t, { now: NOW });
    expect(r.verification!.rows).toBe(39);
    const [row] = await db.sql.unsafe<{ five: number; six: number; seven: number }[]>(`select count(*) filter (where id = 5)::int as five, count(*) filter (where id = 6)::int as six, count(*) filter (where id = 7000)::int as seven from ${name}`);
    expect(row).toEqual({ five: 0, six: 0, seven: 1 });
  });

  it('a REPEATABLE READ reader whose snapshot predates the copy and first reads the table after the swap sees every row', async () => {
    const name = 'cva_rr_reader';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 50);
    const rr = await db.sql.reserve();
    try {
      await rr.unsafe('begin isolation level repeatable read');
      await rr.unsafe('select 1'); // the snapshot, taken before the copy
      let verified!: () => void;
      const atVerified = new Promise<void>((r) => (verified = r));
      const conv = convertTable(db.sql, t, { now: NOW, batchRows: 20, onProgress: (e) => e.phase === 'verified' && verified() });
      await atVerified;
      await new Promise((r) => setTimeout(r, 300)); // time for a swap that would not wait
      const [{ n }] = (await rr.unsafe(`select count(*)::int as n from ${name}`)) as unknown as [{ n: number }];
      expect(n).toBe(50);
      await rr.unsafe('commit');
      expect((await conv).phase).toBe('swapped');
    } finally {
      await rr.unsafe('rollback').catch(() => undefined);
      rr.release();
    }
  });

  it('a snapshot older than the copy held by a session of another role (details hidden from the converter): the swap waits for it, gives up after snapshotWaitMs naming it, and resumes', async () => {
    const name = 'cva_snap_hidden';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 30);
    await db.sql.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = 'cva_plain_owner') then create role cva_plain_owner; end if; end $$`);
    for (const s of createConversionsTableSql()) await db.sql.unsafe(s);
    await db.sql.unsafe(`grant usage, create on schema public, drizzle_partitions to cva_plain_owner`);
    await db.sql.unsafe(`grant select, insert, update, delete on drizzle_partitions.conversions to cva_plain_owner`);
    await db.sql.unsafe(`alter table ${name} owner to cva_plain_owner`);
    const database = databaseFromUrl(db.url);
    const owner = postgres(db.url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, connection: { role: 'cva_plain_owner' } });
    const rr = await db.sql.reserve(); // the superuser's session: pg_stat_activity hides its details from the owner
    try {
      await rr.unsafe('begin isolation level repeatable read');
      await rr.unsafe('select 1');
      const [{ pid }] = (await rr.unsafe('select pg_backend_pid() as pid')) as unknown as [{ pid: number }];
      const [hidden] = await owner.unsafe<{ xact: string | null }[]>(`select xact_start::text as xact from pg_stat_activity where pid = ${pid}`);
      expect(hidden!.xact).toBeNull();
      const waitedFor: number[] = [];
      await expect(
        convertTable(owner, t, { now: NOW, snapshotWaitMs: 400, onProgress: (e) => e.waitingFor && waitedFor.push(...e.waitingFor.map((h) => h.pid)) }),
      ).rejects.toMatchObject({ code: 'CONVERT_SNAPSHOT_WAIT', message: expect.stringContaining(`pid ${pid}`) });
      expect(waitedFor).toContain(pid);
      const [still] = await db.sql.unsafe<{ k: string; phase: string }[]>(`select (select relkind::text from pg_class where oid = '${name}'::regclass) as k, (select phase from drizzle_partitions.conversions where table_name = '${name}') as phase`);
      expect(still).toEqual({ k: 'r', phase: 'verified' });
      const [{ n }] = (await rr.unsafe(`select count(*)::int as n from ${name}`)) as unknown as [{ n: number }];
      expect(n).toBe(30);
      await rr.unsafe('commit');
      expect((await convertTable(owner, t, { now: NOW, snapshotWaitMs: 5000 })).phase).toBe('swapped');
    } finally {
      await rr.unsafe('rollback').catch(() => undefined);
      rr.release();
      await owner.end();
    }
  });

  it('an identity column, a generated column and a dropped one: convert, undo, convert again, inserts never collide', async () => {
    const name = 'cva_ident';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await db.sql.unsafe(`create table ${name} (gone int, id bigint generated always as identity, at timestamptz not null, payload text, len int generated always as (length(payload)) stored, primary key (id, at))`);
    await db.sql.unsafe(`alter table ${name} drop column gone`);
    await db.sql.unsafe(`insert into ${name} (at, payload) select timestamptz '2026-03-20' + g * interval '1 minute', repeat('x', g) from generate_series(1, 30) g`);
    const add = async () => (await db.sql.unsafe<{ id: string }[]>(`insert into ${name} (at, payload) values ('2026-03-21', 'abc') returning id::text`))[0]!.id;
    await convertTable(db.sql, t, { now: NOW, batchRows: 7 });
    expect(await add()).toBe('31');
    await undoConversion(db.sql, { schema: 'public', name });
    expect(await add()).toBe('32');
    await convertTable(db.sql, t, { now: NOW });
    expect(await add()).toBe('33');
    const [r] = await db.sql.unsafe<{ n: number; bad: number }[]>(`select count(*)::int as n, count(*) filter (where len is distinct from length(payload))::int as bad from ${name}`);
    expect(r).toEqual({ n: 33, bad: 0 });
  });

  it('prepared statements made before the swap keep working after it and after undo', async () => {
    const name = 'cva_prepared';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await db.sql.unsafe(`create table ${name} (gone int, id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
    await db.sql.unsafe(`alter table ${name} drop column gone`);
    await db.sql.unsafe(`insert into ${name} select g, timestamptz '2026-03-20' + g * interval '1 minute', 'p' from generate_series(1, 30) g`);
    const conn = await db.sql.reserve();
    try {
      const round = async (id: number) => {
        const rows = await conn.unsafe(`select * from ${name} where id = $1`, [1], { prepare: true });
        await conn.unsafe(`insert into ${name} (id, at, payload) values ($1, $2, $3)`, [id, '2026-03-21', 'x'], { prepare: true });
        const upd = await conn.unsafe(`update ${name} set payload = $2 where id = $1`, [id, 'y'], { prepare: true });
        return [rows.length, upd.count];
      };
      for (let i = 0; i < 6; i++) expect(await round(100 + i)).toEqual([1, 1]);
      await convertTable(db.sql, t, { now: NOW });
      expect(await round(200)).toEqual([1, 1]);
      await undoConversion(db.sql, { schema: 'public', name });
      expect(await round(300)).toEqual([1, 1]);
    } finally {
      conn.release();
    }
  });

  it('a writer transaction open while the change capture is installed: the capture waits for it, its rows and later writes are copied', async () => {
    const name = 'cva_open_writer';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 30);
    const w = await db.sql.reserve();
    try {
      await w.unsafe('begin');
      await w.unsafe(`insert into ${name} values (500, '2026-03-21', 'before the trigger')`);
      let started!: () => void;
      const shadowMade = new Promise<void>((r) => (started = r));
      const conv = convertTable(db.sql, t, { now: NOW, batchRows: 10, lockTimeoutMs: 50, backoffMs: 10, maxWaitShare: 1, onProgress: (e) => e.phase === 'shadow-created' && started() });
      await new Promise((r) => setTimeout(r, 200));
      await w.unsafe(`update ${name} set payload = 'updated in the same transaction' where id = 500`);
      await w.unsafe('commit');
      await shadowMade;
      await w.unsafe(`update ${name} set payload = 'after' where id = 500`);
      const r = await conv;
      expect(r.phase).toBe('swapped');
      expect(r.verification!.rows).toBe(31);
      const [row] = await db.sql.unsafe<{ payload: string }[]>(`select payload from ${name} where id = 500`);
      expect(row!.payload).toBe('after');
    } finally {
      await w.unsafe('rollback').catch(() => undefined);
      w.release();
    }
  });

  it('writes racing the copy batch by batch (upsert, delete and re-insert, two updates, key changes, in one transaction each): the copy equals the table', async () => {
    const name = 'cva_race';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 400);
    let stop = false;
    let ops = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const id = 1 + ((i * 37) % 400);
        const at = `timestamptz '2026-03-20' + ${id} * interval '1 minute'`;
        await db.sql.begin(async (tx) => {
          await tx.unsafe(`insert into ${name} values (${id}, ${at}, 'up${i}') on conflict (id, at) do update set payload = excluded.payload`);
          await tx.unsafe(`update ${name} set payload = payload || '+' where id = ${id}`);
          await tx.unsafe(`update ${name} set payload = payload || '+' where id = ${id}`);
          await tx.unsafe(`delete from ${name} where id = ${id}`);
          await tx.unsafe(`insert into ${name} values (${id}, ${at}, 'again${i}')`);
          await tx.unsafe(`update ${name} set id = id + 100000 where id = ${id}`);
          await tx.unsafe(`update ${name} set id = id - 100000, at = at + interval '${i % 2} day' where id = ${id + 100000}`);
        });
        ops++;
      }
    })().catch((e: unknown) => e);
    const r = await convertTable(db.sql, t, { now: NOW, batchRows: 5, stopAfter: 'copied' }).finally(() => (stop = true));
    expect(await writer).toBeUndefined();
    expect(r.phase).toBe('copied');
    expect(ops).toBeGreaterThan(0);
    const [diff] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ((table ${name} except all table ${name}_dp_new) union all (table ${name}_dp_new except all table ${name})) d`);
    expect(diff!.n).toBe(0);
  });

  it('TRUNCATE during the copy and after the swap reaches the other table: undo brings nothing back', async () => {
    const name = 'cva_trunc';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 30);
    const rows = async (table: string) => (await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`))[0]!.n;
    await convertTable(db.sql, t, { now: NOW, stopAfter: 'copied' });
    await db.sql.unsafe(`truncate ${name}`);
    await db.sql.unsafe(`insert into ${name} values (1, '2026-03-21', 'a'), (2, '2026-03-22', 'b')`);
    expect((await convertTable(db.sql, t, { now: NOW })).verification!.rows).toBe(2);
    await db.sql.unsafe(`truncate ${name}`);
    expect(await rows(`${name}_dp_old`)).toBe(0);
    await undoConversion(db.sql, { schema: 'public', name });
    expect(await rows(name)).toBe(0);
    await db.sql.unsafe(`insert into ${name} values (3, '2026-03-21', 'c')`);
    expect((await convertTable(db.sql, t, { now: NOW })).verification!.rows).toBe(1);
    expect(await rows(name)).toBe(1);
  });

  it('row-level security forced on a table its owner (no BYPASSRLS) converts: refused before anything is made; without FORCE, every row is copied and the policy carried over', async () => {
    const name = 'cva_rls';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await plainEvents(name, 50);
    await db.sql.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = 'cva_rls_owner') then create role cva_rls_owner nobypassrls; end if; end $$`);
    for (const s of createConversionsTableSql()) await db.sql.unsafe(s);
    await db.sql.unsafe(`grant usage, create on schema public, drizzle_partitions to cva_rls_owner`);
    await db.sql.unsafe(`grant select, insert, update, delete on drizzle_partitions.conversions to cva_rls_owner`);
    await db.sql.unsafe(`alter table ${name} owner to cva_rls_owner`);
    await db.sql.unsafe(`alter table ${name} enable row level security`);
    await db.sql.unsafe(`alter table ${name} force row level security`);
    await db.sql.unsafe(`create policy cva_rls_few on ${name} using (id <= 10)`);
    const database = databaseFromUrl(db.url);
    const owner = postgres(db.url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, connection: { role: 'cva_rls_owner' } });
    try {
      expect((await owner.unsafe<{ n: number }[]>(`select count(*)::int as n from ${name}`))[0]!.n).toBe(10); // what the owner sees
      await expect(convertTable(owner, t, { now: NOW })).rejects.toMatchObject({ code: 'CONVERT_ROW_SECURITY', message: expect.stringContaining(`public.${name}`) });
      const [made] = await db.sql.unsafe<{ shadow: string | null; n: number }[]>(`select to_regclass('${name}_dp_new')::text as shadow, (select count(*)::int from drizzle_partitions.conversions where table_name = '${name}') as n`);
      expect(made).toEqual({ shadow: null, n: 0 });
      await db.sql.unsafe(`alter table ${name} no force row level security`);
      const r = await convertTable(owner, t, { now: NOW });
      expect(r.verification!.rows).toBe(50);
    } finally {
      await owner.end();
    }
    const [after] = await db.sql.unsafe<{ k: string; rls: boolean; policies: number; n: number }[]>(
      `select relkind::text as k, relrowsecurity as rls, (select count(*)::int from pg_policy where polrelid = c.oid) as policies, (select count(*)::int from ${name}) as n from pg_class c where oid = '${name}'::regclass`,
    );
    expect(after).toEqual({ k: 'p', rls: true, policies: 1, n: 50 });
  });

  it('a unique index without the partition key: refused before anything is made, naming the index', async () => {
    const name = 'cva_uniq';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text unique, primary key (id, at))`);
    await expect(convertTable(db.sql, t, { now: NOW })).rejects.toMatchObject({ code: 'CONVERT_UNIQUE_WITHOUT_KEY', message: expect.stringContaining('cva_uniq_payload_key') });
    const left = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from pg_class where relname like 'cva_uniq%'`);
    expect(left[0]!.n).toBe(3); // the table, its two indexes: nothing made
  });

  it('a serial id: the next insert after the swap takes the next value', async () => {
    const name = 'cva_serial';
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    await db.sql.unsafe(`create table ${name} (id bigserial not null, at timestamptz not null, payload text, primary key (id, at))`);
    await db.sql.unsafe(`insert into ${name} (at, payload) select timestamptz '2026-03-20' + g * interval '1 minute', 'p' from generate_series(1, 30) g`);
    await convertTable(db.sql, t, { now: NOW, batchRows: 7 });
    const [r] = await db.sql.unsafe<{ id: string }[]>(`insert into ${name} (at, payload) values ('2026-03-21', 'after') returning id::text`);
    expect(r!.id).toBe('31');
  });
});
