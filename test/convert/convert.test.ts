/**
 * Online conversion of a plain table into a partitioned one, and back: the catalog
 * after each phase (foreign keys from two tables re-pointed at the partitioned table,
 * a view reading it, triggers, grants, comments, identity carried over), undo with the
 * writes made since the swap, drop-old, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { bigint, pgSchema, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { conversionStatus, convertTable, dropConvertedOriginal, partitioned, planConversion, range, RuntimeError, undoConversion } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { eventsTable } from '../support/fixtures.js';

const db = useTestDatabase();
const NOW = new Date('2026-03-27T12:00:00Z');

async function plainEvents(name: string, rows: number): Promise<void> {
  await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
  await db.sql.unsafe(`insert into ${name} select g, timestamptz '2026-03-20' + g * interval '1 minute', 'p' || g from generate_series(1, ${rows}) g`);
}

const one = async <T>(text: string): Promise<T> => (await db.sql.unsafe(text))[0] as T;

describe('convert', () => {
  it('converts a plain table with inbound foreign keys from two tables, a view, a trigger and grants; undo and drop-old', async () => {
    const name = 'cv_orders';
    const t = eventsTable(name, { interval: '1 day', premake: 2 });
    await plainEvents(name, 3000);
    await db.sql.unsafe(`comment on table ${name} is 'orders of the shop'`);
    await db.sql.unsafe(`create table cv_lines (id bigint primary key, order_id bigint, order_at timestamptz, foreign key (order_id, order_at) references ${name} on delete cascade)`);
    await db.sql.unsafe(`create table cv_notes (id bigint primary key, order_id bigint, order_at timestamptz, constraint cv_notes_order foreign key (order_id, order_at) references ${name})`);
    await db.sql.unsafe(`insert into cv_lines select g, g, timestamptz '2026-03-20' + g * interval '1 minute' from generate_series(1, 100) g`);
    await db.sql.unsafe(`insert into cv_notes select g, g, timestamptz '2026-03-20' + g * interval '1 minute' from generate_series(1, 50) g`);
    await db.sql.unsafe(`create view cv_recent as select id, payload from ${name} where id > 2900`);
    await db.sql.unsafe(`create table cv_audit (n bigint)`);
    await db.sql.unsafe(`create function cv_audit_fn() returns trigger language plpgsql as $$ begin insert into cv_audit values (new.id); return new; end $$`);
    await db.sql.unsafe(`create trigger cv_audit_tg after insert on ${name} for each row execute function cv_audit_fn()`);
    await db.sql.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = 'cv_reader') then create role cv_reader; end if; end $$`);
    await db.sql.unsafe(`grant select on ${name} to cv_reader`);
    // and a foreign key of its own (added to the copy in a step of its own)
    await db.sql.unsafe(`create table cv_payloads (p text primary key)`);
    await db.sql.unsafe(`insert into cv_payloads select distinct payload from ${name} union values ('after'), ('changed'), ('after undo'), ('after drop')`);
    await db.sql.unsafe(`alter table ${name} add constraint cv_orders_payload foreign key (payload) references cv_payloads`);

    const p = await planConversion(db.sql, t, { now: NOW });
    expect(p.phase).toBe('none');
    expect(p.foreignKeys.sort()).toEqual(['public.cv_lines.cv_lines_order_id_order_at_fkey', 'public.cv_notes.cv_notes_order']);
    expect(p.views).toEqual(['public.cv_recent']);
    expect(p.partitions.map((x) => x.name)).toContain('cv_orders_p20260320');
    expect(p.partitions.map((x) => x.name)).toContain('cv_orders_default');
    expect(p.partitions.map((x) => x.name)).toContain('cv_orders_p20260329'); // premake 2 after the 27th

    const r = await convertTable(db.sql, t, { now: NOW, batchRows: 700 });
    expect(r.phase).toBe('swapped');
    expect(r.verification!.rows).toBe(3000);
    expect(await one<{ k: string }>(`select relkind::text as k from pg_class where oid = '${name}'::regclass`)).toEqual({ k: 'p' });
    expect(await one<{ n: number }>(`select count(*)::int as n from ${name}`)).toEqual({ n: 3000 });
    // both foreign keys point at the partitioned table, validated
    const fks = await db.sql.unsafe<{ conname: string; target: string; ok: boolean }[]>(
      `select conname, confrelid::regclass::text as target, convalidated as ok from pg_constraint where conrelid in ('cv_lines'::regclass, 'cv_notes'::regclass) and contype = 'f' and conparentid = 0 order by 1`,
    );
    expect(fks).toEqual([
      { conname: 'cv_lines_order_id_order_at_fkey', target: name, ok: true },
      { conname: 'cv_notes_order', target: name, ok: true },
    ]);
    // its own foreign key came along; the deleted keys of the copy are gone with the capture
    expect(await db.sql.unsafe(`select conname, confrelid::regclass::text as target from pg_constraint where conrelid = '${name}'::regclass and contype = 'f' and conparentid = 0`)).toEqual([{ conname: 'cv_orders_payload', target: 'cv_payloads' }]);
    await expect(db.sql.unsafe(`insert into ${name} values (7001, '2026-03-28', 'no such payload')`)).rejects.toThrow(/foreign key/);
    expect(await one<{ r: string | null }>(`select to_regclass('drizzle_partitions.del_public_cv_orders')::text as r`)).toEqual({ r: null });
    // the view reads the new table
    const reads = (table: string) => `select exists (select from pg_depend d join pg_rewrite w on w.oid = d.objid where w.ev_class = 'cv_recent'::regclass and d.refobjid = '${table}'::regclass) as ok`;
    expect(await one<{ ok: boolean }>(reads(name))).toEqual({ ok: true });
    expect(await one<{ ok: boolean }>(reads('cv_orders_dp_old'))).toEqual({ ok: false });
    expect(await one<{ n: number }>(`select count(*)::int as n from cv_recent`)).toEqual({ n: 100 });
    expect(await one<{ c: string }>(`select obj_description('${name}'::regclass, 'pg_class') as c`)).toEqual({ c: 'orders of the shop' });
    // the primary key keeps its name (the old table's took the copy's)
    expect(await one<{ pk: string; old: string }>(`select (select conname from pg_constraint where conrelid = '${name}'::regclass and contype = 'p') as pk, (select conname from pg_constraint where conrelid = 'cv_orders_dp_old'::regclass and contype = 'p') as old`)).toEqual({ pk: 'cv_orders_pkey', old: 'cv_orders_dp_new_pkey' });
    expect(await one<{ ok: boolean }>(`select has_table_privilege('cv_reader', '${name}', 'select') as ok`)).toEqual({ ok: true });

    // writes after the swap: the user trigger fires once; the old table keeps them
    await db.sql.unsafe(`insert into ${name} values (5001, '2026-03-28', 'after')`);
    await db.sql.unsafe(`update ${name} set payload = 'changed' where id = 1`);
    await db.sql.unsafe(`delete from ${name} where id = 200`);
    expect(await one<{ n: number }>(`select count(*)::int as n from cv_audit where n = 5001`)).toEqual({ n: 1 });
    expect(await one<{ n: number }>(`select count(*)::int as n from cv_orders_dp_old`)).toEqual({ n: 3000 });
    // a row violating the re-pointed foreign key is refused
    await expect(db.sql.unsafe(`insert into cv_notes values (999, 999999, now())`)).rejects.toThrow(/foreign key/);

    const s = await conversionStatus(db.sql, t);
    expect(s).toMatchObject({ phase: 'swapped', live: 'partitioned', oldKept: true, rowsCopied: 3000 });
    // apply again: nothing to do
    expect((await convertTable(db.sql, t, { now: NOW })).phase).toBe('swapped');

    const u = await undoConversion(db.sql, t);
    expect(u).toMatchObject({ phase: 'undone', live: 'plain', oldKept: true });
    expect(await one<{ n: number; changed: number; gone: number }>(`select count(*)::int as n, count(*) filter (where payload = 'changed')::int as changed, count(*) filter (where id = 200)::int as gone from ${name}`)).toEqual({ n: 3000, changed: 1, gone: 0 }) // 3000 + 5001 - 200;
    expect(await one<{ target: string }>(`select confrelid::regclass::text as target from pg_constraint where conname = 'cv_notes_order'`)).toEqual({ target: name });
    expect(await one<{ k: string }>(`select relkind::text as k from pg_class where oid = '${name}'::regclass`)).toEqual({ k: 'r' });
    expect(await one<{ pk: string }>(`select conname as pk from pg_constraint where conrelid = '${name}'::regclass and contype = 'p'`)).toEqual({ pk: 'cv_orders_pkey' });
    await db.sql.unsafe(`insert into ${name} values (5002, '2026-03-28', 'after undo')`);
    expect(await one<{ n: number }>(`select count(*)::int as n from cv_audit where n = 5002`)).toEqual({ n: 1 });

    // convert again: the copy was kept in step; verified and swapped without copying
    const again = await convertTable(db.sql, t, { now: NOW });
    expect(again).toMatchObject({ phase: 'swapped', rowsCopied: 0 });
    expect(again.verification!.rows).toBe(3001);

    await expect(dropConvertedOriginal(db.sql, t, { confirm: false })).rejects.toMatchObject({ code: 'CONVERT_CONFIRM_REQUIRED' });
    expect(await dropConvertedOriginal(db.sql, t, { confirm: true })).toEqual({ dropped: 'public.cv_orders_dp_old' });
    expect(await one<{ r: string | null }>(`select to_regclass('cv_orders_dp_old')::text as r`)).toEqual({ r: null });
    expect((await conversionStatus(db.sql, t)).phase).toBe('none');
    await db.sql.unsafe(`insert into ${name} values (5003, '2026-03-28', 'after drop')`);
  });

  it('converts a partitioned table back into a plain one (its plain pgTable) under a racing writer, with an inbound foreign key and a view; undo; drop-old', async () => {
    const name = 'cv_back';
    await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text, primary key (id, at)) partition by range (at)`);
    for (const d of [20, 21, 22]) await db.sql.unsafe(`create table ${name}_p${d} partition of ${name} for values from ('2026-03-${d}') to ('2026-03-${d + 1}')`);
    await db.sql.unsafe(`create table ${name}_default partition of ${name} default`);
    await db.sql.unsafe(`insert into ${name} select g, timestamptz '2026-03-20' + g * interval '2 minutes', 'p' || g from generate_series(1, 2500) g`);
    await db.sql.unsafe(`create table cv_back_ref (id bigint primary key, e_id bigint, e_at timestamptz, foreign key (e_id, e_at) references ${name})`);
    await db.sql.unsafe(`insert into cv_back_ref select g, g, timestamptz '2026-03-20' + g * interval '2 minutes' from generate_series(1, 40) g`);
    await db.sql.unsafe(`create view cv_back_view as select id from ${name} where id <= 100`);
    const plain = pgTable(name, { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() }, (t) => [primaryKey({ columns: [t.id, t.at] })]);
    expect(await planConversion(db.sql, plain)).toMatchObject({ phase: 'none', partitions: [], foreignKeys: ['public.cv_back_ref.cv_back_ref_e_id_e_at_fkey'], views: ['public.cv_back_view'] });

    // a writer racing the copy: upserts, updates, deletes for good, re-inserts, key changes
    let stop = false;
    let ops = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const id = 41 + ((i * 37) % 2400);
        const at = `timestamptz '2026-03-20' + ${id} * interval '2 minutes'`;
        await db.sql.begin(async (tx) => {
          if (i % 3 === 0) await tx.unsafe(`delete from ${name} where id = ${id}`);
          else {
            await tx.unsafe(`insert into ${name} values (${id}, ${at}, 'up${i}') on conflict (id, at) do update set payload = excluded.payload`);
            await tx.unsafe(`update ${name} set id = id + 100000 where id = ${id}`);
            await tx.unsafe(`update ${name} set id = id - 100000, payload = payload || '+' where id = ${id + 100000}`);
          }
        });
        ops++;
      }
    })().catch((e: unknown) => e);
    const r = await convertTable(db.sql, plain, { batchRows: 100 }).finally(() => (stop = true));
    expect(await writer).toBeUndefined();
    expect(ops).toBeGreaterThan(0);
    expect(r.phase).toBe('swapped');
    expect(r.foreignKeys).toEqual(['public.cv_back_ref.cv_back_ref_e_id_e_at_fkey']);
    expect(await one<{ k: string; old: string }>(`select (select relkind::text from pg_class where oid = '${name}'::regclass) as k, (select relkind::text from pg_class where oid = '${name}_dp_old'::regclass) as old`)).toEqual({ k: 'r', old: 'p' });
    const diff = (a: string, b: string) => one<{ n: number }>(`select count(*)::int as n from ((table ${a} except all table ${b}) union all (table ${b} except all table ${a})) d`);
    expect(await diff(name, `${name}_dp_old`)).toEqual({ n: 0 });
    expect(await one<{ target: string; ok: boolean }>(`select confrelid::regclass::text as target, convalidated as ok from pg_constraint where conrelid = 'cv_back_ref'::regclass and contype = 'f' and conparentid = 0`)).toEqual({ target: name, ok: true });
    expect(await one<{ ok: boolean }>(`select exists (select from pg_depend d join pg_rewrite w on w.oid = d.objid where w.ev_class = 'cv_back_view'::regclass and d.refobjid = '${name}'::regclass) as ok`)).toEqual({ ok: true });
    // the partitioned original keeps receiving every write; undo makes it the table again
    await db.sql.unsafe(`insert into ${name} values (9001, '2026-03-21', 'after')`);
    await db.sql.unsafe(`delete from ${name} where id = 41`);
    expect(await diff(name, `${name}_dp_old`)).toEqual({ n: 0 });
    expect(await undoConversion(db.sql, plain)).toMatchObject({ phase: 'undone', live: 'partitioned', oldKept: true });
    expect(await one<{ n: number; after: number }>(`select count(*)::int as n, count(*) filter (where id = 9001 and tableoid = '${name}_p21'::regclass)::int as after from ${name}`)).toMatchObject({ after: 1 });
    expect(await dropConvertedOriginal(db.sql, plain, { confirm: true })).toEqual({ dropped: `public.${name}_dp_new` });
    expect(await one<{ k: string }>(`select relkind::text as k from pg_class where oid = '${name}'::regclass`)).toEqual({ k: 'p' });
  });

  it('refuses a table without a primary key, naming it, and changes nothing', async () => {
    const name = 'cv_nokey';
    await db.sql.unsafe(`create table ${name} (id bigint not null, at timestamptz not null, payload text)`);
    const t = eventsTable(name, { interval: '1 day', premake: 1 });
    const e = await convertTable(db.sql, t, { now: NOW }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e).toMatchObject({ code: 'CONVERT_NO_PRIMARY_KEY' });
    expect((e as Error).message).toContain('public.cv_nokey');
    expect(await one<{ r: string | null }>(`select to_regclass('cv_nokey_dp_new')::text as r`)).toEqual({ r: null });
  });

  it('refuses, naming the table, and changes nothing: no table, a key without the partition key, a materialized view, too wide a range, a busy table; a copy that differs is not swapped', async () => {
    const code = (p: Promise<unknown>) => p.then(() => ({ code: 'resolved', message: '' }), (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));
    const refused = (r: { code: string; message: string }, expected: string, message: RegExp) => {
      expect(r.code).toBe(expected);
      expect(r.message).toMatch(message);
    };
    refused(await code(convertTable(db.sql, eventsTable('cv_missing', { interval: '1 day', premake: 1 }), { now: NOW })), 'CONVERT_NO_TABLE', /public.cv_missing/);

    await db.sql.unsafe(`create table cv_idkey (id bigint primary key, at timestamptz not null, payload text)`);
    refused(await code(convertTable(db.sql, eventsTable('cv_idkey', { interval: '1 day', premake: 1 }), { now: NOW })), 'CONVERT_KEY_MISSING', /public.cv_idkey: .*partition key column at/);

    await plainEvents('cv_mat', 10);
    await db.sql.unsafe(`create materialized view cv_mat_totals as select count(*) from cv_mat`);
    refused(await code(convertTable(db.sql, eventsTable('cv_mat', { interval: '1 day', premake: 1 }), { now: NOW })), 'CONVERT_VIEW_UNSUPPORTED', /.*public.cv_mat_totals/);

    await db.sql.unsafe(`create table cv_wide (id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
    await db.sql.unsafe(`insert into cv_wide values (1, '2020-01-01', 'a'), (2, '2026-01-01', 'b')`);
    refused(await code(convertTable(db.sql, eventsTable('cv_wide', { interval: '1 hour', premake: 1 }), { now: NOW })), 'CONVERT_RANGE_TOO_WIDE', /public.cv_wide/);

    await plainEvents('cv_busy', 10);
    const held = await db.sql.reserve();
    try {
      await held.unsafe(`select pg_advisory_lock(${0x44505254}, hashtext('public.cv_busy'))`);
      refused(await code(convertTable(db.sql, eventsTable('cv_busy', { interval: '1 day', premake: 1 }), { now: NOW })), 'CONVERT_BUSY', /public.cv_busy/);
    } finally {
      held.release();
    }
    for (const t of ['cv_idkey', 'cv_mat', 'cv_wide', 'cv_busy']) expect(await one<{ r: string | null }>(`select to_regclass('${t}_dp_new')::text as r`)).toEqual({ r: null });

    await plainEvents('cv_diff', 500);
    const t = eventsTable('cv_diff', { interval: '1 day', premake: 1 });
    expect((await convertTable(db.sql, t, { now: NOW, stopAfter: 'copied' })).phase).toBe('copied');
    await db.sql.unsafe(`update cv_diff_dp_new set payload = 'tampered' where id = 7`);
    refused(await code(convertTable(db.sql, t, { now: NOW })), 'CONVERT_VERIFY_MISMATCH', /public.cv_diff: .*nothing was swapped/);
    expect(await one<{ k: string }>(`select relkind::text as k from pg_class where oid = 'cv_diff'::regclass`)).toEqual({ k: 'r' });
    expect((await conversionStatus(db.sql, t)).phase).toBe('copied');
    // abandoning drops the copy and its trigger
    expect(await dropConvertedOriginal(db.sql, t, { confirm: true })).toEqual({ dropped: 'public.cv_diff_dp_new' });
    expect(await one<{ n: number }>(`select count(*)::int as n from pg_trigger where tgrelid = 'cv_diff'::regclass and not tgisinternal`)).toEqual({ n: 0 });
  });

  it('quotes every name: a table with a quote, capitals and a space in a schema of its own converts and undoes', async () => {
    await db.sql.unsafe(`create schema "Shop"`);
    await db.sql.unsafe(`create table "Shop"."Odd ""Name""" (id bigint not null, at timestamptz not null, payload text, primary key (id, at))`);
    await db.sql.unsafe(`insert into "Shop"."Odd ""Name""" select g, timestamptz '2026-03-25' + g * interval '1 hour', 'x' from generate_series(1, 60) g`);
    const odd = pgSchema('Shop').table(
      'Odd "Name"',
      { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() },
      (c) => [primaryKey({ columns: [c.id, c.at] })],
    );
    const t = partitioned(odd, (c) => range(c.at, { maintenance: { interval: '1 day', premake: 1 } }));
    expect((await convertTable(db.sql, t, { now: NOW, batchRows: 7 })).phase).toBe('swapped');
    expect(await one<{ k: string; n: number }>(`select (select relkind::text from pg_class where oid = '"Shop"."Odd ""Name"""'::regclass) as k, (select count(*)::int from "Shop"."Odd ""Name""") as n`)).toEqual({ k: 'p', n: 60 });
    await db.sql.unsafe(`update "Shop"."Odd ""Name""" set payload = 'y' where id = 3`);
    expect((await undoConversion(db.sql, t)).live).toBe('plain');
    expect(await one<{ p: string }>(`select payload as p from "Shop"."Odd ""Name""" where id = 3`)).toEqual({ p: 'y' });
  });

  it('refuses undo before a swap', async () => {
    await expect(undoConversion(db.sql, { name: 'cv_never' })).rejects.toMatchObject({ code: 'CONVERT_NOT_SWAPPED' });
  });
});
