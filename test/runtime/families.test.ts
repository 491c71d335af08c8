/**
 * Partition families on real PostgreSQL: three monthly tables linked by foreign keys
 * (tweets <- retweets <- likes) kept in lockstep over a year of maintenance with
 * retention (detach, then drop), month by month with an advancing clock. The
 * tables are handed to plan() children first, and the likes -> retweets foreign key
 * exists only in the catalog: the order comes from pg_constraint and the drizzle
 * declarations, not from the argument order.
 */
import { describe, expect, it } from 'vitest';
import { bigint, foreignKey, primaryKey, timestamp } from 'drizzle-orm/pg-core';
import { apply, listPartitions, pgPartitionedTable, plan, range, type MaintenancePlan, type MaintenancePolicyInput } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase();

function family(prefix: string, retention: MaintenancePolicyInput['retention']) {
  const policy = { interval: '1 month', premake: 2, retention };
  const tweets = pgPartitionedTable(
    `${prefix}_tweets`,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: false, maintenance: policy }),
  );
  const retweets = pgPartitionedTable(
    `${prefix}_retweets`,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] }), foreignKey({ columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] })],
    (t) => range(t.at, { default: false, maintenance: { ...policy, alignedWith: tweets } }),
  );
  const likes = pgPartitionedTable(
    `${prefix}_likes`,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), retweetId: bigint('retweet_id', { mode: 'number' }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: false, maintenance: { ...policy, alignedWith: () => retweets } }),
  );
  return { tweets, retweets, likes };
}

async function createFamily(prefix: string) {
  await db.sql.unsafe(`
    CREATE TABLE "${prefix}_tweets" (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE "${prefix}_retweets" (id bigint NOT NULL, at timestamptz NOT NULL, tweet_id bigint NOT NULL, PRIMARY KEY (id, at),
      FOREIGN KEY (tweet_id, at) REFERENCES "${prefix}_tweets" (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE "${prefix}_likes" (id bigint NOT NULL, at timestamptz NOT NULL, retweet_id bigint NOT NULL, PRIMARY KEY (id, at),
      FOREIGN KEY (retweet_id, at) REFERENCES "${prefix}_retweets" (id, at)) PARTITION BY RANGE (at);`);
}

/** The month suffixes (p20260101, ...) of a table's attached partitions. */
async function months(table: Parameters<typeof listPartitions>[1]) {
  const tree = await listPartitions(db.sql, table);
  return tree.partitions.map((p) => p.name.slice(p.name.lastIndexOf('_p') + 1)).sort();
}

const monthStart = (k: number) => new Date(Date.UTC(2026, k, 1));

/** Runs `fn` while another session holds `table` in ACCESS EXCLUSIVE mode. */
async function whileLocked<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const holder = await db.sql.reserve();
  try {
    await holder.unsafe(`begin; lock table "${table}" in access exclusive mode`);
    return await fn();
  } finally {
    await holder.unsafe('rollback');
    holder.release();
  }
}

/** `p` with its retirements only. */
function retiresOnly(p: MaintenancePlan): MaintenancePlan {
  return { ...p, tables: p.tables.map((t) => ({ ...t, ops: t.ops.filter((o) => o.kind === 'retire') })) };
}

/** tweets <- retweets with partition-to-partition foreign keys only (no table-level one). */
function partitionLinkedFamily(prefix: string) {
  const policy = { interval: '1 month', premake: 1, retention: { keep: '1 month', action: 'drop' as const } };
  const tweets = pgPartitionedTable(
    `${prefix}_tweets`,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: false, maintenance: policy }),
  );
  const retweets = pgPartitionedTable(
    `${prefix}_retweets`,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { default: false, maintenance: { ...policy, alignedWith: tweets, partitionForeignKeys: [{ columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] }] } }),
  );
  return { tweets, retweets };
}

