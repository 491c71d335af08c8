/**
 * A partition family through the real drizzle-kit and the CLI: foreign keys between
 * two partitioned tables (retweets -> tweets, both maintained, aligned) go through
 * generate + migrate; `apply` keeps them in lockstep; `status` flags, by name, the
 * table whose rows would block a retirement (human output and --json, exit 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { partitionNames } from '../support/catalog.js';
import { createProject, pgConfig, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_e2e_family' });
let project: Project;

const schema = `import { bigint, foreignKey, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

const monthly = { interval: '1 month', premake: 1, retention: { keep: '2 months', action: 'drop' as const } };

export const tweets = pgPartitionedTable(
  'tweets',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { default: false, maintenance: monthly }),
);

export const retweets = pgPartitionedTable(
  'retweets',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull() },
  (t) => [primaryKey({ columns: [t.id, t.at] }), foreignKey({ name: 'retweets_tweet_fk', columns: [t.tweetId, t.at], foreignColumns: [tweets.id, tweets.at] })],
  (t) => range(t.at, { default: false, maintenance: { ...monthly, alignedWith: tweets } }),
);

export const quotes = pgTable(
  'quotes',
  { id: bigint({ mode: 'number' }).primaryKey(), tweetId: bigint('tweet_id', { mode: 'number' }).notNull(), tweetAt: timestamp('tweet_at', { withTimezone: true }).notNull() },
  (t) => [foreignKey({ name: 'quotes_tweet_fk', columns: [t.tweetId, t.tweetAt], foreignColumns: [tweets.id, tweets.at] })],
);
`;

beforeAll(async () => {
  project = await createProject({ name: 'family', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schema } });
  expect((await project.cli(['generate', '--name', 'init'])).code).toBe(0);
  expect((await project.migrateWithDrizzleKit(db.url)).code).toBe(0);
});
afterAll(async () => {
  await project?.remove();
});

describe('a partition family from the schema to status', () => {
  const at = (month: string) => ['--url', db.url, '--now', `2026-${month}-15T10:00:00Z`];

  it('the foreign keys between partitioned tables reach the database, and apply keeps the family in lockstep', async () => {
    const fks = await db.sql.unsafe<{ name: string; from: string; to: string }[]>(
      `select conname as name, conrelid::regclass::text as "from", confrelid::regclass::text as "to" from pg_constraint where contype = 'f' and conparentid = 0 order by 1`,
    );
    expect(fks).toEqual([
      { name: 'quotes_tweet_fk', from: 'quotes', to: 'tweets' },
      { name: 'retweets_tweet_fk', from: 'retweets', to: 'tweets' },
    ]);
    const a = await project.cli(['apply', '--yes', ...at('01')]);
    expect(a.code, a.stderr).toBe(0);
    await db.sql.unsafe(`insert into tweets values (1, '2026-01-10Z'), (2, '2026-01-11Z'); insert into retweets values (1, '2026-01-10Z', 1); insert into quotes values (1, 2, '2026-01-11Z')`);
    await expect(db.sql.unsafe(`insert into retweets values (2, '2026-01-12Z', 99)`)).rejects.toThrow(/foreign key/);
  });

  it('status names the table whose rows block a retirement (exit 1, human and --json); apply retires the rest and leaves that one', async () => {
    const s = await project.cli(['status', ...at('05')]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/! retire-blocked: tweets_p20260101 cannot be retired: rows of public\.quotes reference it/);
    const j = await project.cli(['status', '--json', ...at('05')]);
    const json = JSON.parse(j.stdout);
    const problems = json.tables.flatMap((t: { problems: { code: string; partition?: string; message: string }[] }) => t.problems).filter((p: { code: string }) => p.code === 'retire-blocked');
    expect(problems).toEqual([expect.objectContaining({ code: 'retire-blocked', table: 'public.tweets', partition: 'tweets_p20260101' })]);
    const a = await project.cli(['apply', '--yes', ...at('05')]);
    expect(a.stdout).toContain('retweets_p20260101');
    expect(await partitionNames(db.sql, 'tweets')).toEqual(['tweets_p20260101', 'tweets_p20260301', 'tweets_p20260401', 'tweets_p20260501', 'tweets_p20260601']);
    expect(await partitionNames(db.sql, 'retweets')).toEqual(['retweets_p20260301', 'retweets_p20260401', 'retweets_p20260501', 'retweets_p20260601']);
  });
});
