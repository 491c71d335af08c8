/**
 * Partition families at definition time: a table declared `alignedWith` another
 * must share its key type, interval, declared range bounds, premake and retention
 * keep; a mismatch throws FAMILY_MISMATCH naming both tables, a target that is not
 * a maintained partitioned table FAMILY_TARGET_INVALID. A target declared further
 * down the module is checked when the partitioning is first read.
 */
import { describe, expect, it } from 'vitest';
import { bigint, date, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core';
import { getPartitioning, PartitionDefinitionError, pgPartitionedTable, range, type MaintenancePolicyInput } from '../../src/index.js';
import { thrown } from '../support/errors.js';

const monthly: MaintenancePolicyInput = { interval: '1 month', premake: 2, retention: { keep: '12 months', action: 'drop' } };

function tweets(name = 'tweets', policy: MaintenancePolicyInput = monthly, partitions: { from: string; to: string }[] = []) {
  return pgPartitionedTable(
    name,
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { partitions, maintenance: policy }),
  );
}

function retweets(maintenance: MaintenancePolicyInput, partitions: { from: string; to: string }[] = []) {
  return pgPartitionedTable(
    'retweets',
    { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
    (t) => [primaryKey({ columns: [t.id, t.at] })],
    (t) => range(t.at, { partitions, maintenance }),
  );
}

describe('alignedWith', () => {
  it('accepts a table on the same grid, given directly or as a function', () => {
    const parent = tweets();
    const child = retweets({ ...monthly, alignedWith: parent });
    expect(typeof getPartitioning(child)!.policy!.alignedWith).toBe('function');
    expect(() => retweets({ ...monthly, alignedWith: () => parent })).not.toThrow();
  });

  it.each([
    ['interval', { ...monthly, interval: '1 day' }, [], /they differ in interval: 1 day here, 1 month on "public.tweets"/],
    ['premake', { ...monthly, premake: 5 }, [], /they differ in premake: 5 here, 2 on "public.tweets"/],
    ['retention', { ...monthly, retention: { keep: '6 months' } }, [], /they differ in retention: keep 6 months here, keep 12 months on "public.tweets"/],
    ['no retention', { interval: '1 month', premake: 2 }, [], /they differ in retention: no retention here, keep 12 months on "public.tweets"/],
    ['declared partitions', monthly, [{ from: '2026-01-01', to: '2026-02-01' }], /they differ in declared partitions: \[2026-01-01 00:00:00\+00, 2026-02-01 00:00:00\+00\) declared here, no \[2026-01-01 00:00:00\+00, 2026-02-01 00:00:00\+00\) on "public.tweets"/],
  ])('refuses a different %s, naming both tables (FAMILY_MISMATCH)', (_what, policy, partitions, message) => {
    const parent = tweets();
    const e = thrown(() => retweets({ ...(policy as MaintenancePolicyInput), alignedWith: parent }, partitions));
    expect(e).toBeInstanceOf(PartitionDefinitionError);
    expect(e.code).toBe('FAMILY_MISMATCH');
    expect(e.message).toContain('"public.retweets"');
    expect(e.message).toMatch(message);
  });

  it('refuses a different key type (FAMILY_MISMATCH)', () => {
    const parent = tweets();
    const e = thrown(() =>
      pgPartitionedTable('daily', { id: bigint({ mode: 'number' }).notNull(), on: date().notNull() }, (t) => [primaryKey({ columns: [t.id, t.on] })], (t) => range(t.on, { maintenance: { ...monthly, alignedWith: parent } })),
    );
    expect(e.code).toBe('FAMILY_MISMATCH');
    expect(e.message).toMatch(/"public.daily".*they differ in partition key: RANGE on date here, RANGE on timestamptz on "public.tweets"/);
  });

  it('refuses a target that is not a maintained partitioned table, or not a table (FAMILY_TARGET_INVALID)', () => {
    const plain = pgTable('plain', { id: bigint({ mode: 'number' }) });
    expect(thrown(() => retweets({ ...monthly, alignedWith: plain })).code).toBe('FAMILY_TARGET_INVALID');
    const unmaintained = pgPartitionedTable('bare', { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() }, (t) => range(t.at, { partitions: [] }));
    const e = thrown(() => retweets({ ...monthly, alignedWith: unmaintained }));
    expect(e.code).toBe('FAMILY_TARGET_INVALID');
    expect(e.message).toContain('"public.bare", which has no maintenance policy');
    expect(thrown(() => retweets({ ...monthly, alignedWith: 'tweets' as never })).code).toBe('FAMILY_TARGET_INVALID');
  });

  it('checks a target declared further down the module when the partitioning is first read', () => {
    // as in a module whose `export const tweets` comes after retweets (a temporal dead zone when retweets is defined)
    const child = retweets({ ...monthly, premake: 3, alignedWith: () => later });
    const later = tweets();
    const e = thrown(() => getPartitioning(child));
    expect(e.code).toBe('FAMILY_MISMATCH');
    // still refused on the next read
    expect(thrown(() => getPartitioning(child)).code).toBe('FAMILY_MISMATCH');
  });

  it('accepts a matching target declared further down, and refuses one still missing when read', () => {
    const child = retweets({ ...monthly, alignedWith: () => later });
    const later = tweets();
    expect(getPartitioning(child)!.policy!.premake).toBe(2);
    let missing: object | undefined;
    const orphan = retweets({ ...monthly, alignedWith: () => missing! });
    expect(thrown(() => getPartitioning(orphan)).code).toBe('FAMILY_TARGET_INVALID');
  });

  describe('partitionForeignKeys', () => {
    const child = (parent: ReturnType<typeof tweets>, fks: (t: { tweetId: any; at: any; id: any }) => unknown, aligned = true) =>
      pgPartitionedTable(
        'retweets',
        { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull() },
        (t) => [primaryKey({ columns: [t.id, t.at] })],
        (t) => range(t.at, { maintenance: { ...monthly, ...(aligned ? { alignedWith: parent } : {}), partitionForeignKeys: fks(t) as never } }),
      );

    it("accepts columns that map the key column onto the aligned table's key column", () => {
      const parent = tweets();
      const t = child(parent, (c) => [{ columns: [c.tweetId, c.at], foreignColumns: [parent.id, parent.at] }]);
      expect(getPartitioning(t)!.policy!.partitionForeignKeys).toHaveLength(1);
    });

    it.each([
      ['without alignedWith', false, (_p: ReturnType<typeof tweets>) => (c: any) => [{ columns: [c.tweetId, c.at], foreignColumns: [_p.id, _p.at] }], /needs alignedWith/],
      ['with the key column mapped elsewhere', true, (p: ReturnType<typeof tweets>) => (c: any) => [{ columns: [c.at, c.tweetId], foreignColumns: [p.id, p.at] }], /must map the key column at onto "public.tweets"'s key column at/],
      ['without the key column', true, (p: ReturnType<typeof tweets>) => (c: any) => [{ columns: [c.tweetId], foreignColumns: [p.id] }], /must map the key column at/],
      ['with columns of another table', true, (p: ReturnType<typeof tweets>) => (c: any) => [{ columns: [c.tweetId, c.at], foreignColumns: [c.id, c.at] }], /foreignColumns must be columns of "public.tweets"/],
      ['with unequal lists', true, (p: ReturnType<typeof tweets>) => (c: any) => [{ columns: [c.tweetId, c.at], foreignColumns: [p.id] }], /as many columns as foreignColumns/],
    ])('refuses one %s (FAMILY_FOREIGN_KEY_INVALID)', (_what, aligned, fks, message) => {
      const parent = tweets();
      const e = thrown(() => child(parent, fks(parent), aligned));
      expect(e.code).toBe('FAMILY_FOREIGN_KEY_INVALID');
      expect(e.message).toContain('"public.retweets"');
      expect(e.message).toMatch(message);
    });
  });
});