describe('partition families', () => {
  it('a year of maintenance keeps three foreign-key-linked tables in lockstep: created parents first, retired children first, no foreign-key error, no orphan', async () => {
    const { tweets, retweets, likes } = family('fam', { keep: '3 months', action: 'drop' });
    await createFamily('fam');
    const tables = [likes, retweets, tweets];
    let retired = 0;
    for (let k = 0; k < 12; k++) {
      const now = new Date(Date.UTC(2026, k, 15, 12));
      const p = await plan(db.sql, tables, { now });
      expect(p.tables.map((t) => t.table.name)).toEqual(['fam_tweets', 'fam_retweets', 'fam_likes']);
      expect(p.tables.flatMap((t) => t.problems).filter((x) => x.code === 'retire-blocked')).toEqual([]);
      const r = await apply(db.sql, p, { allowDestructive: true, now });
      expect(r.results.filter((x) => x.status !== 'done').map((x) => `${x.op.partition.name}: ${x.reason}`)).toEqual([]);
      // creates: tweets, then retweets, then likes, for the same months; retirements the other way round
      const order = r.results.map((x) => `${x.op.kind} ${x.op.partition.name}`);
      const creates = order.filter((x) => x.startsWith('create'));
      const retires = order.filter((x) => x.startsWith('retire'));
      expect(order).toEqual([...creates, ...retires]);
      const per = creates.length / 3;
      expect(creates.map((x) => x.split(' ')[1]!.replace(/_p\d+$/, ''))).toEqual([...Array(per).fill('fam_tweets'), ...Array(per).fill('fam_retweets'), ...Array(per).fill('fam_likes')]);
      const rper = retires.length / 3;
      expect(retires.map((x) => x.split(' ')[1]!.replace(/_p\d+$/, ''))).toEqual([...Array(rper).fill('fam_likes'), ...Array(rper).fill('fam_retweets'), ...Array(rper).fill('fam_tweets')]);
      retired += rper;

      // lockstep in the catalog: the same months, the current one and two ahead, none ending before now - 3 months
      const m = await months(tweets);
      expect(await months(retweets)).toEqual(m);
      expect(await months(likes)).toEqual(m);
      const lowest = Math.max(0, k - 3);
      expect(m).toEqual(Array.from({ length: k + 3 - lowest }, (_, i) => `p${monthStart(lowest + i).toISOString().slice(0, 10).replace(/-/g, '')}`));
      // nothing retired is left behind as a table
      const [left] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from pg_class where relname ~ '^fam_' and relkind = 'r' and not relispartition`);
      expect(left!.n).toBe(0);

      // this month's activity, every row referencing a row of its own month
      const at = now.toISOString();
      await db.sql.unsafe(`insert into fam_tweets values (${k}, '${at}'); insert into fam_retweets values (${k}, '${at}', ${k}); insert into fam_likes values (${k}, '${at}', ${k})`);
      const [orphans] = await db.sql.unsafe<{ r: number; l: number }[]>(`
        select (select count(*) from fam_retweets x where not exists (select 1 from fam_tweets t where t.id = x.tweet_id and t.at = x.at))::int as r,
               (select count(*) from fam_likes x where not exists (select 1 from fam_retweets t where t.id = x.retweet_id and t.at = x.at))::int as l`);
      expect(orphans).toEqual({ r: 0, l: 0 });
      const [count] = await db.sql.unsafe<{ c: number }[]>(`select count(*)::int as c from fam_tweets`);
      expect(count!.c).toBe(k + 1 - lowest);
    }
    expect(retired).toBe(8);
  });

  it('a retired partition kept as a table (detach) gives up its foreign key into the family, so the month it referenced retires too', async () => {
    const { tweets, retweets, likes } = family('famk', { keep: '1 month', action: 'detach' });
    await createFamily('famk');
    const jan = new Date(Date.UTC(2026, 0, 15));
    await apply(db.sql, await plan(db.sql, [tweets, retweets, likes], { now: jan }), { now: jan });
    await db.sql.unsafe(`insert into famk_tweets values (1, '${jan.toISOString()}'); insert into famk_retweets values (1, '${jan.toISOString()}', 1); insert into famk_likes values (1, '${jan.toISOString()}', 1)`);
    const apr = new Date(Date.UTC(2026, 3, 15));
    const r = await apply(db.sql, await plan(db.sql, [tweets, retweets, likes], { now: apr }), { allowDestructive: true, now: apr });
    expect(r.results.filter((x) => x.status !== 'done').map((x) => x.reason)).toEqual([]);
    expect(r.results.filter((x) => x.op.kind === 'retire').map((x) => x.op.partition.name)).toEqual(['famk_likes_p20260101', 'famk_likes_p20260201', 'famk_retweets_p20260101', 'famk_retweets_p20260201', 'famk_tweets_p20260101', 'famk_tweets_p20260201']);
    // the kept tables hold their rows and no foreign key any more
    const kept = await db.sql.unsafe<{ t: string; fks: number }[]>(`
      select c.relname as t, (select count(*) from pg_constraint k where k.conrelid = c.oid and k.contype = 'f')::int as fks
      from pg_class c where c.relname in ('famk_tweets_p20260101', 'famk_retweets_p20260101', 'famk_likes_p20260101') and not c.relispartition order by 1`);
    expect(kept).toEqual([{ t: 'famk_likes_p20260101', fks: 0 }, { t: 'famk_retweets_p20260101', fks: 0 }, { t: 'famk_tweets_p20260101', fks: 0 }]);
    const [rows] = await db.sql.unsafe<{ n: number }[]>(`select (select count(*) from famk_likes_p20260101) + (select count(*) from famk_retweets_p20260101) + (select count(*) from famk_tweets_p20260101) as n`);
    expect(Number(rows!.n)).toBe(3);
  });

  it('plan flags a retirement a foreign key would block, naming the referencing table, and apply leaves it alone', async () => {
    const { tweets } = family('famb', { keep: '1 month', action: 'drop' });
    await createFamily('famb');
    await db.sql.unsafe(`CREATE TABLE famb_quotes (id bigint PRIMARY KEY, tweet_id bigint NOT NULL, tweet_at timestamptz NOT NULL, FOREIGN KEY (tweet_id, tweet_at) REFERENCES famb_tweets (id, at))`);
    const jan = new Date(Date.UTC(2026, 0, 15));
    await apply(db.sql, await plan(db.sql, [tweets], { now: jan }), { now: jan });
    await db.sql.unsafe(`insert into famb_tweets values (1, '${jan.toISOString()}'), (2, '2026-02-10Z'); insert into famb_quotes values (1, 1, '${jan.toISOString()}')`);
    const apr = new Date(Date.UTC(2026, 3, 15));
    const p = await plan(db.sql, [tweets], { now: apr });
    const blocked = p.tables[0]!.problems.filter((x) => x.code === 'retire-blocked');
    expect(blocked.map((x) => x.partition)).toEqual(['famb_tweets_p20260101']);
    expect(blocked[0]!.message).toContain('public.famb_quotes');
    const r = await apply(db.sql, p, { allowDestructive: true, now: apr });
    const retires = r.results.filter((x) => x.op.kind === 'retire').map((x) => [x.op.partition.name, x.status]);
    expect(retires).toEqual([['famb_tweets_p20260101', 'skipped'], ['famb_tweets_p20260201', 'done']]);
    expect(r.results.find((x) => x.status === 'skipped')!.reason).toContain('public.famb_quotes');
    expect(await months(tweets)).toContain('p20260101');
  });

  it('default partitions: a month whose rows in the default are referenced is create-blocked, its child month waits with it, and both are made once nothing references them', async () => {
    const policy = { interval: '1 month', premake: 1 };
    const tweets = pgPartitionedTable(
      'famd_tweets',
      { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
      (t) => [primaryKey({ columns: [t.id, t.at] })],
      (t) => range(t.at, { default: true, maintenance: policy }),
    );
    const likes = pgPartitionedTable(
      'famd_likes',
      { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull() },
      (t) => [primaryKey({ columns: [t.id, t.at] }), foreignKey({ columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] })],
      (t) => range(t.at, { default: true, maintenance: { ...policy, alignedWith: tweets } }),
    );
    await db.sql.unsafe(`
      CREATE TABLE famd_tweets (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE famd_tweets_default PARTITION OF famd_tweets DEFAULT;
      CREATE TABLE famd_likes (id bigint NOT NULL, at timestamptz NOT NULL, tweet_id bigint NOT NULL, PRIMARY KEY (id, at),
        FOREIGN KEY (tweet_id, at) REFERENCES famd_tweets (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE famd_likes_default PARTITION OF famd_likes DEFAULT;
      INSERT INTO famd_tweets VALUES (1, '2026-01-10Z'), (2, '2026-02-10Z');
      INSERT INTO famd_likes VALUES (1, '2026-01-10Z', 1), (2, '2026-02-10Z', 2);
      DELETE FROM famd_likes WHERE id = 2;`);
    const jan = new Date(Date.UTC(2026, 0, 15));
    const p = await plan(db.sql, [likes, tweets], { now: jan });
    const blocked = p.tables.flatMap((t) => t.problems).filter((x) => x.code === 'create-blocked');
    // January's tweet is referenced by a like: tweets' January cannot move out of the default, and likes' January waits for it
    expect(blocked.map((x) => [x.table, x.partition])).toEqual([
      ['public.famd_tweets', 'famd_tweets_p20260101'],
      ['public.famd_likes', 'famd_likes_p20260101'],
    ]);
    expect(blocked[0]!.message).toContain('rows of public.famd_likes reference rows of famd_tweets_default');
    const r = await apply(db.sql, p, { now: jan });
    expect(r.results.map((x) => [x.op.partition.name, x.status, x.code ?? ''])).toEqual([
      ['famd_tweets_p20260101', 'skipped', 'CREATE_BLOCKED'],
      ['famd_tweets_p20260201', 'done', ''],
      ['famd_likes_p20260101', 'skipped', 'CREATE_BLOCKED'],
      ['famd_likes_p20260201', 'done', ''],
    ]);
    // nothing half-made beside the parents, every row still there
    const loose = await db.sql.unsafe(`select relname from pg_class where relname like 'famd_%_p2026%' and relkind = 'r' and not relispartition`);
    expect(loose).toEqual([]);
    const [n] = await db.sql.unsafe<{ t: number; l: number }[]>(`select (select count(*) from famd_tweets)::int as t, (select count(*) from famd_likes)::int as l`);
    expect(n).toEqual({ t: 2, l: 1 });

    // the like goes: January is made for both, its rows moved out of the defaults
    await db.sql.unsafe(`DELETE FROM famd_likes WHERE id = 1`);
    const again = await plan(db.sql, [likes, tweets], { now: jan });
    expect(again.tables.flatMap((t) => t.problems).filter((x) => x.code === 'create-blocked')).toEqual([]);
    const r2 = await apply(db.sql, again, { now: jan });
    expect(r2.results.map((x) => [x.op.partition.name, x.status])).toEqual([
      ['famd_tweets_p20260101', 'done'],
      ['famd_likes_p20260101', 'done'],
    ]);
    const [moved] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from famd_tweets_p20260101`);
    expect(moved!.n).toBe(1);
  });

  it('partitionForeignKeys: each new partition references the partition of the same month; retiring a month reads nothing outside it', async () => {
    const { tweets, retweets } = partitionLinkedFamily('famp');
    await db.sql.unsafe(`
      CREATE TABLE famp_tweets (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE famp_retweets (id bigint NOT NULL, at timestamptz NOT NULL, tweet_id bigint NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);`);
    const jan = new Date(Date.UTC(2026, 0, 15));
    // retweets first: the order comes from the declaration (no foreign key in the catalog yet)
    const p = await plan(db.sql, [retweets, tweets], { now: jan });
    expect(p.tables.map((t) => t.table.name)).toEqual(['famp_tweets', 'famp_retweets']);
    const r = await apply(db.sql, p, { now: jan });
    expect(r.results.filter((x) => x.status !== 'done')).toEqual([]);
    const links = await db.sql.unsafe<{ from: string; to: string }[]>(
      `select conrelid::regclass::text as "from", confrelid::regclass::text as "to" from pg_constraint where contype = 'f' and conrelid::regclass::text like 'famp_%' order by 1`,
    );
    expect(links).toEqual([
      { from: 'famp_retweets_p20260101', to: 'famp_tweets_p20260101' },
      { from: 'famp_retweets_p20260201', to: 'famp_tweets_p20260201' },
    ]);
    await db.sql.unsafe(`insert into famp_tweets values (1, '2026-01-10Z'), (2, '2026-02-10Z'); insert into famp_retweets values (1, '2026-01-10Z', 1), (2, '2026-02-10Z', 2)`);
    await expect(db.sql.unsafe(`insert into famp_retweets values (3, '2026-01-11Z', 2)`)).rejects.toThrow(/foreign key/);

    // April: January and February retire while another session holds March's retweets
    // partition: with partition foreign keys nothing outside the retired months is read
    const apr = new Date(Date.UTC(2026, 3, 15));
    await apply(db.sql, await plan(db.sql, [tweets, retweets], { now: new Date(Date.UTC(2026, 2, 15)) }), { now: new Date(Date.UTC(2026, 2, 15)) });
    const q = retiresOnly(await plan(db.sql, [tweets, retweets], { now: apr }));
    const done = await whileLocked('famp_retweets_p20260301', () => apply(db.sql, q, { allowDestructive: true, now: apr, lockTimeoutMs: 200, attempts: 1 }));
    expect(done.results.map((x) => [x.op.partition.name, x.status, x.reason ?? ''])).toEqual([
      ['famp_retweets_p20260101', 'done', ''],
      ['famp_retweets_p20260201', 'done', ''],
      ['famp_tweets_p20260101', 'done', ''],
      ['famp_tweets_p20260201', 'done', ''],
    ]);
  });

  it('a table-level foreign key makes the same retirement read the whole referencing table (what partitionForeignKeys avoids)', async () => {
    const { tweets, retweets, likes } = family('famt', { keep: '1 month', action: 'drop' });
    await createFamily('famt');
    const feb = new Date(Date.UTC(2026, 1, 15));
    await apply(db.sql, await plan(db.sql, [tweets, retweets, likes], { now: feb }), { now: feb });
    const apr = new Date(Date.UTC(2026, 3, 15));
    const q = retiresOnly(await plan(db.sql, [tweets, retweets, likes], { now: apr }));
    const done = await whileLocked('famt_retweets_p20260401', () => apply(db.sql, q, { allowDestructive: true, now: apr, lockTimeoutMs: 100, attempts: 1, maxWaitShare: 1 }));
    // (on PostgreSQL 15, not 13, retiring famt_likes_p20260201 waits on that lock too)
    const tweetsFeb = done.results.find((x) => x.op.partition.name === 'famt_tweets_p20260201')!;
    // the detach reads every partition of famt_retweets for rows referencing February
    expect([tweetsFeb.status, tweetsFeb.code]).toEqual(['failed', 'LOCK_TIMEOUT']);
    expect(done.results.find((x) => x.op.partition.name === 'famt_retweets_p20260201')!.status).toBe('done');
  });

  it('partitionForeignKeys without the aligned table in the run: family-unaligned, and the partitions are still made', async () => {
    const { retweets } = partitionLinkedFamily('famu');
    await db.sql.unsafe(`
      CREATE TABLE famu_tweets (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
      CREATE TABLE famu_retweets (id bigint NOT NULL, at timestamptz NOT NULL, tweet_id bigint NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);`);
    const jan = new Date(Date.UTC(2026, 0, 15));
    const p = await plan(db.sql, [retweets], { now: jan });
    expect(p.tables[0]!.problems.filter((x) => x.code === 'family-unaligned').map((x) => x.partition)).toEqual(['famu_retweets_p20260101', 'famu_retweets_p20260201']);
    expect(p.tables[0]!.problems.find((x) => x.code === 'family-unaligned')!.message).toContain('public.famu_tweets is not maintained in this run');
    const r = await apply(db.sql, p, { now: jan });
    expect(r.results.map((x) => x.status)).toEqual(['done', 'done']);
  });
});
